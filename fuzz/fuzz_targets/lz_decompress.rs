//! Reading a compressed dashboard state back from localStorage, whose text anyone with the
//! browser can change: any UTF-16 text (the input as little-endian code units) is an error or a
//! string, never a panic.
#![no_main]

use flightdeck::dashboard::compress::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    let _ = decode(&String::from_utf16_lossy(&units), true);
});
