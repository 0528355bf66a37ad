//! Inline SVG icons (stroke style, 24×24), so the shell needs no icon font or extra request.

use dioxus::prelude::*;

/// Which icon to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Glyph {
    /// Dashboard grid.
    Grid,
    /// Approvals: a check in a shield.
    Shield,
    /// Policies: a balance.
    Scale,
    /// Agents: a chip.
    Cpu,
    /// Audit log: a document.
    Document,
    /// Analytics: bars.
    Chart,
    /// Settings: sliders.
    Sliders,
    /// Light theme.
    Sun,
    /// Dark theme.
    Moon,
    /// Auto theme.
    Monitor,
    /// Open the menu.
    Menu,
    /// Close.
    Close,
    /// Offline.
    CloudOff,
}

/// An icon, hidden from assistive technology (its button or link carries the label).
#[component]
pub fn Icon(glyph: Glyph, #[props(default = "h-5 w-5".to_string())] class: String) -> Element {
    rsx! {
        svg {
            class,
            view_box: "0 0 24 24",
            fill: "none",
            stroke: "currentColor",
            stroke_width: "2",
            stroke_linecap: "round",
            stroke_linejoin: "round",
            "aria-hidden": "true",
            "focusable": "false",
            {paths(glyph)}
        }
    }
}

fn paths(glyph: Glyph) -> Element {
    match glyph {
        Glyph::Grid => rsx! {
            rect {
                x: "3",
                y: "3",
                width: "7",
                height: "9",
                rx: "1",
            }
            rect {
                x: "14",
                y: "3",
                width: "7",
                height: "5",
                rx: "1",
            }
            rect {
                x: "14",
                y: "12",
                width: "7",
                height: "9",
                rx: "1",
            }
            rect {
                x: "3",
                y: "16",
                width: "7",
                height: "5",
                rx: "1",
            }
        },
        Glyph::Shield => rsx! {
            path { d: "M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z" }
            path { d: "m9 12 2 2 4-4" }
        },
        Glyph::Scale => rsx! {
            path { d: "M12 3v18M7 21h10M5 7h14M5 7l-3 7a3 3 0 0 0 6 0zM19 7l-3 7a3 3 0 0 0 6 0z" }
        },
        Glyph::Cpu => rsx! {
            rect {
                x: "5",
                y: "5",
                width: "14",
                height: "14",
                rx: "2",
            }
            rect {
                x: "9",
                y: "9",
                width: "6",
                height: "6",
            }
            path { d: "M9 1v4M15 1v4M9 19v4M15 19v4M1 9h4M1 15h4M19 9h4M19 15h4" }
        },
        Glyph::Document => rsx! {
            path { d: "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z" }
            path { d: "M14 2v6h6M8 13h8M8 17h8M8 9h2" }
        },
        Glyph::Chart => rsx! {
            path { d: "M3 3v18h18" }
            path { d: "M8 17v-5M13 17V8M18 17v-9" }
        },
        Glyph::Sliders => rsx! {
            path { d: "M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6" }
        },
        Glyph::Sun => rsx! {
            circle { cx: "12", cy: "12", r: "4" }
            path { d: "M12 2v2M12 20v2M4.93 4.93l1.41 1.41M17.66 17.66l1.41 1.41M2 12h2M20 12h2M4.93 19.07l1.41-1.41M17.66 6.34l1.41-1.41" }
        },
        Glyph::Moon => rsx! {
            path { d: "M21 12.79A9 9 0 1 1 11.21 3 7 7 0 0 0 21 12.79z" }
        },
        Glyph::Monitor => rsx! {
            rect {
                x: "2",
                y: "3",
                width: "20",
                height: "14",
                rx: "2",
            }
            path { d: "M8 21h8M12 17v4" }
        },
        Glyph::Menu => rsx! {
            path { d: "M3 6h18M3 12h18M3 18h18" }
        },
        Glyph::Close => rsx! {
            path { d: "M18 6 6 18M6 6l12 12" }
        },
        Glyph::CloudOff => rsx! {
            path { d: "M22.61 16.95A5 5 0 0 0 18 10h-1.26a8 8 0 0 0-7.05-6M5 5a8 8 0 0 0 4 15h9a5 5 0 0 0 1.7-.3" }
            path { d: "m1 1 22 22" }
        },
    }
}
