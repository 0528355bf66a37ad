//! Benchmark: storing a dashboard state in localStorage — lz-string compression (with the
//! verifying round trip `encode` does) and decompression, at the 50 KB threshold and at 1 MB.
//! Prints median and p90 times and the size ratio. Run: `cargo bench --bench state_compression`
//! (native code; the browser runs the same Rust as wasm, typically slower by a small factor).

use flightdeck::dashboard::compress::{decode, encode, Encoded};
use flightdeck::dashboard::DashboardState;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// A realistic state grown to at least `bytes` of JSON: widgets with configs and notes.
fn state_of(bytes: usize) -> String {
    let mut state = DashboardState::default();
    let template = state.widgets["w1"].clone();
    let mut i = 0;
    loop {
        let json = serde_json::to_string(&state).expect("serialize");
        if json.len() >= bytes {
            return json;
        }
        for _ in 0..50 {
            let mut widget = template.clone();
            widget
                .config
                .insert("metric".into(), format!("agent_{i}.tool_calls").into());
            widget.config.insert(
                "note".into(),
                format!("fleet {i}: approvals ✈️ pending, über-latency {}", i * 7).into(),
            );
            widget.position.y = (i / 3) as u16;
            state.widgets.insert(format!("w{i:05}"), widget);
            i += 1;
        }
    }
}

fn measure(runs: usize, mut work: impl FnMut()) -> (Duration, Duration) {
    work(); // warm up
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[runs / 2], times[runs * 9 / 10])
}

fn main() {
    println!(
        "{:<7} {:>11} {:>12} {:>6}  {:<21}{:<21}",
        "state", "JSON", "stored", "ratio", "encode p50 / p90", "decode p50 / p90"
    );
    for (label, bytes, runs) in [("50 KB", 50 * 1024 + 1, 40), ("1 MB", 1024 * 1024, 10)] {
        let json = state_of(bytes);
        let Encoded::Compressed { text, ratio } = encode(&json) else {
            panic!("{label}: not compressed")
        };
        let (enc50, enc90) = measure(runs, || {
            black_box(encode(black_box(&json)));
        });
        let (dec50, dec90) = measure(runs, || {
            black_box(decode(black_box(&text), true).expect("decode"));
        });
        println!(
            "{label:<7} {:>9} B {:>6} units {ratio:>6.3}  {:>6.2} / {:<6.2} ms    {:>6.2} / {:<6.2} ms",
            json.len(),
            text.encode_utf16().count(),
            ms(enc50),
            ms(enc90),
            ms(dec50),
            ms(dec90),
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
