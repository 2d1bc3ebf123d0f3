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

/// Settings for `mode: dispatch`.
#[derive(Clone, Debug)]
pub struct DispatchSettings {
    /// The server of the GitOps repository.
    pub server: Server,
    /// The GitOps repository, `owner/name`.
    pub gitops_repo: String,
    /// The workflow file dispatched there.
    pub workflow: String,
    /// The branch dispatched (`None`: the GitOps repository's default branch).
    pub git_ref: Option<String>,
    /// The token that may dispatch in the GitOps repository (and read it).
    pub token: String,
    /// The token that sets statuses on the consumer's commit.
    pub status_token: String,
    /// The file the GitOps workflow edits.
    pub file: String,
    /// The expression it applies (its source text, passed on as is).
    pub expression_text: String,
    /// The parsed expression, to judge the file when the run made no commit.
    pub expression: Expr,
    /// The version sent.
    pub version: String,
    /// The consumer repository (`owner/name`): where the status goes.
    pub source_repo: String,
    /// The consumer commit: what the status is set on.
    pub source_commit: String,
    /// The tag prefix of the component, if any.
    pub tag_prefix: Option<String>,
    /// The status context on the consumer's commit.
    pub status_context: String,
    /// Treat an already-applied version as a failure.
    pub fail_on_unchanged: bool,
    /// The whole wait's bound, in milliseconds.
    pub timeout_ms: u64,
    /// The longest pause between polls, in milliseconds.
    pub poll_max_ms: u64,
    /// What makes this job attempt's dispatch id: `repo-run-attempt-job`.
    pub dispatch_id_base: String,
}

