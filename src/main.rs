//! Entry point: the browser build hydrates the app, the server build serves and renders it.

fn main() -> std::process::ExitCode {
    #[cfg(feature = "server")]
    return flightdeck::server::run();

    #[cfg(all(feature = "web", not(feature = "server")))]
    {
        #[cfg(feature = "wasm-split")]
        wasm_bindgen_futures::spawn_local(async {
            // Route-split build: the page's chunk must be loaded before the first render, or the
            // browser renders a placeholder where the server rendered the page and hydration
            // fails (DioxusLabs/dioxus#4631, patches/README.md).
            let path = web_sys::window()
                .and_then(|window| window.location().pathname().ok())
                .unwrap_or_else(|| "/".into());
            if let Ok(route) = path.parse::<flightdeck::app::Route>() {
                route.preload_wasm_split().await;
            }
            dioxus::launch(flightdeck::app::App);
        });
        #[cfg(not(feature = "wasm-split"))]
        dioxus::launch(flightdeck::app::App);
        #[allow(unreachable_code)]
        std::process::ExitCode::SUCCESS
    }

    #[cfg(not(any(feature = "web", feature = "server")))]
    {
        eprintln!("flightdeck: build with `--features server` or `--features web` (dx does this)");
        std::process::ExitCode::FAILURE
    }
}
