//! The dashboard grid's geometry: the widgets' reading order, the Tailwind classes of a widget's extent (written out so
//! Tailwind's scanner sees every one), and the reflow that places widgets in reading order after
//! an add, a move or a resize, so that every widget stays inside the 12 columns.

use crate::dashboard::{GridPosition, GridSize, Widget, GRID_COLUMNS};
use std::collections::BTreeMap;

/// Widths offered, in columns.
pub const WIDTHS: std::ops::RangeInclusive<u16> = 1..=GRID_COLUMNS;
/// Heights offered, in rows.
pub const HEIGHTS: std::ops::RangeInclusive<u16> = 1..=6;

/// Column spans on wide screens, by width - 1; two columns or the full width on tablets.
const COLUMNS: [&str; 12] = [
    "xl:col-span-1",
    "xl:col-span-2",
    "xl:col-span-3",
    "xl:col-span-4",
    "xl:col-span-5",
    "xl:col-span-6",
    "sm:col-span-2 xl:col-span-7",
    "sm:col-span-2 xl:col-span-8",
    "sm:col-span-2 xl:col-span-9",
    "sm:col-span-2 xl:col-span-10",
    "sm:col-span-2 xl:col-span-11",
    "sm:col-span-2 xl:col-span-12",
];

/// Row spans on wide screens, by height - 1.
const ROWS: [&str; 6] = [
    "xl:row-span-1",
    "xl:row-span-2",
    "xl:row-span-3",
    "xl:row-span-4",
    "xl:row-span-5",
    "xl:row-span-6",
];

/// The grid classes of a widget's extent (its size clamped to what the grid draws).
pub fn span_classes(size: GridSize) -> (&'static str, &'static str) {
    let w = usize::from(size.w.clamp(1, GRID_COLUMNS)) - 1;
    let h = usize::from(size.h.clamp(1, *HEIGHTS.end())) - 1;
    (COLUMNS[w], ROWS[h])
}

/// The widgets in reading order: by row, then column, then id.
pub fn ordered(widgets: &BTreeMap<String, Widget>) -> Vec<(String, Widget)> {
    let mut widgets: Vec<(String, Widget)> = widgets
        .iter()
        .map(|(id, widget)| (id.clone(), widget.clone()))
        .collect();
    widgets.sort_by(|(a_id, a), (b_id, b)| {
        (a.position.y, a.position.x, a_id).cmp(&(b.position.y, b.position.x, b_id))
    });
    widgets
}

/// Places `widgets` (in the order wanted) left to right, row after row, each row as tall as its
/// tallest widget; returns the widgets whose position changes, with their new one. Positions
/// then sort in the order given, and no widget reaches past the last column.
pub fn reflow(widgets: &[(String, Widget)]) -> Vec<(String, GridPosition)> {
    let (mut x, mut y, mut row) = (0u16, 0u16, 0u16);
    let mut moved = Vec::new();
    for (id, widget) in widgets {
        let GridSize { w, h } = widget.size;
        let w = w.clamp(1, GRID_COLUMNS);
        if x + w > GRID_COLUMNS {
            (x, y, row) = (0, y.saturating_add(row), 0);
        }
        let position = GridPosition { x, y };
        if position != widget.position {
            moved.push((id.clone(), position));
        }
        x += w;
        row = row.max(h.max(1));
    }
    moved
}

