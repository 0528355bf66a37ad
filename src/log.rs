//! Logging from code that runs in the browser as well as on the server: the browser's console
//! there, `tracing` here. (Dioxus's logger would bring a tracing subscriber into the wasm for
//! the handful of messages the browser has to say.)

/// A warning.
pub fn warn(message: &str) {
    #[cfg(feature = "web")]
    web_sys::console::warn_1(&message.into());
    #[cfg(all(not(feature = "web"), feature = "server"))]
    tracing::warn!("{message}");
    #[cfg(not(any(feature = "web", feature = "server")))]
    let _ = message;
}

/// Something worth knowing.
pub fn info(message: &str) {
    #[cfg(feature = "web")]
    web_sys::console::info_1(&message.into());
    #[cfg(all(not(feature = "web"), feature = "server"))]
    tracing::info!("{message}");
    #[cfg(not(any(feature = "web", feature = "server")))]
    let _ = message;
}
