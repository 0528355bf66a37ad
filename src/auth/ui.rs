//! Accounts in the UI: the session context (who is signed in, where, their settings), the sign-in
//! page (with sign-up where `FLIGHTDECK_SIGNUP=open`), the first admin's setup page, the
//! workspace switcher and the user menu of the top bar.

use super::{LoginRequest, Me, SignupMode, SignupRequest, SwitchWorkspace};
use crate::http::{use_api, Api, CallError, JsonBody, Load, Loaded};
use crate::members::{AcceptInvite, InviteOffer};
use crate::pages::PageTitle;
use crate::settings::saves::Saves;
use crate::settings::{AllSettings, UserSettings, WorkspaceSettings};
use crate::theme::Theme;
use crate::ui::PRIMARY;
use dioxus::prelude::*;

/// The signed-in session, provided by the shell.
#[derive(Clone, Copy, PartialEq)]
pub struct SessionContext {
    /// Who, where, as what.
    pub me: Signal<Option<Me>>,
    /// Their settings and the workspace's.
    pub settings: Signal<Option<AllSettings>>,
    /// Why loading failed, when it did.
    pub error: Signal<Option<String>>,
    /// The saves of the user's settings (the settings page, the top bar's theme).
    pub user_saves: Saves<UserSettings>,
    /// The saves of the workspace's.
    pub workspace_saves: Saves<WorkspaceSettings>,
}

/// Loads the session (the server does while rendering the page, so its HTML already shows who is
/// signed in and their settings), sends a browser whose session ended to the sign-in page, and
/// applies the user's theme and language from their settings.
pub fn use_session_provider() -> Result<SessionContext, RenderError> {
    let me_api = use_api(super::server_fns::load::me)?;
    let settings_api = use_api(crate::settings::server_fns::load::all)?;
    let me = use_signal(|| me_api.ok());
    let settings = use_signal(|| settings_api.ok());
    let error = use_signal(|| None);
    let session = use_context_provider(|| SessionContext {
        me,
        settings,
        error,
        user_saves: Saves::new(settings, me),
        workspace_saves: Saves::new(settings, me),
    });
    let theme = use_context::<Theme>();
    use_effect(move || follow_session(session, theme, me_api.get(), settings_api.get()));
    Ok(session)
}

/// Takes what the loads gave into the session (loaded in the browser, they arrive after the
/// first render), and applies the user's theme and language.
fn follow_session(
    mut session: SessionContext,
    mut theme: Theme,
    me: Loaded<Me>,
    settings: Loaded<AllSettings>,
) {
    let failed = match (me, settings) {
        (Loaded::Failed(err), _) if err.status == 401 => return go_to_sign_in(),
        (Loaded::Failed(err), _) | (_, Loaded::Failed(err)) => Some(err.to_string()),
        (me, settings) => {
            let unknown = session.me.peek().is_none();
            if let (Loaded::Ready(me), true) = (me, unknown) {
                session.me.set(Some(me));
            }
            if let Loaded::Ready(all) = settings {
                if session.settings.peek().is_none() {
                    session.settings.set(Some(all.clone()));
                }
                // Edits a reload came before the save of (a theme picked just before it, say).
                let user = session.user_saves.resume().unwrap_or(all.user);
                if *theme.choice.peek() != user.ui.theme {
                    theme.choose(user.ui.theme);
                }
                set_language(user.ui.language.code());
            }
            None
        }
    };
    if *session.error.peek() != failed {
        session.error.set(failed);
    }
}

/// Sends the browser to the sign-in page, to come back here afterwards.
fn go_to_sign_in() {
    #[cfg(feature = "web")]
    if let (false, Some(window)) = (leaving(), web_sys::window()) {
        let location = window.location();
        let here = format!(
            "{}{}",
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default()
        );
        let _ = location.set_href(&format!("/login?next={}", js_encode(&here)));
    }
}

/// Set once this page sent the browser to another one (signing out, say): the sync socket's own
/// "signed out" then does not send it to the sign-in page as well, which aborted the first
/// navigation.
static LEAVING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether this page already sent the browser elsewhere ([`load_page`]).
#[cfg(feature = "web")]
pub(crate) fn leaving() -> bool {
    LEAVING.load(std::sync::atomic::Ordering::Relaxed)
}

/// Loads `path` as a new page (after signing in, out, or switching workspace: everything reloads).
pub(crate) fn load_page(path: &str) {
    LEAVING.store(true, std::sync::atomic::Ordering::Relaxed);
    #[cfg(feature = "web")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
    #[cfg(not(feature = "web"))]
    let _ = path;
}

/// Marks the document's language (`<html lang>`), for screen readers and hyphenation.
pub(crate) fn set_language(code: &str) {
    #[cfg(feature = "web")]
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("lang", code);
    }
    #[cfg(not(feature = "web"))]
    let _ = code;
}

