//! The operator's stdio MCP servers: the only programs Flightdeck ever starts. They come from
//! the file `FLIGHTDECK_MCP_CONFIG` names, in the `mcpServers` shape Claude Desktop, Cursor and
//! Claude Code read (`{"mcpServers": {"name": {"command", "args", "env"}}}`); a workspace admin
//! enables the ones offered there by name. Each runs with an explicit environment (PATH, HOME
//! and its entry's `env`), never the server's own.

use super::OfferedServer;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// One offered program.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Command {
    /// The program.
    pub command: String,
    /// Its arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Its environment besides PATH and HOME (secrets such as API keys go here).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

impl Command {
    /// The child process to start: the program with its arguments and exactly its environment.
    pub fn process(&self) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(&self.command);
        cmd.args(&self.args).env_clear();
        for name in ["PATH", "HOME"] {
            if let Some(value) = std::env::var_os(name) {
                cmd.env(name, value);
            }
        }
        cmd.envs(&self.env);
        cmd
    }
}

/// An entry of the file: a stdio program, or something this version does not start (a URL
/// entry, which an admin adds through the API instead).
#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Stdio(Command),
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    mcp_servers: BTreeMap<String, Entry>,
}

/// The operator's servers by name; cheap to clone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperatorServers(Arc<BTreeMap<String, Command>>);

impl OperatorServers {
    /// Reads the file at `path` (none: no server is offered). A file that cannot be read or
    /// parsed stops the server with a message naming it.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path).map_err(|err| {
            anyhow::anyhow!(
                "FLIGHTDECK_MCP_CONFIG={}: cannot read it: {err}",
                path.display()
            )
        })?;
        Self::parse(&text)
            .map_err(|why| anyhow::anyhow!("FLIGHTDECK_MCP_CONFIG={}: {why}", path.display()))
    }

    /// Parses `{"mcpServers": {…}}`; entries that are not stdio programs are skipped (logged).
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: File = serde_json::from_str(text).map_err(|err| {
            format!("expected {{\"mcpServers\": {{\"name\": {{\"command\": …}}}}}}: {err}")
        })?;
        let mut servers = BTreeMap::new();
        for (name, entry) in file.mcp_servers {
            match entry {
                Entry::Stdio(command) if !command.command.trim().is_empty() => {
                    servers.insert(name, command);
                }
                _ => {
                    tracing::warn!(server = %name, "FLIGHTDECK_MCP_CONFIG: only stdio entries ({{\"command\": …}}) are offered; skipped")
                }
            }
        }
        Ok(Self(Arc::new(servers)))
    }

    /// The servers given (for tests and benchmarks).
    pub fn from_commands(servers: impl IntoIterator<Item = (String, Command)>) -> Self {
        Self(Arc::new(servers.into_iter().collect()))
    }

    /// The offered program of this name.
    pub fn get(&self, name: &str) -> Option<&Command> {
        self.0.get(name)
    }

    /// What admins may enable: names, programs and the names of their variables (neither the
    /// values nor the arguments).
    pub fn offered(&self) -> Vec<OfferedServer> {
        self.0
            .iter()
            .map(|(name, command)| OfferedServer {
                name: name.clone(),
                command: command.command.clone(),
                env: command.env.keys().cloned().collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_reads_as_claude_desktop_writes_it() {
        let servers = OperatorServers::parse(
            r#"{"mcpServers": {
                "everything": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"]},
                "github": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": "secret"}},
                "remote": {"type": "http", "url": "https://mcp.example.com/mcp"}
            }}"#,
        )
        .unwrap();
        assert_eq!(servers.get("everything").unwrap().args.len(), 2);
        assert!(
            servers.get("remote").is_none(),
            "URL entries are not started"
        );
        let offered = servers.offered();
        assert_eq!(offered.len(), 2);
        assert_eq!(
            offered[1].env,
            ["GITHUB_TOKEN"],
            "variable names, never values"
        );
        assert!(OperatorServers::parse(r#"{"servers": {}}"#).is_err());
        assert!(OperatorServers::parse("not json").is_err());
    }

    #[tokio::test]
    async fn a_program_gets_only_path_home_and_its_own_variables() {
        let command = Command {
            command: "sh".into(),
            args: vec!["-c".into(), "env".into()],
            env: [("ONLY_MINE".to_string(), "1".to_string())].into(),
        };
        let output = command.process().output().await.unwrap();
        let env = String::from_utf8_lossy(&output.stdout);
        let names: Vec<&str> = env
            .lines()
            .filter_map(|line| line.split_once('=').map(|(name, _)| name))
            .filter(|name| *name != "PWD" && *name != "SHLVL" && *name != "_")
            .collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert!(
            sorted
                .iter()
                .all(|name| ["HOME", "ONLY_MINE", "PATH"].contains(name)),
            "{env}"
        );
        assert!(sorted.contains(&"ONLY_MINE"));
    }
}
