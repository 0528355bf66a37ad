//! Members in the UI: the Settings section where admins change roles, remove members, invite
//! and copy or revoke pending links (the invitation page itself is an account form, in
//! `auth::ui`).

use super::server_fns;
use super::{Invite, Member, NewInvite, SetRole};
use crate::auth::Role;
use crate::http::{use_answers, use_api, Api, CallError, Created, JsonBody};
use crate::pages::{copy, origin};
use dioxus::prelude::*;

const FIELD: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950 disabled:opacity-60";
const ROW: &str = "flex flex-wrap items-center justify-between gap-3 py-2 text-sm";
const SMALL: &str = "rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";
const PRIMARY: &str = "rounded-md bg-sky-700 px-4 py-2 text-sm font-medium text-white hover:bg-sky-800 disabled:opacity-60";

/// A role picker; `id` names it for labels and tests.
#[component]
fn RolePicker(id: String, role: Role, onpick: EventHandler<Role>) -> Element {
    rsx! {
        select {
            id,
            class: FIELD,
            aria_label: "Role",
            onchange: move |e| onpick.call(Role::parse(&e.value()).unwrap_or(Role::Viewer)),
            for option_role in Role::ALL {
                option {
                    value: option_role.as_str(),
                    selected: role == option_role,
                    "{option_role.as_str()}"
                }
            }
        }
    }
}

/// The section's lists and its last message, with the calls that change them.
#[derive(Clone, Copy, PartialEq)]
struct Roster {
    members: Api<Vec<Member>>,
    invites: Api<Vec<Invite>>,
    message: Signal<Option<Result<String, String>>>,
}

impl Roster {
    /// Asks for the members and the pending invitations again.
    fn reload(self) {
        self.members.reload();
        self.invites.reload();
    }

    /// Makes the call, says `done` or why not, then reloads.
    fn act<T: 'static>(
        self,
        call: impl std::future::Future<Output = Result<T, CallError>> + 'static,
        done: String,
    ) {
        let mut message = self.message;
        spawn(async move {
            match call.await {
                Ok(_) => message.set(Some(Ok(done))),
                Err(err) => message.set(Some(Err(err.to_string()))),
            }
            self.reload();
        });
    }
}

/// The members and invitations (the server renders the section with them).
fn use_roster() -> Result<Roster, RenderError> {
    let members = use_api(super::server_fns::load::list)?;
    let invites = use_api(super::server_fns::load::invites)?;
    let mut message = use_signal(|| None::<Result<String, String>>);
    use_answers(members, move |answer| {
        if let Err(err) = answer {
            message.set(Some(Err(err.to_string())));
        }
    });
    Ok(Roster {
        members,
        invites,
        message,
    })
}

/// Admins, on Settings: the members with their roles, the pending invitations, and a new one.
#[component]
pub fn MembersSection(class: String) -> Element {
    let roster = use_roster()?;
    rsx! {
        section { id: "members", class,
            h2 { class: "text-lg font-medium", "Members" }
            MemberList { roster }
            PendingInvites { roster }
            InviteForm { roster }
            MembersStatus { message: roster.message }
        }
    }
}

/// Each member, with their role picker and the remove button.
#[component]
fn MemberList(roster: Roster) -> Element {
    rsx! {
        ul { class: "mt-3 divide-y divide-slate-200 dark:divide-slate-800",
            for member in roster.members.ok().unwrap_or_default() {
                li { key: "{member.user_id}", class: ROW,
                    span { class: "min-w-0 flex-1 truncate", "{member.email}" }
                    div { class: "flex items-center gap-2",
                        RolePicker {
                            id: "role-{member.user_id}",
                            role: member.role,
                            onpick: {
                                let (id, email) = (member.user_id.clone(), member.email.clone());
                                move |next: Role| {
                                    roster
                                        .act(
                                            server_fns::set_role(id.clone(), JsonBody(SetRole { role: next })),
                                            format!("{email} is now {}.", next.as_str()),
                                        )
                                }
                            },
                        }
                        button {
                            r#type: "button",
                            class: SMALL,
                            "data-remove": "{member.email}",
                            onclick: {
                                let (id, email) = (member.user_id.clone(), member.email.clone());
                                move |_| {
                                    roster
                                        .act(
                                            server_fns::remove(id.clone()),
                                            format!("{email} was removed."),
                                        )
                                }
                            },
                            "Remove"
                        }
                    }
                }
            }
        }
    }
}