#[cfg(feature = "web")]
fn js_encode(text: &str) -> String {
    js_sys_encode(text)
}

#[cfg(feature = "web")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = encodeURIComponent)]
    fn js_sys_encode(text: &str) -> String;
    #[wasm_bindgen(js_name = decodeURIComponent, catch)]
    fn js_sys_decode(text: &str) -> Result<String, wasm_bindgen::JsValue>;
}

/// Where to go after signing in: the `next` query parameter when it is a path on this site.
fn next_page() -> String {
    #[cfg(feature = "web")]
    {
        let search = web_sys::window()
            .and_then(|window| window.location().search().ok())
            .unwrap_or_default();
        let next = search
            .trim_start_matches('?')
            .split('&')
            .find_map(|pair| pair.strip_prefix("next="))
            .and_then(|raw| js_sys_decode(raw).ok())
            .unwrap_or_default();
        if safe_next(&next) {
            return next;
        }
    }
    "/".to_string()
}

#[cfg_attr(not(feature = "web"), allow(dead_code))]
/// Only same-site paths: `/x`, never `//host` or `/\host` (which browsers treat as another
/// site), nor anything with whitespace, control characters or backslashes (browsers drop tabs
/// and newlines from URLs, so `/<tab>/host` would become `//host`).
fn safe_next(next: &str) -> bool {
    let odd = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
    next.starts_with('/') && !next[1..].starts_with('/') && !next.chars().any(odd)
}

const LINK: &str = "text-sky-700 underline dark:text-sky-300";
const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-sky-600 focus:outline-none focus:ring-1 focus:ring-sky-600 dark:border-slate-700 dark:bg-slate-950";
const CARD: &str = "w-full max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900";
const ALERT: &str =
    "rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200";

/// What an account form does.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Sign in with email and password.
    SignIn,
    /// Create an account with its own workspace (`FLIGHTDECK_SIGNUP=open`), then sign in.
    SignUp,
    /// Create the first admin through the setup link.
    Setup,
    /// Join a workspace through an invitation link: create the invitee's account, or accept
    /// signed in.
    Invite,
}

/// `/login` — sign in; create an account where sign-up is open.
#[component]
pub fn Login() -> Element {
    let mut mode = use_signal(|| Mode::SignIn);
    // Whether sign-up is open (by default accounts come by invitation).
    let options = use_api(super::server_fns::load::options)?;
    let open = move || options.ok().is_some_and(|o| o.signup == SignupMode::Open);
    let signing_up = mode() == Mode::SignUp;
    rsx! {
        AccountForm { mode: mode(), token: String::new(),
            if open() {
                button {
                    id: "login-mode",
                    r#type: "button",
                    class: LINK,
                    onclick: move |_| mode.set(if signing_up { Mode::SignIn } else { Mode::SignUp }),
                    if signing_up {
                        "I already have an account"
                    } else {
                        "Create an account"
                    }
                }
            } else {
                p { id: "invite-only",
                    "New here? Accounts are by invitation: ask an admin of your workspace for a link."
                }
            }
            p { class: "mt-3 text-xs",
                "First start? The server log shows the demo admin's password or a setup link."
            }
        }
    }
}

/// `/setup/:token` — the first admin of an empty store, through the link the server logged.
#[component]
pub fn Setup(token: String) -> Element {
    rsx! {
        AccountForm { mode: Mode::Setup, token,
            p { "This link works once. You invite everyone else from Settings." }
        }
    }
}

/// `/invite/:token` — what an invitation offers; the invitee creates their account and joins,
/// or, signed in, accepts.
#[component]
pub fn Invite(token: String) -> Element {
    rsx! {
        AccountForm { mode: Mode::Invite, token: token.clone(),
            a { href: "/login?next=/invite/{token}", class: LINK,
                "I have an account: sign in first"
            }
        }
    }
}

/// One labelled input and the error about it.
#[component]
fn Field(
    id: String,
    label: String,
    kind: String,
    autocomplete: String,
    value: Signal<String>,
    error: Option<String>,
) -> Element {
    let invalid = error.is_some();
    rsx! {
        label { class: "block text-sm font-medium",
            "{label}"
            input {
                id: "{id}",
                name: "{id}",
                r#type: kind,
                autocomplete,
                required: true,
                class: INPUT,
                value: "{value}",
                oninput: move |e| value.set(e.value()),
                aria_invalid: invalid,
            }
        }
        if let Some(text) = error {
            p { class: "text-sm text-red-700 dark:text-red-300", "{text}" }
        }
    }
}

/// What the account form's fields hold, and how its last submission went.
#[derive(Clone, Copy, PartialEq)]
struct AccountDraft {
    email: Signal<String>,
    password: Signal<String>,
    workspace: Signal<String>,
    error: Signal<Option<CallError>>,
    busy: Signal<bool>,
}

