//! The dashboard's one fleet feed, shared by every widget through a context: the fleet items
//! read once from `/api/fleet`, then kept current by one subscription to the `fleet` topic
//! (newest `updatedAt` wins per kind and key). Each kind has its own signal and load state, so
//! an update re-renders only the widgets of its kind, and a widget's retry reloads only its kind.
//! Items are shared (`Rc`: a render clones pointers, and unchanged items compare by pointer),
//! read from JSON by hand and kept per kind in a list ordered by time: derived deserializers,
//! maps and sorts would each weigh on the browser build.

use crate::fleet::server_fns::load;
use crate::fleet::{FleetItem, Kind};
use crate::http::{use_answers, use_api, CallError};
use dioxus::prelude::*;
use serde_json::Value;
use std::rc::Rc;

/// How a kind's data stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// Not read yet.
    Loading,
    /// Read (and kept live).
    Ready,
    /// Reading failed: why.
    Failed(String),
}

/// The feed: each kind's items, oldest first, and its load state (by `Kind as usize`). One
/// signal per kind: a widget reads only its kind's, so another kind's update leaves it be.
#[derive(Clone, Copy, PartialEq)]
pub struct Feed {
    kinds: CopyValue<[Slot; 7]>,
}

/// One kind's signals.
#[derive(Clone, Copy, PartialEq)]
struct Slot {
    items: Signal<Vec<Rc<FleetItem>>>,
    load: Signal<Load>,
}

/// A fleet item from its JSON (as `/api/fleet` and the `fleet` topic send it).
pub fn parse_item(value: Value) -> Option<FleetItem> {
    let Value::Object(mut map) = value else {
        return None;
    };
    let mut text = |field: &str| match map.remove(field) {
        Some(Value::String(text)) => Some(text),
        _ => None,
    };
    let kind = Kind::parse(&text("kind")?)?;
    let (key, agent_id) = (text("key")?, text("agentId")?);
    let agent_name = text("agentName").unwrap_or_default();
    let agent_role = text("agentRole").unwrap_or_default();
    Some(FleetItem {
        kind,
        key,
        agent_id,
        agent_name,
        agent_role,
        updated_at: map.get("updatedAt")?.as_i64()?,
        data: map.remove("data")?,
    })
}

/// Keeps `item` in `items` (oldest first) unless a newer one of its kind and key is held;
/// whether it was kept.
pub fn merge(items: &mut Vec<Rc<FleetItem>>, item: FleetItem) -> bool {
    if let Some(at) = items
        .iter()
        .position(|held| held.kind == item.kind && held.key == item.key)
    {
        if items[at].updated_at > item.updated_at {
            return false;
        }
        items.remove(at);
    }
    let at = items.partition_point(|held| held.updated_at <= item.updated_at);
    items.insert(at, Rc::new(item));
    true
}

/// Merges `items` into the lists `held` gives for each kind: the new list of each kind that kept
/// one of them (a kind left out needs no render). Items not replaced stay the same `Rc`s.
pub fn merge_kinds(
    items: Vec<FleetItem>,
    held: impl Fn(Kind) -> Vec<Rc<FleetItem>>,
) -> Vec<(Kind, Vec<Rc<FleetItem>>)> {
    let mut lists: Vec<(Kind, Vec<Rc<FleetItem>>, bool)> = Vec::new();
    for item in items {
        let at = match lists.iter().position(|(kind, ..)| *kind == item.kind) {
            Some(at) => at,
            None => {
                lists.push((item.kind, held(item.kind), false));
                lists.len() - 1
            }
        };
        let (_, list, kept) = &mut lists[at];
        *kept |= merge(list, item);
    }
    lists
        .into_iter()
        .filter(|(.., kept)| *kept)
        .map(|(kind, list, _)| (kind, list))
        .collect()
}

/// The items of an answer that should be a list of them.
fn parse_list(value: Value) -> Option<Vec<FleetItem>> {
    match value {
        Value::Array(list) => Some(list.into_iter().filter_map(parse_item).collect()),
        _ => None,
    }
}

impl Feed {
    /// An empty feed, every kind loading.
    pub fn new() -> Self {
        let slot = |_| Slot {
            items: Signal::new(Vec::new()),
            load: Signal::new(Load::Loading),
        };
        Self {
            kinds: CopyValue::new(std::array::from_fn(slot)),
        }
    }

