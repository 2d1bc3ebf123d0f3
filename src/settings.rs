//! The action's inputs and environment, parsed once into typed settings.
//!
//! The shim hands over the raw `INPUT_*` values (names lower-cased) and the environment; this
//! module validates them and turns them into one settings value per mode, so the modes never read
//! raw strings or the environment. Every input is read through [`Input`], the list of what
//! action.yml declares (a test holds the two together). Every error names the input and says how
//! to fix it, quoting at most a short piece of what was given.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::engine::is_json;
use crate::expr::{self, Expr, Vars};
use crate::forge::{shorten, MERGE_STYLES};
use crate::gitops::is_commit_sha;
use crate::gitops::policy::{FilePolicy, PathPolicy};
use crate::secrets::{url_has_credentials, Secrets};
use crate::sorting::string_map;
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

impl Request {
    /// The values never to show: every input whose name holds `token` (as the shim masks them).
    pub fn secrets(&self) -> Secrets {
        Secrets::new(
            self.inputs.iter().filter(|(name, _)| name.to_ascii_lowercase().contains("token")).map(|(_, v)| v.as_str()),
        )
    }
}

/// The action's inputs, as action.yml declares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// `mode`
    Mode,
    /// `version`
    Version,
    /// `token`
    Token,
    /// `server_url`
    ServerUrl,
    /// `file`
    File,
    /// `yq_tpl`
    YqTpl,
    /// `updates`
    Updates,
    /// `allow`
    Allow,
    /// `allow_paths`
    AllowPaths,
    /// `GITOPS_REPO`
    GitopsRepo,
    /// `GITOPS_FILE`
    GitopsFile,
    /// `GITOPS_YQ_TPL`
    GitopsYqTpl,
    /// `env_json`
    EnvJson,
    /// `workflow`
    Workflow,
    /// `ref`
    Ref,
    /// `status_token`
    StatusToken,
    /// `status_context`
    StatusContext,
    /// `timeout`
    Timeout,
    /// `poll_max`
    PollMax,
    /// `fail_on_unchanged`
    FailOnUnchanged,
    /// `wait_for_merge`
    WaitForMerge,
    /// `repo`
    Repo,
    /// `branch`
    Branch,
    /// `source_repo`
    SourceRepo,
    /// `source_commit`
    SourceCommit,
    /// `dispatch_id`
    DispatchId,
    /// `git_tag_prefix`
    GitTagPrefix,
    /// `monotonic`
    Monotonic,
    /// `strategy`
    Strategy,
    /// `auto_merge`
    AutoMerge,
    /// `merge_style`
    MergeStyle,
    /// `close_superseded`
    CloseSuperseded,
    /// `gitops`
    Gitops,
}

impl Input {
    /// Every input, in action.yml's order.
    pub const ALL: [Input; 33] = [
        Input::Mode,
        Input::Version,
        Input::Token,
        Input::ServerUrl,
        Input::File,
        Input::YqTpl,
        Input::Updates,
        Input::Allow,
        Input::AllowPaths,
        Input::GitopsRepo,
        Input::GitopsFile,
        Input::GitopsYqTpl,
        Input::EnvJson,
        Input::Workflow,
        Input::Ref,
        Input::StatusToken,
        Input::StatusContext,
        Input::Timeout,
        Input::PollMax,
        Input::FailOnUnchanged,
        Input::WaitForMerge,
        Input::Repo,
        Input::Branch,
        Input::SourceRepo,
        Input::SourceCommit,
        Input::DispatchId,
        Input::GitTagPrefix,
        Input::Monotonic,
        Input::Strategy,
        Input::AutoMerge,
        Input::MergeStyle,
        Input::CloseSuperseded,
        Input::Gitops,
    ];