fn use_account_draft() -> AccountDraft {
    AccountDraft {
        email: use_signal(String::new),
        password: use_signal(String::new),
        workspace: use_signal(String::new),
        error: use_signal(|| None::<CallError>),
        busy: use_signal(|| false),
    }
}

/// An invitation: what it offers, and whether someone is signed in (they accept as they are).
#[derive(Clone, Copy, PartialEq)]
struct Invitation {
    offer: Api<InviteOffer>,
    signed_in: Memo<bool>,
}

/// Asks what the invitation `token` offers, and whether someone is signed in, in the invitation
/// mode only.
fn use_invitation(mode: Mode, token: &str) -> Result<Invitation, RenderError> {
    let invite = mode == Mode::Invite;
    let token = token.to_owned();
    let offer = use_api(move || match invite {
        true => crate::members::server_fns::load::offer(token.clone()),
        false => Load::nothing(),
    })?;
    let me = use_api(move || match invite {
        true => super::server_fns::load::me(),
        false => Load::nothing(),
    })?;
    let signed_in = use_memo(move || me.ok().is_some());
    Ok(Invitation { offer, signed_in })
}

/// The form's title and its button's label.
fn titles(mode: Mode, signed_in: bool) -> (&'static str, &'static str) {
    match mode {
        Mode::SignIn => ("Sign in to Flightdeck", "Sign in"),
        Mode::SignUp => ("Create your Flightdeck account", "Create account"),
        Mode::Setup => ("Create Flightdeck's first admin", "Create admin account"),
        Mode::Invite if signed_in => ("Join a Flightdeck workspace", "Accept and open it"),
        Mode::Invite => ("Join a Flightdeck workspace", "Create account and join"),
    }
}

/// The sign-in, sign-up, setup and invitation form: email, password, and for a new account
/// its workspace. `children` go below it.
#[component]
fn AccountForm(mode: Mode, token: String, children: Element) -> Element {
    let draft = use_account_draft();
    let invitation = use_invitation(mode, &token)?;
    let signed_in = invitation.signed_in;
    let (title, _) = titles(mode, signed_in());
    let invite = mode == Mode::Invite;
    // An invitation that cannot be used shows why, and no form.
    let (offer_text, unusable) = match invitation.offer.get() {
        Loaded::Ready(offer) => (
            format!(
                "{} is invited to {} as {}.",
                offer.email,
                offer.workspace,
                offer.role.as_str()
            ),
            None,
        ),
        Loaded::Failed(err) => (String::new(), Some(err.to_string())),
        Loaded::Loading => (String::new(), None),
    };

    rsx! {
        PageTitle { text: "{title} · Flightdeck" }
        main { class: "flex min-h-screen items-center justify-center px-4",
            section { class: CARD,
                h1 { class: "text-xl font-semibold", "{title}" }
                if let Some(why) = unusable {
                    p {
                        id: "login-error",
                        role: "alert",
                        class: "mt-4 {ALERT}",
                        "{why}"
                    }
                } else {
                    if !offer_text.is_empty() {
                        p { id: "invite-offer", class: "mt-2 text-sm", "{offer_text}" }
                    }
                    AccountFields {
                        mode,
                        token,
                        draft,
                        invitation,
                    }
                }
                if !(invite && signed_in()) {
                    div { class: "mt-4 text-sm text-slate-600 dark:text-slate-300",
                        {children}
                    }
                }
            }
        }
    }
}

/// The account form's fields, its error and its button; submitting signs in, or creates the
/// account, or accepts the invitation, then loads the next page.
#[component]
fn AccountFields(
    mode: Mode,
    token: String,
    draft: AccountDraft,
    invitation: Invitation,
) -> Element {
    let AccountDraft {
        email,
        password,
        workspace,
        mut error,
        mut busy,
    } = draft;
    let signed_in = invitation.signed_in;
    let submit = move |event: FormEvent| {
        event.prevent_default();
        busy.set(true);
        error.set(None);
        let token = token.clone();
        spawn(async move {
            match send_account(mode, &token, draft, invitation).await {
                Ok(()) if mode == Mode::Invite => load_page("/"),
                Ok(()) => load_page(&next_page()),
                Err(err) => {
                    error.set(Some(err));
                    busy.set(false);
                }
            }
        });
    };
    let field_error = |name: &str| {
        error()
            .filter(|err| err.body.field.as_deref() == Some(name))
            .map(|err| err.body.error)
    };
    let general_error = error()
        .filter(|err| err.body.field.is_none())
        .map(|err| match (mode, err.status) {
            (Mode::SignUp, 401) => "the account could not be created with this email, or its password differs: if you have one, sign in".to_string(),
            _ => err.body.error,
        });
    let (_, action) = titles(mode, signed_in());
    let invite = mode == Mode::Invite;

    rsx! {
        form {
            id: "login-form",
            class: "mt-6 space-y-4",
            onsubmit: submit,
            novalidate: true,
            if !invite {
                Field {
                    id: "email",
                    label: "Email",
                    kind: "email",
                    autocomplete: "username",
                    value: email,
                    error: field_error("email"),
                }
            }
            if !(invite && signed_in()) {
                Field {
                    id: "password",
                    label: "Password",
                    kind: "password",
                    autocomplete: if mode == Mode::SignIn { "current-password" } else { "new-password" },
                    value: password,
                    error: field_error("password"),
                }
            }
            if matches!(mode, Mode::SignUp | Mode::Setup) {
                Field {
                    id: "workspace",
                    label: "Workspace name",
                    kind: "text",
                    autocomplete: "organization",
                    value: workspace,
                    error: field_error("workspace"),
                }
            }
            if let Some(text) = general_error {
                p { id: "login-error", role: "alert", class: ALERT, "{text}" }
            }
            button {
                id: "login-submit",
                r#type: "submit",
                class: PRIMARY,
                disabled: busy(),
                if busy() {
                    "Please wait…"
                } else {
                    "{action}"
                }
            }
        }
    }
}

