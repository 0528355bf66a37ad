//! The dashboard state migrations on any JSON document, as a stored state is loaded: never a
//! panic; a failure keeps the original whole; a success is a current state that loads unchanged.
#![no_main]

use flightdeck::dashboard::migrate::{load_or_default, migrate};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(stored) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let loaded = load_or_default(stored.clone());
    match loaded.set_aside {
        Some((kept, _)) => assert_eq!(kept, stored),
        None => {
            let doc = serde_json::to_value(&loaded.state).expect("a state serialises");
            let again = migrate(doc).expect("a migrated state loads again");
            assert!(again.log.is_empty());
            assert_eq!(again.state, loaded.state);
        }
    }
});
