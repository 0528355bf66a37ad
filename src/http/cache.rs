//! What the browser may keep of the JSON API's answers, and for how long (pure, so it is tested
//! on the host): identical GETs in flight share one request, and a GET whose answer a live topic
//! vouches for is kept until an event of that topic, a write, or the loss of the socket says it
//! may have changed. Answers nothing vouches for are only shared while in flight.

use crate::sync::Topic;
use std::collections::HashMap;

/// The live topics whose events announce every change of `GET path`'s answer, when there are
/// such topics; otherwise the answer is never kept. Only what the server publishes on every
/// change is here: approvals (requested, decided, expired, run) and the fleet items.
pub fn topics_of(path: &str) -> Option<&'static [Topic]> {
    let route = path.split(['?', '#']).next().unwrap_or_default();
    let mut segments = route.strip_prefix("/api/")?.split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("fleet"), _, None) => Some(&[Topic::Fleet]),
        (Some("approvals"), None, _) => Some(&[Topic::ToolRunStatus]),
        _ => None,
    }
}

/// The live topics whose events may change `GET path`'s answer: those that vouch for it, and
/// those a page reloads it on without their vouching for every change (the MCP servers' and
/// clients' states follow agent events). A GET after such an event joins no request sent
/// before it, which may answer with what the event says changed.
fn depends_on(path: &str) -> &'static [Topic] {
    topics_of(path).unwrap_or_else(|| match area(path) {
        "mcp" | "agents" => &[Topic::AgentState],
        _ => &[],
    })
}

/// The area of the API a path is in (`/api/approvals/a1/approve` → `approvals`): a write there
/// may change any answer of the area.
fn area(path: &str) -> &str {
    let route = path.split(['?', '#']).next().unwrap_or_default();
    let rest = route.strip_prefix("/api/").unwrap_or(route);
    let area = rest.split('/').next().unwrap_or_default();
    // The agents' API (`/api/v1/approvals`) changes the operators' `approvals`.
    match area {
        "v1" => rest.split('/').nth(1).unwrap_or_default(),
        other => other,
    }
}

/// Whether a write to `path` may change who is signed in or in which workspace: then nothing
/// kept may be shown any more.
fn changes_session(path: &str) -> bool {
    matches!(area(path), "auth" | "workspace" | "invites")
}

/// The generations an answer depends on, taken when its request is sent.
#[derive(Clone, Debug, PartialEq)]
struct Stamp {
    /// Bumped by every write, loss of the socket and clearing.
    all: u64,
    /// Bumped by each event of the topic (by `Topic as usize`).
    topics: Vec<u64>,
}

/// A GET sent: give it back to [`Cache::finish`] with its answer.
#[derive(Debug, PartialEq)]
pub struct Ticket {
    id: u64,
    path: String,
    stamp: Stamp,
    /// Whether every topic vouching for it was live when it was sent.
    keepable: bool,
}

impl Ticket {
    /// The request's id, as [`Begin::Join`] names it.
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// What to do for a GET.
#[derive(Debug, PartialEq)]
pub enum Begin<A> {
    /// Answer with this kept answer; no request.
    Kept(A),
    /// Wait for the request in flight with this id.
    Join(u64),
    /// Send the request, then [`Cache::finish`] it.
    Send(Ticket),
}

/// The cache of one browser tab (one session: the page reloads on sign-out and on a workspace
/// switch, and [`Cache::wrote`] clears it on such writes besides).
#[derive(Debug)]
pub struct Cache<A> {
    kept: HashMap<String, (&'static [Topic], A)>,
    /// The request in flight per path, and the stamp it was sent with.
    flying: HashMap<String, (u64, Stamp)>,
    /// Whether each topic is subscribed on a live socket (by `Topic as usize`).
    live: [bool; Topic::ALL.len()],
    stamp: Stamp,
    next_id: u64,
}

impl<A: Clone> Default for Cache<A> {
    fn default() -> Self {
        Self {
            kept: HashMap::new(),
            flying: HashMap::new(),
            live: [false; Topic::ALL.len()],
            stamp: Stamp {
                all: 0,
                topics: vec![0; Topic::ALL.len()],
            },
            next_id: 0,
        }
    }
}

impl<A: Clone> Cache<A> {
    /// What to do for `GET path`: a kept answer, the request in flight (when nothing changed
    /// since it was sent), or a new request.
    pub fn begin(&mut self, path: &str) -> Begin<A> {
        if let Some((_, answer)) = self.kept.get(path) {
            return Begin::Kept(answer.clone());
        }
        if let Some((id, stamp)) = self.flying.get(path) {
            if self.unchanged(path, stamp) {
                return Begin::Join(*id);
            }
        }
        self.next_id += 1;
        let id = self.next_id;
        self.flying
            .insert(path.to_owned(), (id, self.stamp.clone()));
        Begin::Send(Ticket {
            id,
            path: path.to_owned(),
            stamp: self.stamp.clone(),
            keepable: topics_of(path).is_some_and(|topics| self.all_live(topics)),
        })
    }

