//! `/settings`: every category on one page. Each change is saved as it is made and applied at
//! once (theme, language); the workspace's shared settings are read-only for a viewer, and admins
//! manage members and invitations here.

use super::saves::Change;
use super::{
    AllSettings, ExpiryOutcome, ExportFormat, ExportSchedule, Language, UserSettings,
    WorkspaceSettings, REFRESH_RANGE, TIMEZONES,
};
use crate::auth::SessionContext;
use crate::pages::PageHeader;
use crate::theme::{Theme, ThemeChoice};
use crate::ui::CARD;
use dioxus::prelude::*;

const SELECT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950 disabled:opacity-60";
const ROW: &str = "flex items-center justify-between gap-4 py-2 text-sm";
/// A group's heading within a section.
const HEADING: &str = "mt-4 text-sm font-semibold uppercase tracking-wide text-slate-500";

/// `/settings`.
#[component]
pub fn SettingsPage() -> Element {
    let session = use_context::<SessionContext>();
    let status = use_signal(|| None::<Result<String, String>>);
    rsx! {
        PageHeader {
            title: "Settings",
            summary: "Your own settings follow you to every device; the workspace's are shared by everyone in it. Changes are saved as you make them.",
        }
        match (session.settings)() {
            None => rsx! {
                if let Some(err) = (session.error)() {
                    p { role: "alert", class: "text-red-700 dark:text-red-300",
                        "Settings could not be loaded: {err}"
                    }
                } else {
                    div {
                        id: "settings-loading",
                        class: "h-40 animate-pulse rounded-lg bg-slate-100 dark:bg-slate-900",
                        aria_busy: "true",
                    }
                }
            },
            Some(all) => rsx! {
                div { id: "settings", class: "grid gap-6 lg:grid-cols-2",
                    UserSection { all: all.clone(), status }
                    WorkspaceSection { all, status }
                    if (session.me)().is_some_and(|me| me.role.can_manage_members()) {
                        crate::members::MembersSection { class: "{CARD} lg:col-span-2" }
                    }
                }
                SaveStatus { status }
            },
        }
    }
}

#[component]
fn SaveStatus(status: Signal<Option<Result<String, String>>>) -> Element {
    rsx! {
        p {
            id: "settings-status",
            role: "status",
            aria_live: "polite",
            class: "mt-4 min-h-5 text-sm",
            match status() {
                Some(Ok(text)) => rsx! {
                    span { class: "text-emerald-700 dark:text-emerald-300", "{text}" }
                },
                Some(Err(text)) => rsx! {
                    span { class: "text-red-700 dark:text-red-300", "{text}" }
                },
                None => rsx! {},
            }
        }
    }
}

/// Event handlers that save one field's change: `edit` for text and selects (the new value),
/// `toggle` for checkboxes (checked or not). The change applies to the latest copy of the
/// settings, not to the one this render shows (which a save on its way may not have reached).
#[allow(clippy::type_complexity)]
fn editors<T: 'static>(
    save: Callback<Change<T>>,
) -> (
    impl Fn(fn(&mut T, String)) -> Box<dyn FnMut(FormEvent)>,
    impl Fn(fn(&mut T, bool)) -> Box<dyn FnMut(FormEvent)>,
) {
    let edit = move |change: fn(&mut T, String)| -> Box<dyn FnMut(FormEvent)> {
        Box::new(move |event: FormEvent| {
            let value = event.value();
            save.call(Box::new(move |document: &mut T| change(document, value)));
        })
    };
    let toggle = move |change: fn(&mut T, bool)| -> Box<dyn FnMut(FormEvent)> {
        Box::new(move |event: FormEvent| {
            let on = event.checked();
            save.call(Box::new(move |document: &mut T| change(document, on)));
        })
    };
    (edit, toggle)
}

/// Saves the user's own settings and applies them once saved (theme, language); says how it
/// went in `status`.
fn use_save_user(
    mut status: Signal<Option<Result<String, String>>>,
) -> Callback<Change<UserSettings>> {
    let session = use_context::<SessionContext>();
    let mut theme = use_context::<Theme>();
    use_callback(move |change: Change<UserSettings>| {
        spawn(async move {
            match session.user_saves.save(change).await {
                Some(Ok(saved)) => {
                    if (theme.choice)() != saved.ui.theme {
                        theme.choose(saved.ui.theme);
                    }
                    crate::auth::set_language(saved.ui.language.code());
                    status.set(Some(Ok("Saved.".into())));
                }
                Some(Err(err)) => status.set(Some(Err(format!("Not saved: {err}")))),
                // A save on its way sends this edit too, and says how it went.
                None => {}
            }
        });
    })
}

