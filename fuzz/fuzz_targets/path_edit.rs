//! The dashboard's path edits on any input `path\nvalue\nstate`: the path is parsed, the state
//! (any JSON, brought up to date by the migrations, else the defaults) edited with the value.
#![no_main]

use flightdeck::dashboard::migrate::{load_or_default, migrate};
use flightdeck::sync::path::{apply, StatePath};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let (raw_path, value, stored) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let Ok(path) = StatePath::parse(raw_path) else {
        return;
    };
    assert_eq!(path.as_string(), raw_path);
    let Ok(value) = serde_json::from_str::<Value>(value) else {
        return;
    };
    let state = serde_json::from_str(stored)
        .map(|doc| load_or_default(doc).state)
        .unwrap_or_default();
    if let Ok(next) = apply(&state, &path, &value, 1_700_000_000_000) {
        // An accepted edit must load back as it is: otherwise the next load sets the state aside.
        let doc = serde_json::to_value(&next).expect("a state serialises");
        let back = migrate(doc).expect("an edited state loads back");
        assert!(back.log.is_empty());
        assert_eq!(back.state, next);
    }
});