/// `widgets` with the one at `index` swapped with its neighbour `by` places away (-1 earlier,
/// 1 later), and the position edits that order takes; nothing when there is no such neighbour.
pub fn swap(widgets: &[(String, Widget)], index: usize, by: isize) -> Vec<(String, GridPosition)> {
    let Some(other) = index.checked_add_signed(by).filter(|i| *i < widgets.len()) else {
        return Vec::new();
    };
    if index >= widgets.len() {
        return Vec::new();
    }
    let mut order = widgets.to_vec();
    order.swap(index, other);
    reflow(&order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn widget(x: u16, y: u16, w: u16, h: u16) -> Widget {
        Widget {
            kind: "tasks".into(),
            config: serde_json::Map::new(),
            position: GridPosition { x, y },
            size: GridSize { w, h },
        }
    }

    fn apply(widgets: &mut [(String, Widget)], moves: Vec<(String, GridPosition)>) {
        for (id, position) in moves {
            if let Some((_, w)) = widgets.iter_mut().find(|(i, _)| *i == id) {
                w.position = position;
            }
        }
    }

    #[test]
    fn the_default_layout_is_already_in_place() {
        let state = crate::dashboard::DashboardState::default();
        let widgets = ordered(&state.widgets);
        let kinds: Vec<&str> = widgets.iter().map(|(_, w)| w.kind.as_str()).collect();
        assert_eq!(kinds[..3], ["project_status", "tasks", "metrics"]);
        assert_eq!(reflow(&widgets), vec![]);
    }

    #[test]
    fn swapping_neighbours_swaps_their_places() {
        let widgets = vec![
            ("a".to_string(), widget(0, 0, 4, 3)),
            ("b".to_string(), widget(4, 0, 4, 3)),
            ("c".to_string(), widget(8, 0, 4, 3)),
        ];
        assert_eq!(
            swap(&widgets, 0, 1),
            vec![
                ("b".to_string(), GridPosition { x: 0, y: 0 }),
                ("a".to_string(), GridPosition { x: 4, y: 0 })
            ]
        );
        assert_eq!(swap(&widgets, 0, -1), vec![], "nothing before the first");
        assert_eq!(swap(&widgets, 2, 1), vec![], "nothing after the last");
    }

    #[test]
    fn a_wide_widget_moved_later_wraps_instead_of_leaving_the_grid() {
        let mut widgets = vec![
            ("wide".to_string(), widget(0, 0, 8, 3)),
            ("small".to_string(), widget(8, 0, 4, 3)),
            ("tall".to_string(), widget(0, 3, 4, 6)),
            ("last".to_string(), widget(4, 3, 8, 2)),
        ];
        let moves = swap(&widgets, 1, 1);
        apply(&mut widgets, moves);
        let at = |id: &str| widgets.iter().find(|(i, _)| i == id).unwrap().1.position;
        assert_eq!(at("wide"), GridPosition { x: 0, y: 0 });
        assert_eq!(at("tall"), GridPosition { x: 8, y: 0 });
        assert_eq!(at("small"), GridPosition { x: 0, y: 6 });
        assert_eq!(at("last"), GridPosition { x: 4, y: 6 });
    }

    #[test]
    fn every_size_has_its_classes() {
        assert_eq!(
            span_classes(GridSize { w: 4, h: 3 }),
            ("xl:col-span-4", "xl:row-span-3")
        );
        assert_eq!(
            span_classes(GridSize { w: 12, h: 9 }),
            ("sm:col-span-2 xl:col-span-12", "xl:row-span-6")
        );
        assert_eq!(
            span_classes(GridSize { w: 0, h: 0 }),
            ("xl:col-span-1", "xl:row-span-1")
        );
    }

    proptest! {
        #[test]
        fn reflowed_widgets_fit_and_keep_their_order(
            sizes in prop::collection::vec((1u16..=12, 1u16..=6, 0u16..12, 0u16..30), 0..14),
            index in 0usize..14,
            later in any::<bool>(),
        ) {
            // Any widgets, laid out in the order given (a state's positions may be anything).
            let mut widgets: Vec<(String, Widget)> = sizes
                .iter()
                .enumerate()
                .map(|(i, (w, h, x, y))| (format!("w{i:02}"), widget(*x, *y, *w, *h)))
                .collect();
            let moves = reflow(&widgets);
            apply(&mut widgets, moves);
            prop_assert_eq!(reflow(&widgets), vec![], "a reflowed layout is stable");
            // Then one moved earlier or later.
            let mut order: Vec<String> = widgets.iter().map(|(id, _)| id.clone()).collect();
            let by = if later { 1 } else { -1 };
            if let Some(other) = index.checked_add_signed(by).filter(|i| *i < order.len()) {
                if index < order.len() {
                    order.swap(index, other);
                }
            }
            let moves = swap(&widgets, index, by);
            apply(&mut widgets, moves);
            for (_, w) in &widgets {
                prop_assert!(w.position.x + w.size.w <= GRID_COLUMNS);
            }
            widgets.sort_by(|(a_id, a), (b_id, b)| {
                (a.position.y, a.position.x, a_id).cmp(&(b.position.y, b.position.x, b_id))
            });
            let sorted: Vec<String> = widgets.into_iter().map(|(id, _)| id).collect();
            prop_assert_eq!(sorted, order);
        }
    }
}
