//! The action's inputs and environment, parsed once into typed settings.
//!
//! The shim hands over the raw `INPUT_*` values (names lower-cased) and the environment; this
//! module validates them and turns them into one settings value per mode, so the modes never read
//! raw strings or the environment. Every error names the input and says how to fix it.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::engine::is_json;
use crate::expr::{self, Expr, Vars};
use crate::value::Value;
use crate::yaml::document::Stream;

/// What the shim passes to the core: the step's inputs and environment.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Request {
    /// Input values by lower-cased name (`INPUT_GITOPS_FILE` → `gitops_file`).
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
    /// The step's environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The process's working directory (used when `GITHUB_WORKSPACE` is unset).
    #[serde(default)]
    pub cwd: String,
}

/// A bad input: which one, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsError {
    /// The input's name as users write it.
    pub input: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "input '{}': {}", self.input, self.message)
    }
}

impl std::error::Error for SettingsError {}

fn bad(input: &str, message: impl Into<String>) -> SettingsError {
    SettingsError { input: input.to_string(), message: message.into() }
}

/// One file edit: a file and the expression applied to it.
#[derive(Clone, Debug)]
pub struct FileEdit {
    /// The path as given (relative to the workspace or repository root).
    pub file: String,
    /// The expression's source text.
    pub expression_text: String,
    /// The parsed expression.
    pub expression: Expr,
    /// Whether the file is edited as JSON.
    pub json: bool,
}

/// Settings for `mode: apply`.
#[derive(Clone, Debug)]
pub struct ApplySettings {
    /// The directory edits are confined to.
    pub workspace: String,
    /// The edits, in order.
    pub edits: Vec<FileEdit>,
    /// The values the expressions see: `VERSION` and the step's environment.
    pub vars: Vars,
}

/// Settings for `mode: report`.
#[derive(Clone, Debug)]
pub struct ReportSettings {
    /// The summary lines to render.
    pub lines: String,
    /// The server the links point at (`github.server_url`).
    pub server_url: String,
}

/// Where the GitOps repository lives and how to reach it.
#[derive(Clone, Debug)]
pub struct Server {
    /// The API base, `https://host/api/v1`.
    pub api_url: String,
    /// The web base, `https://host`.
    pub web_url: String,
}

/// Settings for `mode: update`.
#[derive(Clone, Debug)]
pub struct UpdateSettings {
    /// The server.
    pub server: Server,
    /// The GitOps repository, `owner/name`.
    pub repo: String,
    /// The branch to commit to (`None`: the repository's default branch).
    pub branch: Option<String>,
    /// The API token (masked by the shim before anything is printed).
    pub token: String,
    /// The edits; one commit holds them all.
    pub edits: Vec<FileEdit>,
    /// The version written.
    pub version: String,
    /// The consumer repository that asked for the update (`owner/name`).
    pub source_repo: Option<String>,
    /// The consumer commit that asked for it.
    pub source_commit: Option<String>,
    /// The dispatcher's unique id, recorded as a commit trailer for exactly-once updates.
    pub dispatch_id: Option<String>,
    /// The tag prefix of the component (`docker/`), if any.
    pub tag_prefix: Option<String>,
    /// Refuse to replace a higher semver with a lower one.
    pub monotonic: bool,
    /// The named values the expressions see (never the environment).
    pub vars: Vars,
}

/// The settings of the mode the step runs in.
#[derive(Clone, Debug)]
pub enum Settings {
    /// Edit files in the workspace.
    Apply(ApplySettings),
    /// Commit an edit to the GitOps repository through the API.
    Update(Box<UpdateSettings>),
    /// Render pipeline summaries.
    Report(ReportSettings),
}

/// The modes, as error messages list them.
const MODES: &str = "dispatch, update, apply or report";

impl Settings {
    /// Parses the request into the settings of its mode.
    pub fn parse(request: &Request) -> Result<Settings, SettingsError> {
        let inputs = Inputs::new(request);
        let mode = inputs.get("mode").ok_or_else(|| bad("mode", format!("is required: set it to {MODES}")))?;
        match mode.to_ascii_lowercase().as_str() {
            "apply" => Ok(Settings::Apply(apply_settings(&inputs, request)?)),
            "report" => Ok(Settings::Report(ReportSettings {
                lines: inputs.get("gitops").unwrap_or_default().to_string(),
                server_url: server_url(&request.env),
            })),
            "update" => Ok(Settings::Update(Box::new(update_settings(&inputs, request)?))),
            "dispatch" => Err(bad(
                "mode",
                format!("'{mode}' is not available in this version of gitops-action yet; use apply or report"),
            )),
            other => Err(bad("mode", format!("'{other}' is not a mode: set it to {MODES}"))),
        }
    }
}