    /// The name as action.yml spells it.
    pub fn name(self) -> &'static str {
        match self {
            Input::Mode => "mode",
            Input::Version => "version",
            Input::Token => "token",
            Input::ServerUrl => "server_url",
            Input::File => "file",
            Input::YqTpl => "yq_tpl",
            Input::Updates => "updates",
            Input::Allow => "allow",
            Input::AllowPaths => "allow_paths",
            Input::GitopsRepo => "GITOPS_REPO",
            Input::GitopsFile => "GITOPS_FILE",
            Input::GitopsYqTpl => "GITOPS_YQ_TPL",
            Input::EnvJson => "env_json",
            Input::Workflow => "workflow",
            Input::Ref => "ref",
            Input::StatusToken => "status_token",
            Input::StatusContext => "status_context",
            Input::Timeout => "timeout",
            Input::PollMax => "poll_max",
            Input::FailOnUnchanged => "fail_on_unchanged",
            Input::WaitForMerge => "wait_for_merge",
            Input::Repo => "repo",
            Input::Branch => "branch",
            Input::SourceRepo => "source_repo",
            Input::SourceCommit => "source_commit",
            Input::DispatchId => "dispatch_id",
            Input::GitTagPrefix => "git_tag_prefix",
            Input::Monotonic => "monotonic",
            Input::Strategy => "strategy",
            Input::AutoMerge => "auto_merge",
            Input::MergeStyle => "merge_style",
            Input::CloseSuperseded => "close_superseded",
            Input::Gitops => "gitops",
        }
    }
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

fn bad(input: Input, message: impl Into<String>) -> SettingsError {
    SettingsError { input: input.name().to_string(), message: message.into() }
}

/// A given value as errors quote it: in quotes, escaped, at most 60 characters.
fn quote(value: &str) -> String {
    format!("{:?}", shorten(value, 60))
}

/// One file edit: a file and the expression applied to it.
#[derive(Clone, Debug)]
pub struct FileEdit {
    /// The path, relative to the workspace or repository root (`./` and `//` normalised).
    pub file: String,
    /// The parsed expression (it keeps its source text).
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

/// Where `mode: report` takes the web base of its links from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkBase {
    /// Input `server_url`.
    Given(String),
    /// The public base in the event payload's `repository.html_url` (the file at
    /// `GITHUB_EVENT_PATH`, read by the mode), else the runner's `GITHUB_SERVER_URL`: runners
    /// give jobs the address they registered with, often an internal one (act_runner
    /// `client.Address()`).
    Event {
        /// `GITHUB_EVENT_PATH`, if set.
        event_path: Option<String>,
        /// `GITHUB_REPOSITORY`, the repository whose `html_url` the payload carries.
        repository: Option<String>,
        /// `GITHUB_SERVER_URL` (or `GITEA_SERVER_URL`), without a trailing `/`; empty when unset.
        runner_url: String,
    },
}

/// Settings for `mode: report`.
#[derive(Clone, Debug)]
pub struct ReportSettings {
    /// The summary lines to render.
    pub lines: String,
    /// Where the links' web base comes from.
    pub link_base: LinkBase,
}

/// Where the GitOps repository lives and how to reach it.
#[derive(Clone, Debug)]
pub struct Server {
    /// The API base, `https://host/api/v1`.
    pub api_url: String,
    /// The web base, `https://host`: only a fallback for links, which come from the API's
    /// `html_url` fields (the runner's address is often an internal one).
    pub web_url: String,
}

/// Settings for `mode: update`.
#[derive(Clone, Debug)]
pub struct UpdateSettings {
    /// The server.
    pub server: Server,
    /// The GitOps repository, `owner/name`.
    pub repo: String,
    /// The repository the job runs in (`GITHUB_REPOSITORY`): the only one a run's own token
    /// may write.
    pub job_repo: Option<String>,
    /// The branch to commit to (`None`: the repository's default branch).
    pub branch: Option<String>,
    /// The API token (masked by the shim before anything is printed).
    pub token: String,
    /// The edits; one commit holds them all.
    pub edits: Vec<FileEdit>,
    /// The files consumers may change.
    pub allow: FilePolicy,
    /// The data paths consumers may change.
    pub allow_paths: PathPolicy,
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
    /// How the update lands.
    pub strategy: Strategy,
    /// The whole update's bound, in milliseconds.
    pub timeout_ms: u64,
    /// The named values the expressions see (never the environment).
    pub vars: Vars,
}

/// How `mode: update` lands its edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// A commit straight to the branch.
    Commit,
    /// A pull request from a new branch into it.
    PullRequest(PullRequestSettings),
}