/// The settings of the mode the step runs in.
#[derive(Clone, Debug)]
pub enum Settings {
    /// Edit files in the workspace.
    Apply(ApplySettings),
    /// Commit an edit to the GitOps repository through the API.
    Update(Box<UpdateSettings>),
    /// Dispatch the GitOps workflow and follow it to its commit.
    Dispatch(Box<DispatchSettings>),
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
            "dispatch" => Ok(Settings::Dispatch(Box::new(dispatch_settings(&inputs, request)?))),
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
fn server(given: Option<&str>, env: &BTreeMap<String, String>, input: &str) -> Result<Server, SettingsError> {
    let from_env = |names: &[&str]| names.iter().find_map(|n| env.get(*n).filter(|v| !v.is_empty()).cloned());
    let web = match given {
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
        return Err(bad(
            input,
            format!("{web:?} is not an http(s) URL: set it to the server's URL, e.g. https://gitea.example.com"),
        ));
    }
    Ok(Server { api_url: format!("{web}/api/v1"), web_url: web })
}

/// Checks an `owner/name` repository reference.
fn repo_name(input: &str, value: &str) -> Result<String, SettingsError> {
    let value = value.trim().trim_end_matches(".git");
    let valid_part =
        |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
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

/// The only values an update's expression sees (it comes from another repository, so never the
/// runner's environment): `VERSION`, `SOURCE_REPO`, `SOURCE_COMMIT`, `DISPATCH_ID`,
/// `GIT_TAG_PREFIX`, empty where unset.
pub fn named_values(
    version: &str,
    source_repo: Option<&str>,
    source_commit: Option<&str>,
    dispatch_id: Option<&str>,
    tag_prefix: Option<&str>,
) -> Vars {
    [
        ("VERSION", Some(version)),
        ("SOURCE_REPO", source_repo),
        ("SOURCE_COMMIT", source_commit),
        ("DISPATCH_ID", dispatch_id),
        ("GIT_TAG_PREFIX", tag_prefix),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.unwrap_or_default().to_string()))
    .collect()
}

// Not inlined into `Settings::parse`: the wasm engine compiles a function when it is first
// called, so the other modes do not pay for compiling this one at start-up.
#[inline(never)]
fn update_settings(inputs: &Inputs<'_>, request: &Request) -> Result<UpdateSettings, SettingsError> {
    let env = &request.env;
    let server = server(inputs.get("server_url"), env, "server_url")?;
    let repo = match inputs.get("repo") {
        Some(repo) => repo_name("repo", repo)?,
        None => repo_name(
            "repo",
            env.get("GITHUB_REPOSITORY").or_else(|| env.get("GITEA_REPOSITORY")).map_or("", String::as_str),
        )
        .map_err(|_| bad("repo", "is not set and the runner gave no GITHUB_REPOSITORY: set it to owner/name"))?,
    };
    let token = inputs.get("token").map(|t| t.trim().to_string()).ok_or_else(|| {
        bad("token", "is required: pass ${{ secrets.GITEA_TOKEN }} (a token that can write to the GitOps repository)")
    })?;
    let edits = edits(inputs)?;
    for edit in &edits {
        if edit.file.starts_with('/') || edit.file.split('/').any(|p| p == "..") {
            return Err(bad(
                "file",
                format!("{:?} leaves the repository: give a path relative to its root, without '..'", edit.file),
            ));
        }
    }
    let version = validate_version(
        inputs.get("version").map(str::trim).ok_or_else(|| bad("version", "is required: the version to write"))?,
    )?
    .to_string();
    let source_repo = inputs.get("source_repo").map(|r| repo_name("source_repo", r)).transpose()?;
    let source_commit = one_line("source_commit", inputs.get("source_commit"))?;
    if let Some(sha) = &source_commit {
        if !(sha.len() >= 7 && sha.len() <= 64 && sha.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(bad("source_commit", format!("{sha:?} is not a commit sha")));
        }
    }
    let dispatch_id = one_line("dispatch_id", inputs.get("dispatch_id"))?;
    let tag_prefix = one_line("git_tag_prefix", inputs.get("git_tag_prefix"))?;
    let vars = named_values(
        &version,
        source_repo.as_deref(),
        source_commit.as_deref(),
        dispatch_id.as_deref(),
        tag_prefix.as_deref(),
    );
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

/// Parses a duration: `90` or `90s`, `15m`, `1h` (and `1m30s`).
pub fn parse_duration(input: &str, text: &str) -> Result<u64, SettingsError> {
    let invalid = || bad(input, format!("{text:?} is not a duration: write e.g. 30s, 15m or 1h"));
    let text_trimmed = text.trim();
    if text_trimmed.is_empty() {
        return Err(invalid());
    }
    let mut total_ms: u64 = 0;
    let mut digits = String::new();
    for c in text_trimmed.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit_ms = match c {
            'h' => 3_600_000,
            'm' => 60_000,
            's' => 1_000,
            _ => return Err(invalid()),
        };
        let n: u64 = digits.parse().map_err(|_| invalid())?;
        total_ms = total_ms.saturating_add(n.saturating_mul(unit_ms));
        digits.clear();
    }
    if !digits.is_empty() {
        let n: u64 = digits.parse().map_err(|_| invalid())?;
        total_ms = total_ms.saturating_add(n.saturating_mul(1_000));
    }
    if total_ms == 0 {
        return Err(bad(input, format!("{text:?} is zero: give a positive duration")));
    }
    Ok(total_ms)
}

/// The `env_json` input: `GITEA_API_URL` (the server) and `GIT_TAG_PREFIX`, as the seed's
/// load-config job writes them.
fn env_json(inputs: &Inputs<'_>) -> Result<BTreeMap<String, String>, SettingsError> {
    let Some(text) = inputs.get("env_json") else { return Ok(BTreeMap::new()) };
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| bad("env_json", format!("is not JSON ({e}); pass the load-config job's env_json output")))?;
    let object = value
        .as_object()
        .ok_or_else(|| bad("env_json", "must be a JSON object like {\"GITEA_API_URL\": \"https://…\"}"))?;
    Ok(object
        .iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k.clone(), s.clone())),
            serde_json::Value::Number(n) => Some((k.clone(), n.to_string())),
            serde_json::Value::Bool(b) => Some((k.clone(), b.to_string())),
            _ => None,
        })
        .collect())
}