#[component]
fn UserSection(all: AllSettings, status: Signal<Option<Result<String, String>>>) -> Element {
    let save = use_save_user(status);
    let user = all.user;
    let (_, toggle) = editors(save);
    rsx! {
        section { id: "user-settings", class: CARD,
            h2 { class: "text-lg font-medium", "Yours" }
            SystemSettings { user: user.clone(), on_save: save }
            InterfaceSettings { user: user.clone(), on_save: save }
            crate::shortcuts::ui::ShortcutSettings {
                user: user.clone(),
                on_save: move |next: UserSettings| {
                    save.call(
                        Box::new(move |user: &mut UserSettings| user.shortcuts = next.shortcuts),
                    );
                },
            }
            h3 { class: HEADING, "Advanced" }
            label { class: ROW,
                "Include my actions in usage analytics"
                input {
                    id: "analytics-consent",
                    r#type: "checkbox",
                    checked: user.advanced.analytics_consent,
                    onchange: toggle(|s, on| s.advanced.analytics_consent = on),
                }
            }
        }
    }
}

/// The user's system settings: auto-refresh and which notifications they get.
#[component]
fn SystemSettings(user: UserSettings, on_save: Callback<Change<UserSettings>>) -> Element {
    let (edit, toggle) = editors(on_save);
    let notifications = user.system.notifications.clone();
    rsx! {
        h3 { class: HEADING, "System" }
        label { class: "block text-sm",
            "Auto-refresh every (seconds, {REFRESH_RANGE.start()}–{REFRESH_RANGE.end()})"
            input {
                id: "auto-refresh",
                r#type: "number",
                min: "{REFRESH_RANGE.start()}",
                max: "{REFRESH_RANGE.end()}",
                class: SELECT,
                value: "{user.system.auto_refresh_seconds}",
                onchange: edit(|s, v| s.system.auto_refresh_seconds = v.trim().parse().unwrap_or(0)),
            }
        }
        label { class: ROW,
            "Notifications"
            input {
                id: "notifications",
                r#type: "checkbox",
                checked: notifications.enabled,
                onchange: toggle(|s, on| s.system.notifications.enabled = on),
            }
        }
        label { class: ROW,
            "Tool approval requests"
            input {
                id: "notify-approval",
                r#type: "checkbox",
                checked: notifications.tool_approval,
                disabled: !notifications.enabled,
                onchange: toggle(|s, on| s.system.notifications.tool_approval = on),
            }
        }
        label { class: ROW,
            "Agent state changes"
            input {
                id: "notify-agent",
                r#type: "checkbox",
                checked: notifications.agent_state_change,
                disabled: !notifications.enabled,
                onchange: toggle(|s, on| s.system.notifications.agent_state_change = on),
            }
        }
        label { class: ROW,
            "System alerts"
            input {
                id: "notify-alert",
                r#type: "checkbox",
                checked: notifications.system_alert,
                disabled: !notifications.enabled,
                onchange: toggle(|s, on| s.system.notifications.system_alert = on),
            }
        }
    }
}

/// The user's interface settings: theme, language, time zone.
#[component]
fn InterfaceSettings(user: UserSettings, on_save: Callback<Change<UserSettings>>) -> Element {
    let (edit, _) = editors(on_save);
    rsx! {
        h3 { class: HEADING, "Interface" }
        label { class: "block text-sm",
            "Theme"
            select {
                id: "theme-setting",
                class: SELECT,
                onchange: edit(|s, v| s.ui.theme = ThemeChoice::parse(&v).unwrap_or_default()),
                for choice in [ThemeChoice::Auto, ThemeChoice::Light, ThemeChoice::Dark] {
                    option {
                        value: choice.as_str(),
                        selected: user.ui.theme == choice,
                        "{choice.label()}"
                    }
                }
            }
        }
        label { class: "mt-3 block text-sm",
            "Language"
            select {
                id: "language",
                class: SELECT,
                onchange: edit(|s, v| s.ui.language = Language::parse(&v).unwrap_or_default()),
                for (language, name) in Language::ALL {
                    option {
                        value: language.code(),
                        selected: user.ui.language == language,
                        "{name}"
                    }
                }
            }
        }
        label { class: "mt-3 block text-sm",
            "Time zone"
            select {
                id: "timezone",
                class: SELECT,
                onchange: edit(|s, v| s.ui.timezone = v),
                if !TIMEZONES.contains(&user.ui.timezone.as_str()) {
                    option { value: "{user.ui.timezone}", selected: true, "{user.ui.timezone}" }
                }
                for zone in TIMEZONES {
                    option { value: zone, selected: user.ui.timezone == zone, "{zone}" }
                }
            }
        }
    }
}

/// Saves the workspace's shared settings; says how it went in `status`.
fn use_save_workspace(
    mut status: Signal<Option<Result<String, String>>>,
) -> Callback<Change<WorkspaceSettings>> {
    let session = use_context::<SessionContext>();
    // Shared settings are edited on this page only: a reload of it before an edit's save landed
    // sends the edit again here (the user's own are resumed on every page, for the theme).
    use_effect(move || {
        session.workspace_saves.resume();
    });
    use_callback(move |change: Change<WorkspaceSettings>| {
        spawn(async move {
            match session.workspace_saves.save(change).await {
                Some(Ok(_)) => status.set(Some(Ok("Saved for the whole workspace.".into()))),
                Some(Err(err)) => status.set(Some(Err(format!("Not saved: {err}")))),
                None => {}
            }
        });
    })
}