    /// A feed holding `items`, every kind ready (the gallery's).
    pub fn with(items: Vec<FleetItem>) -> Self {
        let mut feed = Self::new();
        feed.add(items);
        feed.set_loads(|_, _| Load::Ready);
        feed
    }

    /// The items of `kind`, oldest first (a render of them subscribes to that kind only).
    pub fn items(&self, kind: Kind) -> Vec<Rc<FleetItem>> {
        self.slot(kind).items.read().clone()
    }

    /// How `kind` stands.
    pub fn load(&self, kind: Kind) -> Load {
        self.slot(kind).load.read().clone()
    }

    /// `kind`'s signals (reading them, not this, is what subscribes a render).
    fn slot(&self, kind: Kind) -> Slot {
        self.kinds.read()[kind as usize]
    }

    /// Keeps each of `items` unless a newer one of its kind and key is held; a kind's signal is
    /// written (and its widgets rendered again) only when one of its items was kept.
    pub fn add(&mut self, items: Vec<FleetItem>) {
        for (kind, list) in merge_kinds(items, |kind| self.slot(kind).items.peek().clone()) {
            self.slot(kind).items.set(list);
        }
    }

    /// Sets every kind's state that `to` changes (a kind's widgets re-render only if it did).
    fn set_loads(&mut self, to: impl Fn(Kind, &Load) -> Load) {
        let slots = *self.kinds.read();
        for (kind, mut load) in Kind::ALL.into_iter().zip(slots.map(|slot| slot.load)) {
            let next = to(kind, &load.peek());
            if next != *load.peek() {
                load.set(next);
            }
        }
    }

    /// Reads every kind; each kind's state says how it went.
    pub async fn fetch_all(mut self) {
        let answer = load::everything().json().fetch().await;
        self.took(answer, None);
    }

    /// Takes a read of every kind, or of `only` one: the items, or why the kinds not read yet
    /// failed (those already read stay as they are: the socket keeps them live).
    fn took(&mut self, answer: Result<Value, CallError>, only: Option<Kind>) {
        let read = |kind: Kind| only.is_none_or(|only| only == kind);
        match answer.map(parse_list) {
            Ok(Some(items)) => {
                self.add(items);
                self.set_loads(|kind, load| match read(kind) {
                    true => Load::Ready,
                    false => load.clone(),
                });
            }
            failed => {
                let why = failed.err().map_or_else(
                    || "the server's answer was not a list of fleet data".to_owned(),
                    |err| err.body.error,
                );
                self.set_loads(|kind, load| match load {
                    Load::Ready => Load::Ready,
                    _ if read(kind) => Load::Failed(why.clone()),
                    _ => load.clone(),
                });
            }
        }
    }

    /// Reads one kind again (a widget's retry); whether it worked.
    pub async fn fetch(mut self, kind: Kind) -> bool {
        let answer = of_kind(kind).json().fetch().await;
        let (load, ok) = match answer.map(parse_list) {
            Ok(Some(items)) => {
                self.slot(kind).items.set(Vec::new());
                self.add(items);
                (Load::Ready, true)
            }
            Ok(None) => (
                Load::Failed("the server's answer was not a list".into()),
                false,
            ),
            Err(err) => (Load::Failed(err.body.error), false),
        };
        self.slot(kind).load.set(load);
        ok
    }
}

/// The load of one kind's items.
fn of_kind(kind: Kind) -> crate::http::Load<Vec<FleetItem>> {
    load::of_kind(kind.as_str().to_owned())
}

impl Default for Feed {
    fn default() -> Self {
        Self::new()
    }
}