/// Input lookup: names are case-insensitive and empty values count as unset.
struct Inputs<'r> {
    values: BTreeMap<String, &'r str>,
}

impl<'r> Inputs<'r> {
    fn new(request: &'r Request) -> Self {
        let values = request
            .inputs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.to_ascii_lowercase().replace([' ', '-'], "_"), v.as_str()))
            .collect();
        Inputs { values }
    }

    fn get(&self, name: &str) -> Option<&'r str> {
        self.values.get(name).copied()
    }

    /// The first of several spellings that is set, with the spelling used.
    fn first(&self, names: &[&'static str]) -> Option<(&'static str, &'r str)> {
        names.iter().find_map(|n| self.get(n).map(|v| (*n, v)))
    }
}

/// The server's web URL from the runner's environment.
fn server_url(env: &BTreeMap<String, String>) -> String {
    env.get("GITHUB_SERVER_URL")
        .or_else(|| env.get("GITEA_SERVER_URL"))
        .map_or_else(String::new, |s| s.trim_end_matches('/').to_string())
}

fn apply_settings(inputs: &Inputs<'_>, request: &Request) -> Result<ApplySettings, SettingsError> {
    let mut vars: Vars = request.env.clone();
    if let Some(version) = inputs.get("version") {
        vars.insert("VERSION".into(), validate_version(version.trim())?.to_string());
    }
    let edits = edits(inputs)?;
    let workspace = request
        .env
        .get("GITHUB_WORKSPACE")
        .filter(|w| !w.is_empty())
        .cloned()
        .or_else(|| Some(request.cwd.clone()).filter(|c| !c.is_empty()))
        .or_else(|| request.env.get("PWD").cloned())
        .ok_or_else(|| bad("file", "no workspace: GITHUB_WORKSPACE is not set; run the step in a job"))?;
    Ok(ApplySettings { workspace, edits, vars })
}

/// The server from the `server_url` input (a trailing `/api/v1` is accepted) or the runner's
/// `GITHUB_API_URL`/`GITHUB_SERVER_URL` (and Gitea's `GITEA_*` aliases).
fn server(inputs: &Inputs<'_>, env: &BTreeMap<String, String>, input: &str) -> Result<Server, SettingsError> {
    let from_env = |names: &[&str]| names.iter().find_map(|n| env.get(*n).filter(|v| !v.is_empty()).cloned());
    let web = match inputs.get(input) {
        Some(url) => url.trim().to_string(),
        None => match from_env(&["GITHUB_API_URL", "GITEA_API_URL"]) {
            Some(api) => api,
            None => from_env(&["GITHUB_SERVER_URL", "GITEA_SERVER_URL"])
                .ok_or_else(|| bad(input, "is not set and the runner gave no GITHUB_SERVER_URL: set it to the server's URL, e.g. https://gitea.example.com"))?,
        },
    };
    let web = web.trim_end_matches('/');
    let web = web.strip_suffix("/api/v1").unwrap_or(web).trim_end_matches('/').to_string();
    if !(web.starts_with("http://") || web.starts_with("https://")) || web.contains(char::is_whitespace) {
        return Err(bad(input, format!("{web:?} is not an http(s) URL: set it to the server's URL, e.g. https://gitea.example.com")));
    }
    Ok(Server { api_url: format!("{web}/api/v1"), web_url: web })
}

/// Checks an `owner/name` repository reference.
fn repo_name(input: &str, value: &str) -> Result<String, SettingsError> {
    let value = value.trim().trim_end_matches(".git");
    let valid_part = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    match value.split_once('/') {
        Some((owner, name)) if valid_part(owner) && valid_part(name) => Ok(value.to_string()),
        _ => Err(bad(input, format!("{value:?} is not a repository: write it as owner/name"))),
    }
}

/// A value that goes into a commit trailer or a status: one line of printable text.
fn one_line(input: &str, value: Option<&str>) -> Result<Option<String>, SettingsError> {
    match value.map(str::trim) {
        Some(v) if v.chars().any(char::is_control) => Err(bad(input, "must be a single line of text")),
        Some(v) if v.len() > 256 => Err(bad(input, "is longer than 256 characters")),
        other => Ok(other.map(str::to_string)),
    }
}