/// The invitations not used yet: each link to copy, or to revoke.
#[component]
fn PendingInvites(roster: Roster) -> Element {
    let mut message = roster.message;
    let invites = roster.invites.ok().unwrap_or_default();
    if invites.is_empty() {
        return rsx! {};
    }
    rsx! {
        h3 { class: "mt-5 text-sm font-medium", "Pending invitations" }
        ul {
            id: "invites",
            class: "mt-2 divide-y divide-slate-200 dark:divide-slate-800",
            for pending in invites {
                li { key: "{pending.id}", class: ROW,
                    span { class: "min-w-0 flex-1 truncate",
                        "{pending.email} · {pending.role.as_str()}"
                    }
                    input {
                        class: "{FIELD} max-w-xs font-mono text-xs",
                        readonly: true,
                        aria_label: "Invitation link for {pending.email}",
                        value: "{origin()}{pending.path}",
                    }
                    button {
                        r#type: "button",
                        class: SMALL,
                        onclick: {
                            let link = format!("{}{}", origin(), pending.path);
                            move |_| {
                                copy(&link);
                                message.set(Some(Ok("Link copied.".into())));
                            }
                        },
                        "Copy link"
                    }
                    button {
                        r#type: "button",
                        class: SMALL,
                        onclick: {
                            let (id, email) = (pending.id.clone(), pending.email.clone());
                            move |_| {
                                roster
                                    .act(
                                        server_fns::revoke(id.clone()),
                                        format!("The invitation for {email} was revoked."),
                                    )
                            }
                        },
                        "Revoke"
                    }
                }
            }
        }
    }
}

/// A new invitation: its link is copied once made.
#[component]
fn InviteForm(roster: Roster) -> Element {
    let mut email = use_signal(String::new);
    let mut role = use_signal(|| Role::Viewer);
    let mut message = roster.message;
    let invite = move |event: FormEvent| {
        event.prevent_default();
        let new = JsonBody(NewInvite {
            email: email(),
            role: role(),
        });
        spawn(async move {
            match server_fns::invite(new).await {
                Ok(Created(made)) => {
                    let link = format!("{}{}", origin(), made.path);
                    copy(&link);
                    message.set(Some(Ok(format!(
                        "Invitation for {} made; its link is copied.",
                        made.email
                    ))));
                    email.set(String::new());
                }
                Err(err) => message.set(Some(Err(err.to_string()))),
            }
            roster.reload();
        });
    };
    rsx! {
        form {
            id: "invite-form",
            class: "mt-4 flex flex-wrap items-end gap-3",
            onsubmit: invite,
            label { class: "flex-1 text-sm",
                "Invite by email"
                input {
                    id: "invite-email",
                    r#type: "email",
                    required: true,
                    class: FIELD,
                    value: "{email}",
                    oninput: move |e| email.set(e.value()),
                }
            }
            label { class: "text-sm",
                "Role"
                RolePicker {
                    id: "invite-role",
                    role: role(),
                    onpick: move |next| role.set(next),
                }
            }
            button { r#type: "submit", class: PRIMARY, "Invite" }
        }
    }
}

/// What the last change did, or why it failed.
#[component]
fn MembersStatus(message: ReadSignal<Option<Result<String, String>>>) -> Element {
    match message() {
        Some(Ok(text)) => rsx! {
            p {
                id: "members-status",
                role: "status",
                class: "mt-2 text-sm text-emerald-700 dark:text-emerald-300",
                "{text}"
            }
        },
        Some(Err(text)) => rsx! {
            p {
                id: "members-status",
                role: "alert",
                class: "mt-2 text-sm text-red-700 dark:text-red-300",
                "{text}"
            }
        },
        None => rsx! {},
    }
}