/// Sends the form as `mode` says: sign in, sign up (then sign in), set up, or accept.
async fn send_account(
    mode: Mode,
    token: &str,
    draft: AccountDraft,
    invitation: Invitation,
) -> Result<(), CallError> {
    let AccountDraft {
        email,
        password,
        workspace,
        ..
    } = draft;
    let account = SignupRequest {
        email: email(),
        password: password(),
        workspace: workspace(),
    };
    let login = LoginRequest {
        email: email(),
        password: password(),
    };
    let sign_in = async { super::server_fns::login(JsonBody(login)).await.map(|_| ()) };
    match mode {
        Mode::Setup => super::server_fns::setup(token.to_owned(), JsonBody(account))
            .await
            .map(|_| ()),
        // Sign-up answers alike whether the email was free: signing in tells.
        Mode::SignUp => match super::server_fns::signup(JsonBody(account)).await {
            Ok(_) => sign_in.await,
            Err(err) => Err(err),
        },
        Mode::SignIn => sign_in.await,
        Mode::Invite => {
            let accept = AcceptInvite {
                password: (!(invitation.signed_in)()).then(|| password.cloned()),
            };
            crate::members::server_fns::accept(token.to_owned(), JsonBody(accept))
                .await
                .map(|_| ())
        }
    }
}

/// The top bar's workspace picker: switching reloads the app in the other workspace.
#[component]
pub fn WorkspaceSwitcher() -> Element {
    let session = use_context::<SessionContext>();
    let mut error = use_signal(|| None::<String>);
    let Some(me) = (session.me)() else {
        return rsx! {
            span {
                class: "h-5 w-32 animate-pulse rounded bg-slate-200 dark:bg-slate-800",
                aria_hidden: "true",
            }
        };
    };
    let current = me.workspace.id.clone();
    rsx! {
        label { class: "flex min-w-0 items-center gap-2 text-sm",
            span { class: "sr-only", "Workspace" }
            select {
                id: "workspace-switcher",
                class: "max-w-[12rem] truncate rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900",
                onchange: move |event| {
                    let workspace_id = event.value();
                    spawn(async move {
                        let to = JsonBody(SwitchWorkspace { workspace_id });
                        match super::server_fns::switch_workspace(to).await {
                            Ok(_) => load_page("/"),
                            Err(err) => error.set(Some(err.to_string())),
                        }
                    });
                },
                for workspace in me.workspaces {
                    option {
                        value: "{workspace.id}",
                        selected: workspace.id == current,
                        "{workspace.name} ({workspace.role.as_str()})"
                    }
                }
            }
            if let Some(text) = error() {
                span { role: "alert", class: "text-red-700 dark:text-red-300", "{text}" }
            }
        }
    }
}

/// The signed-in user's address and the sign-out button.
#[component]
pub fn UserMenu() -> Element {
    let session = use_context::<SessionContext>();
    let email = (session.me)().map(|me| me.user.email).unwrap_or_default();
    rsx! {
        span {
            id: "user-email",
            class: "hidden truncate text-sm text-slate-600 dark:text-slate-300 lg:inline",
            "{email}"
        }
        button {
            id: "sign-out",
            r#type: "button",
            class: "rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-slate-200 dark:hover:bg-slate-800",
            onclick: move |_| {
                spawn(async move {
                    let _ = super::server_fns::logout().await;
                    load_page("/login");
                });
            },
            "Sign out"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed_after_sign_in() {
        assert!(safe_next("/approvals?status=pending"));
        for bad in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/a\\b",
        ] {
            assert!(!safe_next(bad), "{bad}");
        }
    }
}