fn flag(inputs: &Inputs<'_>, name: &str, default: bool) -> Result<bool, SettingsError> {
    match inputs.get(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if v == "true" => Ok(true),
        Some(v) if v == "false" => Ok(false),
        Some(v) => Err(bad(name, format!("{v:?} is not a boolean: write true or false"))),
    }
}

/// The file and expression inputs (or `updates`), shared by the modes that edit.
fn edits(inputs: &Inputs<'_>) -> Result<Vec<FileEdit>, SettingsError> {
    let mut edits = Vec::new();
    match (inputs.first(&["file", "gitops_file"]), inputs.first(&["yq_tpl", "gitops_yq_tpl"])) {
        (Some((_, file)), Some((expr_input, text))) => edits.push(file_edit(file.trim(), text, expr_input)?),
        (Some(_), None) => return Err(bad("yq_tpl", "is required with 'file': give the yq expression to apply")),
        (None, Some(_)) => return Err(bad("file", "is required with 'yq_tpl': give the file to edit")),
        (None, None) => {}
    }
    if let Some(updates) = inputs.get("updates") {
        edits.extend(parse_updates(updates)?);
    }
    if edits.is_empty() {
        return Err(bad("file", "nothing to do: set 'file' and 'yq_tpl', or 'updates'"));
    }
    Ok(edits)
}

fn update_settings(inputs: &Inputs<'_>, request: &Request) -> Result<UpdateSettings, SettingsError> {
    let env = &request.env;
    let server = server(inputs, env, "server_url")?;
    let repo = match inputs.get("repo") {
        Some(repo) => repo_name("repo", repo)?,
        None => repo_name("repo", env.get("GITHUB_REPOSITORY").or_else(|| env.get("GITEA_REPOSITORY")).map_or("", String::as_str))
            .map_err(|_| bad("repo", "is not set and the runner gave no GITHUB_REPOSITORY: set it to owner/name"))?,
    };
    let token = inputs
        .get("token")
        .map(|t| t.trim().to_string())
        .ok_or_else(|| bad("token", "is required: pass ${{ secrets.GITEA_TOKEN }} (a token that can write to the GitOps repository)"))?;
    let edits = edits(inputs)?;
    for edit in &edits {
        if edit.file.starts_with('/') || edit.file.split('/').any(|p| p == "..") {
            return Err(bad("file", format!("{:?} leaves the repository: give a path relative to its root, without '..'", edit.file)));
        }
    }
    let version = validate_version(inputs.get("version").map(str::trim).ok_or_else(|| bad("version", "is required: the version to write"))?)?.to_string();
    let source_repo = inputs.get("source_repo").map(|r| repo_name("source_repo", r)).transpose()?;
    let source_commit = one_line("source_commit", inputs.get("source_commit"))?;
    if let Some(sha) = &source_commit {
        if !(sha.len() >= 7 && sha.len() <= 64 && sha.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(bad("source_commit", format!("{sha:?} is not a commit sha")));
        }
    }
    let dispatch_id = one_line("dispatch_id", inputs.get("dispatch_id"))?;
    let tag_prefix = one_line("git_tag_prefix", inputs.get("git_tag_prefix"))?;
    let named = [
        ("VERSION", Some(version.clone())),
        ("SOURCE_REPO", source_repo.clone()),
        ("SOURCE_COMMIT", source_commit.clone()),
        ("DISPATCH_ID", dispatch_id.clone()),
        ("GIT_TAG_PREFIX", tag_prefix.clone()),
    ];
    let vars = named.into_iter().map(|(k, v)| (k.to_string(), v.unwrap_or_default())).collect();
    Ok(UpdateSettings {
        server,
        repo,
        branch: inputs.get("branch").map(|b| b.trim().to_string()),
        token,
        edits,
        version,
        source_repo,
        source_commit,
        dispatch_id,
        tag_prefix,
        monotonic: flag(inputs, "monotonic", true)?,
        vars,
    })
}

fn file_edit(file: &str, text: &str, expr_input: &str) -> Result<FileEdit, SettingsError> {
    let expression = expr::parse(text).map_err(|e| bad(expr_input, format!("invalid expression\n{}", e.render(text))))?;
    Ok(FileEdit { file: file.to_string(), expression_text: text.to_string(), expression, json: is_json(file) })
}