/// What `strategy: pull_request` does with its pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequestSettings {
    /// Merge it as soon as the repository allows.
    pub auto_merge: bool,
    /// How to merge it (`Do` of the merge API).
    pub merge_style: String,
    /// Close the component's older open pull requests.
    pub close_superseded: bool,
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
    /// The expression it applies (passed on as its source text; parsed to judge the file when
    /// the run made no commit).
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
    /// Follow a pull request the GitOps run opened until it is merged or closed.
    pub wait_for_merge: bool,
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
/// The default bound of a dispatch's wait.
const DISPATCH_TIMEOUT: &str = "15m";
/// The default bound of an update (reads, retries and writes).
const UPDATE_TIMEOUT: &str = "5m";

impl Settings {
    /// Parses the request into the settings of its mode.
    pub fn parse(request: &Request) -> Result<Settings, SettingsError> {
        let inputs = Inputs::new(request);
        let mode =
            inputs.get(Input::Mode).ok_or_else(|| bad(Input::Mode, format!("is required: set it to {MODES}")))?;
        match mode.to_ascii_lowercase().as_str() {
            "apply" => Ok(Settings::Apply(apply_settings(&inputs, request)?)),
            "report" => Ok(Settings::Report(report_settings(&inputs, request)?)),
            "update" => Ok(Settings::Update(Box::new(update_settings(&inputs, request)?))),
            "dispatch" => Ok(Settings::Dispatch(Box::new(dispatch_settings(&inputs, request)?))),
            other => Err(bad(Input::Mode, format!("{} is not a mode: set it to {MODES}", quote(other)))),
        }
    }
}

/// Input lookup: names are case-insensitive and empty values count as unset.
struct Inputs<'r> {
    /// Names lower-cased, `-` and spaces as `_`.
    values: Vec<(String, &'r str)>,
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

    fn get(&self, input: Input) -> Option<&'r str> {
        let name = input.name().to_ascii_lowercase();
        self.values.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// The first of several inputs that is set, with the input used.
    fn first(&self, inputs: &[Input]) -> Option<(Input, &'r str)> {
        inputs.iter().find_map(|i| self.get(*i).map(|v| (*i, v)))
    }
}

/// The server's web URL from the runner's environment.
fn env_server_url(env: &BTreeMap<String, String>) -> String {
    env.get("GITHUB_SERVER_URL")
        .or_else(|| env.get("GITEA_SERVER_URL"))
        .map_or_else(String::new, |s| s.trim_end_matches('/').to_string())
}

