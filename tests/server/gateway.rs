//! The MCP gateway at `/mcp` with clients nobody here wrote (`rmcp`'s client; the MCP
//! Inspector's CLI in `gateway_inspector`) and `@modelcontextprotocol/server-everything`
//! upstream: listing, an allowed echo, a denied tool, an asked call that waits for an operator
//! who edits its arguments, a rejection's comment, a long-running tool's progress and outcome,
//! Claude Code's permission prompt, the policy's revisions and dry run, "always allow", and what
//! a stranger, a viewer and another workspace get.

mod access;
mod calls;
mod prompt;
mod support;

pub use support::{call, pending, set_policy, spawn_with_everything, workspace};