// Not inlined into `Settings::parse`: the wasm engine compiles a function when it is first
// called, so the other modes do not pay for compiling this one at start-up.
#[inline(never)]
fn dispatch_settings(inputs: &Inputs<'_>, request: &Request) -> Result<DispatchSettings, SettingsError> {
    let env = &request.env;
    let config = env_json(inputs)?;
    let server = match (inputs.get("server_url"), config.get("GITEA_API_URL").filter(|u| !u.is_empty())) {
        (None, Some(url)) => {
            server(Some(url), env, "env_json").map_err(|e| bad("env_json", format!("GITEA_API_URL {}", e.message)))?
        }
        (given, _) => server(given, env, "server_url")?,
    };
    let gitops_repo = repo_name(
        "GITOPS_REPO",
        inputs
            .get("gitops_repo")
            .ok_or_else(|| bad("GITOPS_REPO", "is required: the GitOps repository, owner/name"))?,
    )?;
    let file = inputs
        .first(&["gitops_file", "file"])
        .map(|(_, f)| f.trim().to_string())
        .ok_or_else(|| bad("GITOPS_FILE", "is required: the file the GitOps workflow edits"))?;
    let (expr_input, expression_text) = inputs
        .first(&["gitops_yq_tpl", "yq_tpl"])
        .ok_or_else(|| bad("GITOPS_YQ_TPL", "is required: the yq expression the GitOps workflow applies"))?;
    let expression = expr::parse(expression_text).map_err(|e| {
        bad(
            if expr_input == "yq_tpl" { "yq_tpl" } else { "GITOPS_YQ_TPL" },
            format!("invalid expression\n{}", e.render(expression_text)),
        )
    })?;
    let version = validate_version(
        inputs.get("version").map(str::trim).ok_or_else(|| bad("version", "is required: the version to deploy"))?,
    )?
    .to_string();
    let token = inputs.get("token").map(|t| t.trim().to_string()).ok_or_else(|| {
        bad("token", "is required: pass a token that can dispatch workflows in the GitOps repository (secrets.GITOPS_DISPATCH_TOKEN)")
    })?;
    let status_token = inputs.get("status_token").map_or_else(|| token.clone(), |t| t.trim().to_string());
    let source_repo = match inputs.get("source_repo") {
        Some(r) => repo_name("source_repo", r)?,
        None => repo_name("source_repo", env.get("GITHUB_REPOSITORY").map_or("", String::as_str)).map_err(|_| {
            bad("source_repo", "is not set and the runner gave no GITHUB_REPOSITORY: set it to owner/name")
        })?,
    };
    let source_commit = inputs
        .get("source_commit")
        .or_else(|| env.get("GITHUB_SHA").map(String::as_str))
        .map(|s| s.trim().to_string())
        .filter(|s| (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| {
            bad(
                "source_commit",
                "is not a commit sha (and the runner gave no GITHUB_SHA): set it to the commit being deployed",
            )
        })?;
    let tag_prefix =
        one_line("git_tag_prefix", inputs.get("git_tag_prefix").or(config.get("GIT_TAG_PREFIX").map(String::as_str)))?
            .filter(|p| !p.is_empty());
    let consumer_name = source_repo.rsplit('/').next().unwrap_or(&source_repo).to_string();
    let status_context = match inputs.get("status_context") {
        Some(c) => one_line("status_context", Some(c))?.unwrap_or_default(),
        None => match tag_prefix.as_deref().map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) {
            Some(prefix) => format!("gitops/{consumer_name}/{prefix}"),
            None => format!("gitops/{consumer_name}"),
        },
    };
    let id_part = |name: &str, default: &str| -> String {
        let raw = env.get(name).map_or(default, String::as_str);
        raw.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '_' { c } else { '-' }).collect()
    };
    let dispatch_id_base = format!(
        "{}-{}-{}-{}",
        id_part("GITHUB_REPOSITORY", "local").replace("--", "-"),
        id_part("GITHUB_RUN_ID", "0"),
        id_part("GITHUB_RUN_ATTEMPT", "1"),
        id_part("GITHUB_JOB", "job")
    );
    Ok(DispatchSettings {
        server,
        gitops_repo,
        workflow: inputs.get("workflow").map_or_else(|| "gitops-service.yaml".to_string(), |w| w.trim().to_string()),
        git_ref: inputs.get("ref").map(|r| r.trim().to_string()),
        token,
        status_token,
        file,
        expression_text: expression_text.to_string(),
        expression,
        version,
        source_repo,
        source_commit,
        tag_prefix,
        status_context,
        fail_on_unchanged: flag(inputs, "fail_on_unchanged", false)?,
        timeout_ms: parse_duration("timeout", inputs.get("timeout").unwrap_or("15m"))?,
        poll_max_ms: parse_duration("poll_max", inputs.get("poll_max").unwrap_or("5s"))?,
        dispatch_id_base,
    })
}

fn file_edit(file: &str, text: &str, expr_input: &str) -> Result<FileEdit, SettingsError> {
    let expression =
        expr::parse(text).map_err(|e| bad(expr_input, format!("invalid expression\n{}", e.render(text))))?;
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
        let r = request(&[
            ("mode", "apply"),
            ("GITOPS_FILE", "dev/Chart.yaml"),
            ("gitops_yq_tpl", ".version = \"{{VERSION}}\""),
            ("version", " 1.2.3 "),
        ]);
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
        let err = Settings::parse(&request(&[("mode", "apply"), ("file", "a"), ("yq_tpl", ".a ="), ("version", "1")]))
            .unwrap_err();
        assert_eq!(err.input, "yq_tpl");
        assert!(err.message.contains('^'), "{err}");
        let err = Settings::parse(&request(&[
            ("mode", "apply"),
            ("file", "a"),
            ("yq_tpl", "."),
            ("version", "1.2.3; rm -rf"),
        ]))
        .unwrap_err();
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
