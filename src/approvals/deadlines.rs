//! Deadlines: a pending approval expires at its deadline, by a timer on the server (not when
//! someone next reads it). Every instance keeps every pending deadline — those stored when it
//! starts and those announced on the hub since — and sleeps until the earliest; the conditional
//! write lets exactly one instance expire each approval, which then notifies and audits.

use super::events::{end, Actor, DEADLINES_TOPIC};
use super::Status;
use crate::records::now_ms;
use crate::state::AppState;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// A deadline: when, which workspace, which approval.
type Deadline = (i64, String, String);

fn encode((at, workspace_id, id): &Deadline) -> String {
    format!("{at} {workspace_id} {id}")
}

fn decode(text: &str) -> Option<Deadline> {
    let mut parts = text.splitn(3, ' ');
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.to_owned(),
        parts.next()?.to_owned(),
    ))
}

/// Tells every instance's timer of a new deadline.
pub async fn schedule(state: &AppState, at: i64, workspace_id: &str, id: &str) {
    let text = encode(&(at, workspace_id.to_owned(), id.to_owned()));
    if let Err(err) = state.hub.publish(DEADLINES_TOPIC, text).await {
        tracing::error!("deadline of approval {id} not scheduled: {err:#}");
    }
}

/// Runs this instance's timer until the process ends.
pub async fn run(state: AppState) {
    // Subscribed before reading the stored ones, so none falls between.
    let mut announced = state.hub.subscribe(DEADLINES_TOPIC);
    let mut heap: BinaryHeap<Reverse<Deadline>> = match state.records.approval_deadlines().await {
        Ok(stored) => stored.into_iter().map(Reverse).collect(),
        Err(err) => {
            tracing::error!("approval deadlines not loaded: {err:#}");
            BinaryHeap::new()
        }
    };
    tracing::info!(pending = heap.len(), "approval deadlines armed");
    loop {
        let wait = heap
            .peek()
            .map(|Reverse((at, ..))| Duration::from_millis((at - now_ms()).max(0) as u64));
        let due = async {
            match wait {
                Some(wait) => tokio::time::sleep(wait).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            message = announced.recv() => match message {
                Ok(text) => {
                    if let Some(deadline) = decode(&text) {
                        heap.push(Reverse(deadline));
                    }
                }
                // Missed some: take them from the records again.
                Err(RecvError::Lagged(_)) => {
                    if let Ok(stored) = state.records.approval_deadlines().await {
                        heap = stored.into_iter().map(Reverse).collect();
                    }
                }
                Err(RecvError::Closed) => return,
            },
            () = due => {
                let now = now_ms();
                while heap.peek().is_some_and(|Reverse((at, ..))| *at <= now) {
                    let Some(Reverse((_, workspace_id, id))) = heap.pop() else { break };
                    expire(&state, &workspace_id, &id).await;
                }
            }
        }
    }
}

async fn expire(state: &AppState, workspace_id: &str, id: &str) {
    let system = Actor {
        user_id: None,
        agent_id: None,
        name: "system".into(),
    };
    let comment = Some("nobody decided before the deadline");
    if let Err(err) = end(state, workspace_id, id, Status::Expired, &system, comment).await {
        tracing::error!("approval {id} not expired: {err:#}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_cross_the_hub_as_text() {
        let deadline = (1_700_000_000_000, "w 1".to_owned(), "a1".to_owned());
        let text = encode(&(deadline.0, "w1".into(), "a 1".into()));
        assert_eq!(decode(&text), Some((deadline.0, "w1".into(), "a 1".into())));
        assert_eq!(decode("soon w a"), None);
    }
}
