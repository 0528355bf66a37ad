//! How the browser keeps a dashboard state in localStorage: JSON as is up to 50 KB; past that,
//! lz-string's `compressToUTF16` (the same characters the npm `lz-string` package writes), with the
//! seed's `KEY + ':compressed'` entry flagging it. Compression is checked by decompressing before it
//! is used, so a bad encoding can never be stored.

/// Above this many bytes of JSON the state is stored compressed.
pub const COMPRESS_ABOVE_BYTES: usize = 50 * 1024;

/// The localStorage key that flags `key` as compressed.
pub fn flag_key(key: &str) -> String {
    format!("{key}:compressed")
}

/// What to write to localStorage.
#[derive(Debug, PartialEq)]
pub enum Encoded {
    /// The JSON itself: small enough, or compression did not round-trip.
    Plain(String),
    /// lz-string UTF-16 text.
    Compressed {
        /// The text to store.
        text: String,
        /// Stored size over original size, in UTF-16 code units (what the quota counts).
        ratio: f64,
    },
}

/// Why a stored entry could not be read back.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// The compressed text is not valid lz-string UTF-16 output.
    #[error("the compressed dashboard state is corrupt")]
    Corrupt,
}

/// Chooses how to store `json`.
pub fn encode(json: &str) -> Encoded {
    if json.len() <= COMPRESS_ABOVE_BYTES {
        return Encoded::Plain(json.to_owned());
    }
    let text = lz_str::compress_to_utf16(json);
    if decompress(&text).as_deref() != Some(json) {
        return Encoded::Plain(json.to_owned());
    }
    let ratio = text.encode_utf16().count() as f64 / json.encode_utf16().count() as f64;
    Encoded::Compressed { text, ratio }
}

/// Reads back what [`encode`] stored; `compressed` is whether the flag entry was set.
pub fn decode(stored: &str, compressed: bool) -> Result<String, DecodeError> {
    if compressed {
        decompress(stored).ok_or(DecodeError::Corrupt)
    } else {
        Ok(stored.to_owned())
    }
}

fn decompress(text: &str) -> Option<String> {
    // compressToUTF16 writes only code units >= 32; lz-str subtracts 32 without checking, which
    // panics in debug builds and wraps in release. A stored entry is untrusted, so refuse first.
    if text.encode_utf16().any(|unit| unit < 32) {
        return None;
    }
    String::from_utf16(&lz_str::decompress_from_utf16(text)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::tests::any_state;
    use crate::dashboard::DashboardState;
    use proptest::prelude::*;
    use serde::Deserialize;

    /// Made by scripts/make-lz-fixtures.mjs with npm lz-string's `compressToUTF16`.
    #[derive(Deserialize)]
    struct Fixture {
        name: String,
        input: String,
        compressed: String,
    }

    fn fixtures() -> Vec<Fixture> {
        let path = format!(
            "{}/tests/fixtures/lz/lz-string.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
    }

    /// A state whose JSON is past the threshold: many widgets with long notes.
    fn large_state() -> String {
        let mut state = DashboardState::default();
        let template = state.widgets["w1"].clone();
        for i in 0..400 {
            let mut widget = template.clone();
            widget.config.insert(
                "note".into(),
                format!("agent fleet note {i}: ✈️ 🚀 über café").into(),
            );
            state.widgets.insert(format!("x{i}"), widget);
        }
        serde_json::to_string(&state).unwrap()
    }

    #[test]
    fn npm_lz_string_output_is_matched_and_read_both_ways() {
        let fixtures = fixtures();
        assert!(fixtures.len() >= 3);
        for fixture in fixtures {
            assert_eq!(
                lz_str::compress_to_utf16(fixture.input.as_str()),
                fixture.compressed,
                "{}",
                fixture.name
            );
            assert_eq!(
                decode(&fixture.compressed, true).as_deref(),
                Ok(fixture.input.as_str()),
                "{}",
                fixture.name
            );
        }
    }

    #[test]
    fn small_states_stay_plain_and_large_ones_compress() {
        let small = serde_json::to_string(&DashboardState::default()).unwrap();
        assert_eq!(encode(&small), Encoded::Plain(small.clone()));

        let large = large_state();
        assert!(large.len() > COMPRESS_ABOVE_BYTES);
        let Encoded::Compressed { text, ratio } = encode(&large) else {
            panic!("not compressed")
        };
        assert!(ratio < 0.2, "ratio {ratio}");
        assert_eq!(decode(&text, true).unwrap(), large);
    }

    #[test]
    fn corrupt_text_is_an_error_not_a_panic() {
        assert_eq!(decode("\u{0}\u{1}garbage", true), Err(DecodeError::Corrupt));
        assert_eq!(
            flag_key("flightdeck:dashboard"),
            "flightdeck:dashboard:compressed"
        );
    }

    proptest! {
        #[test]
        fn any_text_round_trips_non_bmp_included(text in any::<String>()) {
            let compressed = lz_str::compress_to_utf16(text.as_str());
            prop_assert_eq!(decode(&compressed, true).unwrap(), text);
        }

        #[test]
        fn decoding_any_text_never_panics(text in any::<String>()) {
            let _ = decode(&text, true);
        }

        #[test]
        fn any_state_round_trips_through_storage(state in any_state(), padding in 0usize..60_000) {
            let mut state = state;
            state.filters.entry("audit".into()).or_default().search = "é🚀".repeat(padding / 6);
            let json = serde_json::to_string(&state).unwrap();
            let (stored, compressed) = match encode(&json) {
                Encoded::Plain(text) => (text, false),
                Encoded::Compressed { text, .. } => (text, true),
            };
            prop_assert_eq!(compressed, json.len() > COMPRESS_ABOVE_BYTES);
            let back: DashboardState = serde_json::from_str(&decode(&stored, compressed).unwrap()).unwrap();
            prop_assert_eq!(back, state);
        }
    }
}
