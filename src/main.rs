//! Entry point: the browser build hydrates the app, the server build serves and renders it.

fn main() -> std::process::ExitCode {
    #[cfg(feature = "server")]
    return flightdeck::server::run();

    #[cfg(all(feature = "web", not(feature = "server")))]
    {
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
