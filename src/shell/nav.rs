//! The navigation model: which pages the sidebar lists, in order, with their labels and icons.

use crate::app::Route;
use crate::icons::Glyph;

/// One entry of the sidebar.
#[derive(Clone, Debug, PartialEq)]
pub struct NavItem {
    /// Where it leads.
    pub route: Route,
    /// Its label.
    pub label: &'static str,
    /// Its icon.
    pub glyph: Glyph,
}

/// The sidebar, top to bottom.
pub const NAV_ITEMS: [NavItem; 7] = [
    NavItem {
        route: Route::Dashboard {},
        label: "Dashboard",
        glyph: Glyph::Grid,
    },
    NavItem {
        route: Route::Approvals {},
        label: "Approvals",
        glyph: Glyph::Shield,
    },
    NavItem {
        route: Route::Policies {},
        label: "Policies",
        glyph: Glyph::Scale,
    },
    NavItem {
        route: Route::Agents {},
        label: "Agents",
        glyph: Glyph::Cpu,
    },
    NavItem {
        route: Route::Audit {},
        label: "Audit log",
        glyph: Glyph::Document,
    },
    NavItem {
        route: Route::Analytics {},
        label: "Analytics",
        glyph: Glyph::Chart,
    },
    NavItem {
        route: Route::Settings {},
        label: "Settings",
        glyph: Glyph::Sliders,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::str::FromStr;

    #[test]
    fn every_entry_leads_to_its_own_page_and_back() {
        let paths: Vec<String> = NAV_ITEMS
            .iter()
            .map(|item| item.route.clone().to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "/",
                "/approvals",
                "/policies",
                "/agents",
                "/audit",
                "/analytics",
                "/settings"
            ]
        );
        assert_eq!(paths.iter().collect::<HashSet<_>>().len(), NAV_ITEMS.len());
        for (item, path) in NAV_ITEMS.iter().zip(&paths) {
            assert_eq!(
                Route::from_str(path).ok(),
                Some(item.route.clone()),
                "{path}"
            );
        }
    }

    #[test]
    fn unknown_paths_are_the_not_found_page() {
        assert!(matches!(
            Route::from_str("/nope/deeper"),
            Ok(Route::NotFound { .. })
        ));
    }
}
