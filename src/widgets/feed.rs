//! The dashboard's one fleet feed, shared by every widget through a context: the fleet items
//! read once from `/api/fleet`, then kept current by one subscription to the `fleet` topic
//! (newest `updatedAt` wins per kind and key). Each kind has its own load state, and a widget's
//! retry reloads only its kind. Items are read from JSON by hand and kept in one list ordered by
//! time: derived deserializers, maps and sorts would each weigh on the browser build.

use crate::fleet::{FleetItem, Kind};
use crate::http::call;
use dioxus::prelude::*;
use serde_json::Value;

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

/// The feed: every item, oldest first, and each kind's load state (by `Kind as usize`).
#[derive(Clone, Copy, PartialEq)]
pub struct Feed {
    items: Signal<Vec<FleetItem>>,
    loads: Signal<[Load; 7]>,
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
pub fn merge(items: &mut Vec<FleetItem>, item: FleetItem) -> bool {
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
    items.insert(at, item);
    true
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
        Self {
            items: Signal::new(Vec::new()),
            loads: Signal::new([const { Load::Loading }; 7]),
        }
    }

    /// A feed holding `items`, every kind ready (the gallery's).
    pub fn with(items: Vec<FleetItem>) -> Self {
        let mut feed = Self::new();
        feed.add(items);
        feed.loads.set([const { Load::Ready }; 7]);
        feed
    }

    /// The items of `kind`, oldest first.
    pub fn items(&self, kind: Kind) -> Vec<FleetItem> {
        self.items
            .read()
            .iter()
            .filter(|item| item.kind == kind)
            .cloned()
            .collect()
    }

    /// How `kind` stands.
    pub fn load(&self, kind: Kind) -> Load {
        self.loads.read()[kind as usize].clone()
    }

    /// Keeps each of `items` unless a newer one of its kind and key is held.
    pub fn add(&mut self, items: Vec<FleetItem>) {
        let mut held = self.items.write();
        for item in items {
            merge(&mut held, item);
        }
    }

    /// Reads every kind; each kind's state says how it went.
    pub async fn fetch_all(mut self) {
        let answer = call::<Value>("GET", "/api/fleet", None).await;
        match answer.map(parse_list) {
            Ok(Some(items)) => {
                self.add(items);
                self.loads.set([const { Load::Ready }; 7]);
            }
            failed => {
                let why = failed.err().map_or_else(
                    || "the server's answer was not a list of fleet data".to_owned(),
                    |err| err.body.error,
                );
                // Kinds already read stay as they are (the socket keeps them live).
                for load in self.loads.write().iter_mut() {
                    if *load != Load::Ready {
                        *load = Load::Failed(why.clone());
                    }
                }
            }
        }
    }

    /// Reads one kind again (a widget's retry); whether it worked.
    pub async fn fetch(mut self, kind: Kind) -> bool {
        let path = format!("/api/fleet/{}", kind.as_str());
        let answer = call::<Value>("GET", &path, None).await;
        let (load, ok) = match answer.map(parse_list) {
            Ok(Some(items)) => {
                self.items.write().retain(|item| item.kind != kind);
                self.add(items);
                (Load::Ready, true)
            }
            Ok(None) => (
                Load::Failed("the server's answer was not a list".into()),
                false,
            ),
            Err(err) => (Load::Failed(err.body.error), false),
        };
        self.loads.write()[kind as usize] = load;
        ok
    }
}

impl Default for Feed {
    fn default() -> Self {
        Self::new()
    }
}

/// Provides a page's feed of every kind, or of `only` one: reads it, then follows the `fleet`
/// topic (reading again whenever the subscription restarts, to catch what was missed).
pub fn use_feed_provider(only: Option<Kind>) -> Feed {
    let feed = use_context_provider(Feed::new);
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
    // Read at once, whether or not the socket gets through.
    use_effect(read);
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
    });
    feed
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
}