/// Parses `updates`: a YAML or JSON list of `{file, yq_tpl}`.
fn parse_updates(text: &str) -> Result<Vec<FileEdit>, SettingsError> {
    const SHAPE: &str = "must be a YAML or JSON list of {file, yq_tpl}, e.g. [{file: dev/Chart.yaml, yq_tpl: '.version = \"{{VERSION}}\"'}]";
    let stream = Stream::parse(text).map_err(|e| bad("updates", format!("is not valid YAML ({e}); it {SHAPE}")))?;
    let Some(doc) = stream.docs.first() else { return Err(bad("updates", format!("is empty; it {SHAPE}"))) };
    let Value::Seq(items) = stream.value_of(&doc.root) else { return Err(bad("updates", SHAPE)) };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = |name: &str| match item {
                Value::Map(m) => match m.get(name) {
                    Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
                    _ => Err(bad("updates", format!("item {} has no '{name}' text; it {SHAPE}", i + 1))),
                },
                _ => Err(bad("updates", format!("item {} is not a mapping; it {SHAPE}", i + 1))),
            };
            file_edit(field("file")?.trim(), &field("yq_tpl")?, "updates")
        })
        .collect()
}

/// Checks a version against `^[0-9A-Za-z][0-9A-Za-z._+-]{0,127}$` (OCI tags and semver fit).
pub fn validate_version(version: &str) -> Result<&str, SettingsError> {
    let valid_first = version.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    let valid_rest = version.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-'));
    if valid_first && valid_rest && version.len() <= 128 {
        Ok(version)
    } else {
        Err(bad(
            "version",
            format!(
                "{version:?} is not a valid version: it must match ^[0-9A-Za-z][0-9A-Za-z._+-]{{0,127}}$ \
                 (a semver like 1.2.3 or an OCI tag like v1.2.3-rc.1)"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(inputs: &[(&str, &str)]) -> Request {
        Request {
            inputs: inputs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            env: [("GITHUB_WORKSPACE".to_string(), "/w".to_string())].into_iter().collect(),
            cwd: "/cwd".into(),
        }
    }

    #[test]
    fn apply_reads_upper_case_seed_inputs() {
        let r = request(&[("mode", "apply"), ("GITOPS_FILE", "dev/Chart.yaml"), ("gitops_yq_tpl", ".version = \"{{VERSION}}\""), ("version", " 1.2.3 ")]);
        let Settings::Apply(s) = Settings::parse(&r).unwrap() else { panic!() };
        assert_eq!(s.workspace, "/w");
        assert_eq!(s.edits[0].file, "dev/Chart.yaml");
        assert_eq!(s.vars.get("VERSION").map(String::as_str), Some("1.2.3"));
    }

    #[test]
    fn updates_list_in_yaml_or_json() {
        let yaml = "- file: a.yaml\n  yq_tpl: .a = 1\n- {file: b.json, yq_tpl: '.b = 2'}\n";
        let r = request(&[("mode", "apply"), ("updates", yaml)]);
        let Settings::Apply(s) = Settings::parse(&r).unwrap() else { panic!() };
        assert_eq!(s.edits.len(), 2);
        assert!(s.edits[1].json);
        let err = Settings::parse(&request(&[("mode", "apply"), ("updates", "[{file: a}]")])).unwrap_err();
        assert_eq!(err.input, "updates");
        assert!(err.message.contains("yq_tpl"), "{err}");
    }

    #[test]
    fn errors_name_the_input_and_the_fix() {
        let err = Settings::parse(&request(&[])).unwrap_err();
        assert_eq!(err.input, "mode");
        let err = Settings::parse(&request(&[("mode", "sync")])).unwrap_err();
        assert!(err.to_string().contains("'sync' is not a mode"), "{err}");
        let err = Settings::parse(&request(&[("mode", "apply"), ("file", "a.yaml")])).unwrap_err();
        assert_eq!(err.input, "yq_tpl");
        let err = Settings::parse(&request(&[("mode", "apply"), ("file", "a"), ("yq_tpl", ".a ="), ("version", "1")])).unwrap_err();
        assert_eq!(err.input, "yq_tpl");
        assert!(err.message.contains('^'), "{err}");
        let err = Settings::parse(&request(&[("mode", "apply"), ("file", "a"), ("yq_tpl", "."), ("version", "1.2.3; rm -rf")])).unwrap_err();
        assert_eq!(err.input, "version");
    }

    #[test]
    fn version_rule() {
        for ok in ["1.2.3", "v1.2.3-rc.1+build.5", "sha-abc", "0"] {
            assert!(validate_version(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-1", ".1", "1 2", "1\"", "a/b", &"1".repeat(129)] {
            assert!(validate_version(bad).is_err(), "{bad}");
        }
    }
}