/// Provides a page's feed of every kind, or of `only` one: read once (by the server as it renders
/// the page), then kept current over the `fleet` topic (read again whenever the subscription
/// restarts, to catch what was missed).
pub fn use_feed_provider(only: Option<Kind>) -> Result<Feed, RenderError> {
    let first = use_api(move || match only {
        Some(kind) => of_kind(kind).json(),
        None => load::everything().json(),
    })?;
    let mut feed = use_context_provider(Feed::new);
    use_answers(first, move |answer| feed.took(answer, only));
    let read = move || {
        spawn(async move {
            match only {
                Some(kind) => {
                    feed.fetch(kind).await;
                }
                None => feed.fetch_all().await,
            }
        });
    };
    use_future(move || async move {
        #[cfg(feature = "web")]
        {
            let mut live = feed;
            crate::sync::client::follow(crate::sync::Topic::Fleet, read, move |payload| {
                let item = parse_item(payload).filter(|item| only.is_none_or(|k| k == item.kind));
                live.add(item.into_iter().collect());
            })
            .await;
        }
        #[cfg(not(feature = "web"))]
        let _ = read;
    });
    Ok(feed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(kind: Kind, key: &str, at: i64, text: &str) -> FleetItem {
        FleetItem {
            kind,
            key: key.into(),
            agent_id: "a1".into(),
            agent_name: "pulse-1".into(),
            agent_role: "pulse".into(),
            updated_at: at,
            data: json!({ "text": text }),
        }
    }

    #[test]
    fn items_read_back_from_the_servers_json() {
        let sent = item(Kind::Activity, "e1", 42, "hello");
        let json = serde_json::to_value(&sent).unwrap();
        assert_eq!(parse_item(json.clone()), Some(sent));
        let mut unknown = json.clone();
        unknown["kind"] = "weather".into();
        assert_eq!(parse_item(unknown), None);
        let mut no_time = json;
        no_time.as_object_mut().unwrap().remove("updatedAt");
        assert_eq!(parse_item(no_time), None);
        assert_eq!(parse_list(json!({ "error": "no" })), None);
    }

    #[test]
    fn the_newest_of_a_kind_and_key_wins_and_items_stay_in_time_order() {
        let mut items = Vec::new();
        assert!(merge(&mut items, item(Kind::Tasks, "t1", 10, "first")));
        assert!(merge(&mut items, item(Kind::Tasks, "t2", 5, "other")));
        assert!(merge(
            &mut items,
            item(Kind::Metrics, "t1", 7, "same key, other kind")
        ));
        assert!(!merge(&mut items, item(Kind::Tasks, "t1", 9, "older")));
        assert!(merge(
            &mut items,
            item(Kind::Tasks, "t1", 10, "as new: replaces")
        ));
        let seen: Vec<_> = items.iter().map(|i| i.data["text"].clone()).collect();
        assert_eq!(seen, ["other", "same key, other kind", "as new: replaces"]);
        assert!(merge(&mut items, item(Kind::Tasks, "t2", 20, "moved last")));
        assert_eq!(items.last().unwrap().data["text"], "moved last");
        assert_eq!(items.len(), 3);
    }

    #[test]
    fn an_update_changes_only_its_kinds_list_and_keeps_the_other_items_shared() {
        let tasks: Vec<Rc<FleetItem>> = vec![
            Rc::new(item(Kind::Tasks, "t1", 10, "one")),
            Rc::new(item(Kind::Tasks, "t2", 11, "two")),
        ];
        let held = |kind: Kind| match kind {
            Kind::Tasks => tasks.clone(),
            _ => Vec::new(),
        };
        let changed = merge_kinds(vec![item(Kind::Tasks, "t1", 12, "one again")], held);
        assert_eq!(changed.len(), 1, "only the tasks changed");
        let (kind, list) = &changed[0];
        assert_eq!(*kind, Kind::Tasks);
        assert!(
            Rc::ptr_eq(&list[0], &tasks[1]),
            "t2 is the same item, not a copy"
        );
        assert_eq!(list[1].data["text"], "one again");
        // An older item changes nothing: no kind to render again.
        assert!(merge_kinds(vec![item(Kind::Tasks, "t2", 5, "stale")], held).is_empty());
        // Several kinds at once (a whole read): one list each.
        let read = vec![
            item(Kind::Alerts, "a1", 1, "alert"),
            item(Kind::Metrics, "m1", 1, "metric"),
            item(Kind::Alerts, "a2", 2, "alert two"),
        ];
        let kinds: Vec<(Kind, usize)> = merge_kinds(read, held)
            .iter()
            .map(|(kind, list)| (*kind, list.len()))
            .collect();
        assert_eq!(kinds, [(Kind::Alerts, 2), (Kind::Metrics, 1)]);
    }
}