fn apply_settings(inputs: &Inputs<'_>, request: &Request) -> Result<ApplySettings, SettingsError> {
    let mut vars: Vars = request.env.clone();
    if let Some(version) = inputs.get(Input::Version) {
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
        .ok_or_else(|| bad(Input::File, "no workspace: GITHUB_WORKSPACE is not set; run the step in a job"))?;
    Ok(ApplySettings { workspace, edits, vars })
}

fn report_settings(inputs: &Inputs<'_>, request: &Request) -> Result<ReportSettings, SettingsError> {
    let env = |name: &str| request.env.get(name).filter(|v| !v.is_empty()).cloned();
    let link_base = match inputs.get(Input::ServerUrl) {
        Some(url) => LinkBase::Given(server(Some(url), &request.env, Input::ServerUrl)?.web_url),
        None => LinkBase::Event {
            event_path: env("GITHUB_EVENT_PATH"),
            repository: env("GITHUB_REPOSITORY"),
            runner_url: env_server_url(&request.env),
        },
    };
    Ok(ReportSettings { lines: inputs.get(Input::Gitops).unwrap_or_default().to_string(), link_base })
}

/// The server from the `server_url` input (a trailing `/api/v1` is accepted) or the runner's
/// `GITHUB_API_URL`/`GITHUB_SERVER_URL` (and Gitea's `GITEA_*` aliases). A URL with credentials
/// in it is refused: the token input is the place for them, and a URL gets printed.
fn server(given: Option<&str>, env: &BTreeMap<String, String>, input: Input) -> Result<Server, SettingsError> {
    let from_env = |names: &[&str]| names.iter().find_map(|n| env.get(*n).filter(|v| !v.is_empty()).cloned());
    let web = match given {
        Some(url) => url.trim().to_string(),
        None => match from_env(&["GITHUB_API_URL", "GITEA_API_URL"]) {
            Some(api) => api,
            None => from_env(&["GITHUB_SERVER_URL", "GITEA_SERVER_URL"]).ok_or_else(|| {
                bad(input, "is not set and the runner gave no GITHUB_SERVER_URL: set it to the server's URL, e.g. https://gitea.example.com")
            })?,
        },
    };
    if url_has_credentials(&web) {
        return Err(bad(
            input,
            "has credentials in it (https://user:password@…): remove them and pass the token in input 'token'",
        ));
    }
    let web = web.trim_end_matches('/');
    let web = web.strip_suffix("/api/v1").unwrap_or(web).trim_end_matches('/').to_string();
    if !(web.starts_with("http://") || web.starts_with("https://")) || web.contains(char::is_whitespace) {
        return Err(bad(
            input,
            format!(
                "{} is not an http(s) URL: set it to the server's URL, e.g. https://gitea.example.com",
                quote(&web)
            ),
        ));
    }
    Ok(Server { api_url: format!("{web}/api/v1"), web_url: web })
}

/// Checks an `owner/name` repository reference (Gitea's name rules: letters, digits, `-`, `_`,
/// `.`; never `.` or `..`, which would reach other API routes).
fn repo_name(input: Input, value: &str) -> Result<String, SettingsError> {
    let value = value.trim().trim_end_matches(".git");
    let valid_part = |p: &str| {
        !p.is_empty()
            && p != "."
            && p != ".."
            && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match value.split_once('/') {
        Some((owner, name)) if valid_part(owner) && valid_part(name) => Ok(value.to_string()),
        _ => Err(bad(input, format!("{} is not a repository: write it as owner/name", quote(value)))),
    }
}

/// A repository path: relative, `/`-separated, without `..`; `./` and doubled `/` dropped.
fn repo_path(input: Input, value: &str) -> Result<String, SettingsError> {
    let refuse =
        |why: &str| bad(input, format!("{} {why}: give a relative path, with '/' between folders", quote(value)));
    if value.contains('\\') {
        return Err(refuse("has a backslash"));
    }
    if value.starts_with('/') {
        return Err(refuse("is absolute"));
    }
    if value.chars().any(char::is_control) {
        return Err(refuse("has a control character"));
    }
    let parts: Vec<&str> = value.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    if parts.contains(&"..") {
        return Err(refuse("goes up with '..', out of the repository or workspace"));
    }
    if parts.is_empty() {
        return Err(refuse("names no file"));
    }
    Ok(parts.join("/"))
}

/// A value that goes into a commit trailer or a status: one line of printable text.
fn one_line(input: Input, value: Option<&str>) -> Result<Option<String>, SettingsError> {
    match value.map(str::trim) {
        Some(v) if v.chars().any(char::is_control) => Err(bad(input, "must be a single line of text")),
        Some(v) if v.len() > 256 => Err(bad(input, "is longer than 256 characters")),
        other => Ok(other.map(str::to_string)),
    }
}

fn flag(inputs: &Inputs<'_>, input: Input, default: bool) -> Result<bool, SettingsError> {
    match inputs.get(input).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if v == "true" => Ok(true),
        Some(v) if v == "false" => Ok(false),
        Some(v) => Err(bad(input, format!("{} is not a boolean: write true or false", quote(&v)))),
    }
}

/// The file and expression inputs (or `updates`), shared by the modes that edit.
fn edits(inputs: &Inputs<'_>) -> Result<Vec<FileEdit>, SettingsError> {
    let mut edits = Vec::new();
    match (inputs.first(&[Input::File, Input::GitopsFile]), inputs.first(&[Input::YqTpl, Input::GitopsYqTpl])) {
        (Some((file_input, file)), Some((expr_input, text))) => {
            edits.push(file_edit(file_input, file, text, expr_input)?)
        }
        (Some(_), None) => return Err(bad(Input::YqTpl, "is required with 'file': give the yq expression to apply")),
        (None, Some(_)) => return Err(bad(Input::File, "is required with 'yq_tpl': give the file to edit")),
        (None, None) => {}
    }
    if let Some(updates) = inputs.get(Input::Updates) {
        edits.extend(parse_updates(updates)?);
    }
    if edits.is_empty() {
        return Err(bad(Input::File, "nothing to do: set 'file' and 'yq_tpl', or 'updates'"));
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
    string_map(
        [
            ("VERSION", Some(version)),
            ("SOURCE_REPO", source_repo),
            ("SOURCE_COMMIT", source_commit),
            ("DISPATCH_ID", dispatch_id),
            ("GIT_TAG_PREFIX", tag_prefix),
        ]
        .map(|(k, v)| (k.to_string(), v.unwrap_or_default().to_string())),
    )
}

// Not inlined into `Settings::parse`: the wasm engine compiles a function when it is first
// called, so the other modes do not pay for compiling this one at start-up.
#[inline(never)]
fn update_settings(inputs: &Inputs<'_>, request: &Request) -> Result<UpdateSettings, SettingsError> {
    let env = &request.env;
    let server = server(inputs.get(Input::ServerUrl), env, Input::ServerUrl)?;
    let job_repo =
        env.get("GITHUB_REPOSITORY").or_else(|| env.get("GITEA_REPOSITORY")).filter(|r| !r.is_empty()).cloned();
    let repo = match inputs.get(Input::Repo) {
        Some(repo) => repo_name(Input::Repo, repo)?,
        None => repo_name(
            Input::Repo,
            env.get("GITHUB_REPOSITORY").or_else(|| env.get("GITEA_REPOSITORY")).map_or("", String::as_str),
        )
        .map_err(|_| bad(Input::Repo, "is not set and the runner gave no GITHUB_REPOSITORY: set it to owner/name"))?,
    };
    let token = inputs.get(Input::Token).map(|t| t.trim().to_string()).ok_or_else(|| {
        bad(
            Input::Token,
            "is required: pass ${{ secrets.GITEA_TOKEN }} (a token that can write to the GitOps repository)",
        )
    })?;
    let edits = edits(inputs)?;
    let allow = FilePolicy::parse(inputs.get(Input::Allow).unwrap_or_default()).map_err(|e| bad(Input::Allow, e))?;
    let allow_paths =
        PathPolicy::parse(inputs.get(Input::AllowPaths).unwrap_or_default()).map_err(|e| bad(Input::AllowPaths, e))?;
    let version = validate_version(
        inputs
            .get(Input::Version)
            .map(str::trim)
            .ok_or_else(|| bad(Input::Version, "is required: the version to write"))?,
    )?
    .to_string();
    let source_repo = inputs.get(Input::SourceRepo).map(|r| repo_name(Input::SourceRepo, r)).transpose()?;
    let source_commit = one_line(Input::SourceCommit, inputs.get(Input::SourceCommit))?;
    if let Some(sha) = source_commit.as_deref().filter(|sha| !is_commit_sha(sha)) {
        return Err(bad(Input::SourceCommit, format!("{} is not a commit sha", quote(sha))));
    }
    let dispatch_id = one_line(Input::DispatchId, inputs.get(Input::DispatchId))?;
    let tag_prefix = one_line(Input::GitTagPrefix, inputs.get(Input::GitTagPrefix))?;
    let vars = named_values(
        &version,
        source_repo.as_deref(),
        source_commit.as_deref(),
        dispatch_id.as_deref(),
        tag_prefix.as_deref(),
    );
    let branch = one_line(Input::Branch, inputs.get(Input::Branch))?;
    Ok(UpdateSettings {
        server,
        repo,
        job_repo,
        branch,
        token,
        edits,
        allow,
        allow_paths,
        version,
        source_repo,
        source_commit,
        dispatch_id,
        tag_prefix,
        monotonic: flag(inputs, Input::Monotonic, true)?,
        strategy: strategy(inputs)?,
        timeout_ms: parse_duration(Input::Timeout, inputs.get(Input::Timeout).unwrap_or(UPDATE_TIMEOUT))?,
        vars,
    })
}

/// `strategy` with its pull request inputs, which only it takes.
fn strategy(inputs: &Inputs<'_>) -> Result<Strategy, SettingsError> {
    match inputs.get(Input::Strategy).map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("commit") => {
            // An `auto_merge: true` with commits would be silently ignored.
            if flag(inputs, Input::AutoMerge, false)? {
                return Err(bad(Input::AutoMerge, "is true, but strategy is commit: set strategy: pull_request"));
            }
            Ok(Strategy::Commit)
        }
        Some("pull_request") => {
            let merge_style = inputs.get(Input::MergeStyle).map_or("merge", str::trim).to_ascii_lowercase();
            if !MERGE_STYLES.contains(&merge_style.as_str()) {
                return Err(bad(
                    Input::MergeStyle,
                    format!("{} is not a merge style: use one of {}", quote(&merge_style), MERGE_STYLES.join(", ")),
                ));
            }
            Ok(Strategy::PullRequest(PullRequestSettings {
                auto_merge: flag(inputs, Input::AutoMerge, false)?,
                merge_style,
                close_superseded: flag(inputs, Input::CloseSuperseded, true)?,
            }))
        }
        Some(other) => {
            Err(bad(Input::Strategy, format!("{} is not a strategy: use commit or pull_request", quote(other))))
        }
    }
}

/// Parses a duration: `90` or `90s`, `15m`, `1h` (and `1m30s`).
pub fn parse_duration(input: Input, text: &str) -> Result<u64, SettingsError> {
    let invalid = || bad(input, format!("{} is not a duration: write e.g. 30s, 15m or 1h", quote(text)));
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
        return Err(bad(input, format!("{} is zero: give a positive duration", quote(text))));
    }
    Ok(total_ms)
}