    /// The answer of a request sent: kept when it succeeded, every topic vouching for it was
    /// live when it was sent and nothing changed since. A failure is never kept.
    pub fn finish(&mut self, ticket: Ticket, answer: Option<&A>) {
        if self
            .flying
            .get(&ticket.path)
            .is_some_and(|(id, _)| *id == ticket.id)
        {
            self.flying.remove(&ticket.path);
        }
        let (Some(answer), Some(topics)) = (answer, topics_of(&ticket.path)) else {
            return;
        };
        if ticket.keepable && self.all_live(topics) && self.unchanged(&ticket.path, &ticket.stamp) {
            self.kept.insert(ticket.path, (topics, answer.clone()));
        }
    }

    /// Whether every one of `topics` is subscribed on a live socket.
    pub fn all_live(&self, topics: &[Topic]) -> bool {
        topics.iter().all(|topic| self.live[*topic as usize])
    }

    /// A subscription to `topic` was confirmed: answers sent from now on may be kept.
    pub fn subscribed(&mut self, topic: Topic) {
        self.live[topic as usize] = true;
    }

    /// An event of `topic`: every answer it vouches for may have changed.
    pub fn event(&mut self, topic: Topic) {
        self.stamp.topics[topic as usize] += 1;
        self.kept.retain(|_, (topics, _)| !topics.contains(&topic));
    }

    /// The socket was lost: events may be missed from now on, so nothing kept holds.
    pub fn lost(&mut self) {
        self.live = [false; Topic::ALL.len()];
        self.clear();
    }

    /// A write (`POST`, `PUT`, `DELETE`…) to `path` was sent: what it may change is dropped, and
    /// everything when it may change the session.
    pub fn wrote(&mut self, path: &str) {
        if changes_session(path) {
            return self.clear();
        }
        self.stamp.all += 1;
        let area = area(path);
        self.kept.retain(|kept, _| self::area(kept) != area);
    }

    /// Forgets every kept answer, and that any request in flight may be joined.
    pub fn clear(&mut self) {
        self.stamp.all += 1;
        self.kept.clear();
    }