#[component]
fn WorkspaceSection(all: AllSettings, status: Signal<Option<Result<String, String>>>) -> Element {
    let save = use_save_workspace(status);
    let shared = all.workspace;
    let allowed = all.can_change_workspace;
    let (_, toggle) = editors(save);
    rsx! {
        section { id: "workspace-settings", class: CARD,
            h2 { class: "text-lg font-medium", "Workspace" }
            if !allowed {
                p {
                    id: "workspace-settings-readonly",
                    class: "mt-2 rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-700 dark:bg-slate-800 dark:text-slate-200",
                    "Shared by everyone in this workspace. As a viewer you can see them; an admin or operator can change them."
                }
            }
            ExportSettings { shared: shared.clone(), allowed, on_save: save }
            ApprovalSettings { shared: shared.clone(), allowed, on_save: save }
            fieldset { disabled: !allowed,
                legend { class: HEADING, "Advanced" }
                label { class: ROW,
                    "Beta features"
                    input {
                        id: "beta-features",
                        r#type: "checkbox",
                        checked: shared.advanced.beta_features,
                        onchange: toggle(|s, on| s.advanced.beta_features = on),
                    }
                }
            }
        }
    }
}

/// The export formats, as sent and as shown.
const FORMATS: &[(&str, &str, ExportFormat)] = &[
    ("csv", "CSV", ExportFormat::Csv),
    ("json", "JSON", ExportFormat::Json),
];
/// How often exports run.
const SCHEDULES: &[(&str, &str, ExportSchedule)] = &[
    ("daily", "Daily", ExportSchedule::Daily),
    ("weekly", "Weekly", ExportSchedule::Weekly),
];
/// What an approval nobody decided in time comes to.
const EXPIRY: &[(&str, &str, ExpiryOutcome)] = &[
    ("deny", "Deny the tool run", ExpiryOutcome::Deny),
    ("allow", "Allow the tool run", ExpiryOutcome::Allow),
];

/// A select of a few named options (value, label, option); `on_pick` gets the one chosen.
#[component]
fn Choice<V: Copy + PartialEq + 'static>(
    id: &'static str,
    current: V,
    options: &'static [(&'static str, &'static str, V)],
    #[props(default)] disabled: bool,
    on_pick: Callback<V>,
) -> Element {
    rsx! {
        select {
            id,
            class: SELECT,
            disabled,
            onchange: move |event: FormEvent| {
                let picked = options.iter().find(|(value, ..)| *value == event.value());
                if let Some((_, _, option)) = picked {
                    on_pick.call(*option);
                }
            },
            for (value, label, option) in options {
                option { value: *value, selected: *option == current, "{label}" }
            }
        }
    }
}

/// The workspace's export settings: format, and whether and how often to export.
#[component]
fn ExportSettings(
    shared: WorkspaceSettings,
    allowed: bool,
    on_save: Callback<Change<WorkspaceSettings>>,
) -> Element {
    let (_, toggle) = editors(on_save);
    rsx! {
        fieldset { disabled: !allowed,
            legend { class: HEADING, "Export" }
            label { class: "block text-sm",
                "Default format"
                Choice {
                    id: "export-format",
                    current: shared.export.default_format,
                    options: FORMATS,
                    on_pick: move |format| {
                        on_save
                            .call(
                                Box::new(move |s: &mut WorkspaceSettings| {
                                    s.export.default_format = format;
                                }),
                            )
                    },
                }
            }
            label { class: ROW,
                "Export automatically"
                input {
                    id: "auto-export",
                    r#type: "checkbox",
                    checked: shared.export.auto_export,
                    onchange: toggle(|s, on| s.export.auto_export = on),
                }
            }
            label { class: "block text-sm",
                "Schedule"
                Choice {
                    id: "export-schedule",
                    current: shared.export.schedule,
                    options: SCHEDULES,
                    disabled: !shared.export.auto_export,
                    on_pick: move |schedule| {
                        on_save
                            .call(
                                Box::new(move |s: &mut WorkspaceSettings| s.export.schedule = schedule),
                            )
                    },
                }
            }
        }
    }
}

/// What happens to an approval request nobody decided in time.
#[component]
fn ApprovalSettings(
    shared: WorkspaceSettings,
    allowed: bool,
    on_save: Callback<Change<WorkspaceSettings>>,
) -> Element {
    rsx! {
        fieldset { disabled: !allowed,
            legend { class: HEADING, "Approvals" }
            label { class: "block text-sm",
                "When nobody decides before the deadline"
                Choice {
                    id: "approval-expiry",
                    current: shared.approvals.on_expiry,
                    options: EXPIRY,
                    on_pick: move |outcome| {
                        on_save
                            .call(
                                Box::new(move |s: &mut WorkspaceSettings| {
                                    s.approvals.on_expiry = outcome;
                                }),
                            )
                    },
                }
            }
        }
    }
}