/// The `env_json` input: `GITEA_API_URL` (the server) and `GIT_TAG_PREFIX`, as the seed's
/// load-config job writes them.
fn env_json(inputs: &Inputs<'_>) -> Result<BTreeMap<String, String>, SettingsError> {
    let Some(text) = inputs.get(Input::EnvJson) else { return Ok(BTreeMap::new()) };
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| bad(Input::EnvJson, format!("is not JSON ({e}); pass the load-config job's env_json output")))?;
    let object = value
        .as_object()
        .ok_or_else(|| bad(Input::EnvJson, "must be a JSON object like {\"GITEA_API_URL\": \"https://…\"}"))?;
    Ok(string_map(object.iter().filter_map(|(k, v)| match v {
        serde_json::Value::String(s) => Some((k.clone(), s.clone())),
        serde_json::Value::Number(n) => Some((k.clone(), n.to_string())),
        serde_json::Value::Bool(b) => Some((k.clone(), b.to_string())),
        _ => None,
    })))
}

// Not inlined into `Settings::parse`: the wasm engine compiles a function when it is first
// called, so the other modes do not pay for compiling this one at start-up.
#[inline(never)]
fn dispatch_settings(inputs: &Inputs<'_>, request: &Request) -> Result<DispatchSettings, SettingsError> {
    let env = &request.env;
    let config = env_json(inputs)?;
    let server = match (inputs.get(Input::ServerUrl), config.get("GITEA_API_URL").filter(|u| !u.is_empty())) {
        (None, Some(url)) => server(Some(url), env, Input::EnvJson)
            .map_err(|e| bad(Input::EnvJson, format!("GITEA_API_URL {}", e.message)))?,
        (given, _) => server(given, env, Input::ServerUrl)?,
    };
    let gitops_repo = repo_name(
        Input::GitopsRepo,
        inputs
            .get(Input::GitopsRepo)
            .ok_or_else(|| bad(Input::GitopsRepo, "is required: the GitOps repository, owner/name"))?,
    )?;
    let (file_input, file) = inputs
        .first(&[Input::GitopsFile, Input::File])
        .ok_or_else(|| bad(Input::GitopsFile, "is required: the file the GitOps workflow edits"))?;
    let file = repo_path(file_input, file.trim())?;
    let (expr_input, expression_text) = inputs
        .first(&[Input::GitopsYqTpl, Input::YqTpl])
        .ok_or_else(|| bad(Input::GitopsYqTpl, "is required: the yq expression the GitOps workflow applies"))?;
    let expression = expr::parse(expression_text)
        .map_err(|e| bad(expr_input, format!("invalid expression\n{}", e.render(expression_text))))?;
    let version = validate_version(
        inputs
            .get(Input::Version)
            .map(str::trim)
            .ok_or_else(|| bad(Input::Version, "is required: the version to deploy"))?,
    )?
    .to_string();
    let token = inputs.get(Input::Token).map(|t| t.trim().to_string()).ok_or_else(|| {
        bad(
            Input::Token,
            "is required: pass a token that can dispatch workflows in the GitOps repository (secrets.GITOPS_DISPATCH_TOKEN)",
        )
    })?;
    let status_token = inputs.get(Input::StatusToken).map_or_else(|| token.clone(), |t| t.trim().to_string());
    let source_repo = match inputs.get(Input::SourceRepo) {
        Some(r) => repo_name(Input::SourceRepo, r)?,
        None => {
            repo_name(Input::SourceRepo, env.get("GITHUB_REPOSITORY").map_or("", String::as_str)).map_err(|_| {
                bad(Input::SourceRepo, "is not set and the runner gave no GITHUB_REPOSITORY: set it to owner/name")
            })?
        }
    };
    let source_commit = inputs
        .get(Input::SourceCommit)
        .or_else(|| env.get("GITHUB_SHA").map(String::as_str))
        .map(|s| s.trim().to_string())
        .filter(|s| is_commit_sha(s))
        .ok_or_else(|| {
            bad(
                Input::SourceCommit,
                "is not a commit sha (and the runner gave no GITHUB_SHA): set it to the commit being deployed",
            )
        })?;
    let tag_prefix = one_line(
        Input::GitTagPrefix,
        inputs.get(Input::GitTagPrefix).or(config.get("GIT_TAG_PREFIX").map(String::as_str)),
    )?
    .filter(|p| !p.is_empty());
    let consumer_name = source_repo.rsplit('/').next().unwrap_or(&source_repo).to_string();
    let status_context = match inputs.get(Input::StatusContext) {
        Some(c) => one_line(Input::StatusContext, Some(c))?.unwrap_or_default(),
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
    let workflow =
        inputs.get(Input::Workflow).map_or_else(|| "gitops-service.yaml".to_string(), |w| w.trim().to_string());
    if workflow.contains(['/', '\\']) || workflow.chars().any(char::is_control) {
        return Err(bad(
            Input::Workflow,
            format!("{} is not a workflow file name: give just its name, e.g. gitops-service.yaml", quote(&workflow)),
        ));
    }
    Ok(DispatchSettings {
        server,
        gitops_repo,
        workflow,
        git_ref: one_line(Input::Ref, inputs.get(Input::Ref))?,
        token,
        status_token,
        file,
        expression,
        version,
        source_repo,
        source_commit,
        tag_prefix,
        status_context,
        fail_on_unchanged: flag(inputs, Input::FailOnUnchanged, false)?,
        wait_for_merge: flag(inputs, Input::WaitForMerge, false)?,
        timeout_ms: parse_duration(Input::Timeout, inputs.get(Input::Timeout).unwrap_or(DISPATCH_TIMEOUT))?,
        poll_max_ms: parse_duration(Input::PollMax, inputs.get(Input::PollMax).unwrap_or("5s"))?,
        dispatch_id_base,
    })
}

fn file_edit(file_input: Input, file: &str, text: &str, expr_input: Input) -> Result<FileEdit, SettingsError> {
    let file = repo_path(file_input, file.trim())?;
    let expression =
        expr::parse(text).map_err(|e| bad(expr_input, format!("invalid expression\n{}", e.render(text))))?;
    Ok(FileEdit { json: is_json(&file), file, expression })
}

/// Parses `updates`: a YAML or JSON list of `{file, yq_tpl}`.
fn parse_updates(text: &str) -> Result<Vec<FileEdit>, SettingsError> {
    const SHAPE: &str =
        "must be a YAML or JSON list of {file, yq_tpl}, e.g. [{file: dev/Chart.yaml, yq_tpl: '.version = \"{{VERSION}}\"'}]";
    let stream =
        Stream::parse(text).map_err(|e| bad(Input::Updates, format!("is not valid YAML ({e}); it {SHAPE}")))?;
    let Some(doc) = stream.docs.first() else { return Err(bad(Input::Updates, format!("is empty; it {SHAPE}"))) };
    let Value::Seq(items) = stream.value_of(&doc.root) else { return Err(bad(Input::Updates, SHAPE)) };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = |name: &str| match item {
                Value::Map(m) => match m.get(name) {
                    Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
                    _ => Err(bad(Input::Updates, format!("item {} has no '{name}' text; it {SHAPE}", i + 1))),
                },
                _ => Err(bad(Input::Updates, format!("item {} is not a mapping; it {SHAPE}", i + 1))),
            };
            file_edit(Input::Updates, &field("file")?, &field("yq_tpl")?, Input::Updates)
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
            Input::Version,
            format!(
                "{} is not a valid version: it must match ^[0-9A-Za-z][0-9A-Za-z._+-]{{0,127}}$ \
                 (a semver like 1.2.3 or an OCI tag like v1.2.3-rc.1)",
                quote(version)
            ),
        ))
    }
}

#[cfg(test)]
mod tests;