    /// Whether nothing that `path`'s answer depends on changed since `stamp`.
    fn unchanged(&self, path: &str, stamp: &Stamp) -> bool {
        stamp.all == self.stamp.all
            && depends_on(path)
                .iter()
                .all(|topic| stamp.topics[*topic as usize] == self.stamp.topics[*topic as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUEUE: &str = "/api/approvals?status=pending";
    const FLEET: &str = "/api/fleet";

    fn live() -> Cache<String> {
        let mut cache = Cache::default();
        for topic in Topic::ALL {
            cache.subscribed(topic);
        }
        cache
    }

    /// Sends `GET path` and answers it with `answer`.
    fn fetch(cache: &mut Cache<String>, path: &str, answer: Option<&str>) {
        let Begin::Send(ticket) = cache.begin(path) else {
            panic!("{path} should be sent");
        };
        cache.finish(ticket, answer.map(str::to_owned).as_ref());
    }

    fn kept(cache: &mut Cache<String>, path: &str) -> Option<String> {
        match cache.begin(path) {
            Begin::Kept(answer) => Some(answer),
            Begin::Send(ticket) => {
                cache.finish(ticket, None);
                None
            }
            Begin::Join(_) => None,
        }
    }

    #[test]
    fn only_answers_a_live_topic_vouches_for_are_kept() {
        assert_eq!(topics_of(FLEET), Some(&[Topic::Fleet][..]));
        assert_eq!(topics_of("/api/fleet/metrics"), Some(&[Topic::Fleet][..]));
        assert_eq!(topics_of(QUEUE), Some(&[Topic::ToolRunStatus][..]));
        for never in [
            "/api/approvals/a1",
            "/api/fleet/metrics/x",
            "/api/auth/me",
            "/api/settings",
            "/api/dashboard/state",
            "/api/sync/poll?since=3",
            "/api/agents",
            "/api/audit-logs?limit=5",
            "/fleet",
        ] {
            assert_eq!(topics_of(never), None, "{never}");
            let mut cache = live();
            fetch(&mut cache, never, Some("answer"));
            assert_eq!(kept(&mut cache, never), None, "{never}");
        }
    }

    #[test]
    fn identical_gets_in_flight_share_one_request_and_its_error() {
        let mut cache = live();
        for path in [QUEUE, "/api/auth/me"] {
            let Begin::Send(ticket) = cache.begin(path) else {
                panic!("first is sent");
            };
            assert_eq!(cache.begin(path), Begin::Join(ticket.id), "{path}");
            let other = format!("{path}&other");
            assert!(matches!(cache.begin(&other), Begin::Send(_)));
            // A failure is shared by those waiting for it, but not kept.
            cache.finish(ticket, None);
            assert!(matches!(cache.begin(path), Begin::Send(_)), "{path}");
        }
    }

    #[test]
    fn a_get_after_an_event_it_depends_on_joins_no_request_sent_before_it() {
        // A page reloads on an event; the request sent before the event may answer with what
        // the event says changed (an MCP server still "connecting"), so it is not joined.
        let mut cache = live();
        let path = "/api/mcp/servers";
        let Begin::Send(before) = cache.begin(path) else {
            panic!("first is sent");
        };
        cache.event(Topic::AgentState);
        let Begin::Send(after) = cache.begin(path) else {
            panic!("a GET after an event is sent anew");
        };
        assert_ne!(before.id(), after.id());
        assert_eq!(cache.begin(path), Begin::Join(after.id()));
        // Other topics' events change nothing for it, nor for the rest.
        let Begin::Send(me) = cache.begin("/api/auth/me") else {
            panic!()
        };
        cache.event(Topic::Fleet);
        assert_eq!(cache.begin(path), Begin::Join(after.id()));
        assert_eq!(cache.begin("/api/auth/me"), Begin::Join(me.id()));
    }

    #[test]
    fn an_answer_is_kept_until_an_event_of_its_topic() {
        let mut cache = live();
        fetch(&mut cache, QUEUE, Some("queue"));
        fetch(&mut cache, FLEET, Some("fleet"));
        assert_eq!(kept(&mut cache, QUEUE).as_deref(), Some("queue"));
        cache.event(Topic::Fleet);
        assert_eq!(kept(&mut cache, FLEET), None);
        assert_eq!(kept(&mut cache, QUEUE).as_deref(), Some("queue"));
        cache.event(Topic::ToolRunStatus);
        assert_eq!(kept(&mut cache, QUEUE), None);
    }

    #[test]
    fn an_answer_is_not_kept_unless_its_topic_was_live_all_along() {
        // Sent before the subscription: an event may have been missed.
        let mut cache = Cache::default();
        let Begin::Send(early) = cache.begin(QUEUE) else {
            panic!()
        };
        cache.subscribed(Topic::ToolRunStatus);
        cache.finish(early, Some(&"early".into()));
        assert_eq!(kept(&mut cache, QUEUE), None);
        // Nor one the socket was lost during, nor one the kept answers of are dropped with it.
        let mut cache = live();
        fetch(&mut cache, FLEET, Some("fleet"));
        let Begin::Send(during) = cache.begin(QUEUE) else {
            panic!()
        };
        cache.lost();
        assert_eq!(kept(&mut cache, FLEET), None);
        cache.subscribed(Topic::ToolRunStatus);
        cache.finish(during, Some(&"during".into()));
        assert_eq!(kept(&mut cache, QUEUE), None);
    }

    #[test]
    fn a_change_while_in_flight_is_neither_joined_nor_kept() {
        let mut cache = live();
        let Begin::Send(before) = cache.begin(QUEUE) else {
            panic!()
        };
        cache.event(Topic::ToolRunStatus);
        // Asked after the event: its answer may be newer than the one in flight.
        let Begin::Send(after) = cache.begin(QUEUE) else {
            panic!("not joined")
        };
        cache.finish(before, Some(&"old".into()));
        assert_eq!(cache.begin(QUEUE), Begin::Join(after.id));
        cache.finish(after, Some(&"new".into()));
        assert_eq!(kept(&mut cache, QUEUE).as_deref(), Some("new"));
    }

    #[test]
    fn a_write_drops_what_it_touches_and_a_session_change_everything() {
        let mut cache = live();
        fetch(&mut cache, QUEUE, Some("queue"));
        fetch(&mut cache, FLEET, Some("fleet"));
        cache.wrote("/api/approvals/a1/approve");
        assert_eq!(kept(&mut cache, QUEUE), None);
        assert_eq!(kept(&mut cache, FLEET).as_deref(), Some("fleet"));
        fetch(&mut cache, QUEUE, Some("queue"));
        cache.wrote("/api/v1/approvals");
        assert_eq!(kept(&mut cache, QUEUE), None);
        fetch(&mut cache, QUEUE, Some("queue"));
        cache.wrote("/api/dashboard/state");
        assert_eq!(kept(&mut cache, QUEUE).as_deref(), Some("queue"));
        for session in [
            "/api/auth/logout",
            "/api/auth/workspace",
            "/api/workspace/x",
        ] {
            cache.clear();
            fetch(&mut cache, QUEUE, Some("queue"));
            fetch(&mut cache, FLEET, Some("fleet"));
            cache.wrote(session);
            assert_eq!(kept(&mut cache, QUEUE), None, "{session}");
            assert_eq!(kept(&mut cache, FLEET), None, "{session}");
        }
    }

    #[test]
    fn a_write_while_a_get_flies_keeps_its_answer_out() {
        let mut cache = live();
        let Begin::Send(ticket) = cache.begin(FLEET) else {
            panic!()
        };
        cache.wrote("/api/approvals/bulk");
        cache.finish(ticket, Some(&"maybe old".into()));
        assert_eq!(kept(&mut cache, FLEET), None);
    }
}
