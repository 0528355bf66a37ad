//! Any text compressed as the browser stores it (npm lz-string's `compressToUTF16`) reads back
//! unchanged through the dashboard's `decode`.
#![no_main]

use flightdeck::dashboard::compress::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let compressed = lz_str::compress_to_utf16(text);
    assert_eq!(decode(&compressed, true).as_deref(), Ok(text));
});
