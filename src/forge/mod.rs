//! The Gitea/Forgejo API client: the calls the modes make, typed, over the [`Http`] and
//! [`Clock`] traits, and the one place HTTP policy lives:
//!
//! - **Deadlines**: a client may carry a deadline; each request's timeout is at most the time
//!   left, and no request or retry starts past it.
//! - **Retries**: reads are retried on transient failures (network, 408, 429, 5xx), honouring
//!   `Retry-After`; writes are not (the modes decide: only they know whether a write may be
//!   repeated).
//! - **Size**: an answer over [`MAX_RESPONSE_BYTES`] is not read (the shim stops reading).
//! - **Redirects** are not followed (the token would go along): a 3xx is an error naming where
//!   it pointed.
//! - **Secrets**: server messages are redacted ([`Secrets`]) and shortened before any error
//!   carries them.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use serde::de::DeserializeOwned;

use crate::host::{Clock, Http, HttpRequest, HttpResponse};
use crate::secrets::Secrets;

mod model;
mod pulls;
pub mod release;

pub(crate) use model::*;
pub(crate) use pulls::{existing_pull_number, MergeAnswer, PullLink, PullRequest, MERGE_STYLES};
pub use release::{Release, RunDetails};

/// How long one request may take when no deadline is nearer.
const REQUEST_TIMEOUT_MS: u64 = 30_000;
/// How often a read is tried before its error is returned.
const READ_ATTEMPTS: u32 = 4;
/// The largest answer read: a file at the servers' 10 MiB content limit is ~14 MB as base64.
pub const MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;
/// The id of the Actions user a run's own token acts as (models/user/user_system.go
/// `ActionsUserID`, Gitea @v1.26.4, Forgejo @v12.0.4).
const ACTIONS_USER_ID: i64 = -2;
/// The longest server message an error carries.
const MAX_MESSAGE_CHARS: usize = 300;

/// A failed API call. Messages name the method and path, never the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with an error status.
    Status {
        /// `GET /repos/o/r/contents/x`
        call: String,
        /// The status code.
        status: u16,
        /// The server's `message` (redacted, shortened), if any.
        message: String,
    },
    /// No answer: the request may or may not have reached the server.
    Network {
        /// `PUT /repos/o/r/contents/x`
        call: String,
        /// What failed.
        message: String,
    },
    /// An answer that does not read as the spec says.
    Malformed {
        /// The call.
        call: String,
        /// What is wrong with it.
        message: String,
    },
    /// The file's content is not in the answer: the server leaves it out above its
    /// `[api] DEFAULT_MAX_BLOB_SIZE`, or it does not match the size the server gave.
    ContentWithheld {
        /// The call.
        call: String,
        /// The file's size as the server gave it.
        size: u64,
        /// How many bytes came.
        received: usize,
    },
    /// Not sent: the deadline had passed.
    Deadline {
        /// The call that was not made.
        call: String,
    },
}

impl ApiError {
    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's message, if it answered with one.
    pub fn server_message(&self) -> &str {
        match self {
            ApiError::Status { message, .. } => message,
            _ => "",
        }
    }

    /// Whether a write that failed this way may still have been applied (no answer, or a
    /// gateway/server error).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::Network { .. } => true,
            ApiError::Status { status, .. } => *status >= 500,
            ApiError::Malformed { .. } | ApiError::ContentWithheld { .. } | ApiError::Deadline { .. } => false,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Status { call, status, message } if message.is_empty() => write!(f, "{call} answered {status}"),
            ApiError::Status { call, status, message } => write!(f, "{call} answered {status}: {message}"),
            ApiError::Network { call, message } => write!(f, "{call} failed: {message}"),
            ApiError::Malformed { call, message } => write!(f, "{call} returned an unexpected answer: {message}"),
            ApiError::ContentWithheld { call, size, received } => write!(
                f,
                "{call} gave no content for a file of {size} bytes (got {received}): the server leaves the content \
                 out above its [api] DEFAULT_MAX_BLOB_SIZE (10 MiB by default)"
            ),
            ApiError::Deadline { call } => write!(f, "{call} was not sent: the time allowed ran out"),
        }
    }
}

/// Whether a status is worth retrying a read for.
pub fn is_transient(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// The wait before retry `attempt` (1-based): capped exponential backoff with full jitter,
/// `random` being uniform in `0..=1000`.
pub fn backoff_ms(attempt: u32, base_ms: u64, cap_ms: u64, random: u64) -> u64 {
    let ceiling = base_ms.saturating_mul(1 << attempt.min(20)).min(cap_ms);
    ceiling * random.min(1000) / 1000
}

/// Seconds from a `Retry-After` header (only the delay-seconds form; dates are ignored).
pub fn retry_after_ms(response: &HttpResponse) -> Option<u64> {
    response.headers.get("retry-after")?.trim().parse::<u64>().ok().map(|s| s.saturating_mul(1000))
}

/// Encodes bytes as standard base64, as the contents API takes them.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A client for one server with one token.
pub struct Forge<'h, H> {
    api_url: String,
    token: String,
    host: &'h H,
    secrets: &'h Secrets,
    deadline_ms: Option<f64>,
    calls: Cell<usize>,
}

impl<'h, H: Http + Clock> Forge<'h, H> {
    /// A client for the API at `api_url` (`https://host/api/v1`); `secrets` are redacted from
    /// every server message it passes on.
    pub fn new(api_url: &str, token: &str, host: &'h H, secrets: &'h Secrets) -> Self {
        Forge {
            api_url: api_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            host,
            secrets,
            deadline_ms: None,
            calls: Cell::new(0),
        }
    }

    /// The same client with a deadline (milliseconds since the epoch): no request starts after
    /// it, and none outlasts it.
    pub fn with_deadline(mut self, deadline_ms: f64) -> Self {
        self.deadline_ms = Some(deadline_ms);
        self
    }

    /// How many requests this client has sent.
    pub fn calls(&self) -> usize {
        self.calls.get()
    }

    /// Milliseconds until the deadline (`None`: no deadline).
    fn time_left(&self) -> Option<f64> {
        self.deadline_ms.map(|d| d - self.host.now_ms())
    }

    /// Waits `ms`, or until the deadline if it is nearer; `false` when the deadline has passed.
    pub async fn pause(&self, ms: u64) -> bool {
        let ms = match self.time_left() {
            Some(left) if left <= 0.0 => return false,
            Some(left) => ms.min(left.ceil() as u64),
            None => ms,
        };
        self.host.sleep(ms).await;
        self.time_left().is_none_or(|left| left > 0.0)
    }

    async fn send(&self, method: &str, path: &str, body: Option<String>) -> Result<HttpResponse, ApiError> {
        let call = call_name(method, path);
        let timeout_ms = match self.time_left() {
            Some(left) if left < 1.0 => return Err(ApiError::Deadline { call }),
            Some(left) => (left as u64).min(REQUEST_TIMEOUT_MS),
            None => REQUEST_TIMEOUT_MS,
        };
        let mut headers = BTreeMap::new();
        headers.insert("authorization".into(), format!("token {}", self.token));
        headers.insert("accept".into(), "application/json".into());
        if body.is_some() {
            headers.insert("content-type".into(), "application/json".into());
        }
        let request = HttpRequest {
            method: method.into(),
            url: format!("{}{path}", self.api_url),
            headers,
            body,
            timeout_ms,
            max_bytes: MAX_RESPONSE_BYTES,
        };
        self.calls.set(self.calls.get() + 1);
        let response = self.host.send(request).await;
        response.map_err(|e| ApiError::Network { call, message: self.secrets.redact(&e.0).into_owned() })
    }

    /// Sends a request and checks its status; `Err` for any status outside 2xx.
    pub async fn request(&self, method: &str, path: &str, body: Option<String>) -> Result<HttpResponse, ApiError> {
        let response = self.send(method, path, body).await?;
        self.check_status(method, path, response)
    }

    /// A GET retried on transient failures (network errors, 408, 429, 5xx), honouring
    /// `Retry-After` (up to 30 s), never past the deadline.
    pub async fn get(&self, path: &str) -> Result<HttpResponse, ApiError> {
        let mut attempt = 1;
        loop {
            let (result, retry_after) = match self.send("GET", path, None).await {
                Ok(response) => {
                    let retry_after = retry_after_ms(&response);
                    (self.check_status("GET", path, response), retry_after)
                }
                Err(e) => (Err(e), None),
            };
            let retry = match &result {
                Err(ApiError::Network { .. }) => true,
                Err(ApiError::Status { status, .. }) => is_transient(*status),
                _ => false,
            };
            if !retry || attempt >= READ_ATTEMPTS {
                return result;
            }
            let wait = retry_after.unwrap_or_else(|| backoff_ms(attempt, 500, 5_000, self.host.random_below(1001)));
            if self.time_left().is_some_and(|left| left <= wait as f64) {
                return result;
            }
            self.host.sleep(wait.min(30_000)).await;
            attempt += 1;
        }
    }

    /// A GET whose body parses as `T`.
    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let response = self.get(path).await?;
        parse_body(&call_name("GET", path), &response)
    }

    /// `Ok` for a 2xx response, else the status with the server's `message`, redacted and
    /// shortened; a redirect names its target.
    fn check_status(&self, method: &str, path: &str, response: HttpResponse) -> Result<HttpResponse, ApiError> {
        if (200..300).contains(&response.status) {
            return Ok(response);
        }
        let message = if (300..400).contains(&response.status) {
            let location = response.headers.get("location").map_or("", String::as_str);
            format!("redirected to {location:?}, which is not followed (the token would go along): set the server URL to where the API is")
        } else {
            serde_json::from_str::<serde_json::Value>(&response.body)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
                .unwrap_or_default()
        };
        let message = shorten(&self.secrets.redact(&message), MAX_MESSAGE_CHARS);
        Err(ApiError::Status { call: call_name(method, path), status: response.status, message })
    }

    /// `GET /version`.
    pub async fn version(&self) -> Result<ServerVersion, ApiError> {
        self.get_json("/version").await
    }

    /// Whether the token is a run's own token (`secrets.GITEA_TOKEN`, `github.token`): `GET /user`
    /// names the Actions user, id -2 (`ActionsUserID`, models/user/user_system.go @v1.26.4,
    /// @v12.0.4; `reqToken` lets the run token through, routers/api/v1/api.go). `false` when
    /// that cannot be told. Asked only to explain a refusal.
    pub async fn is_run_token(&self) -> bool {
        match self.get_json::<serde_json::Value>("/user").await {
            Ok(user) => user.get("id").and_then(serde_json::Value::as_i64) == Some(ACTIONS_USER_ID),
            Err(_) => false,
        }
    }

    /// `GET /repos/{repo}`.
    pub async fn repository(&self, repo: &str) -> Result<Repository, ApiError> {
        self.get_json(&format!("/repos/{repo}")).await
    }

    /// `GET /repos/{repo}/contents/{path}?ref={branch}` (the default branch when `None`): the
    /// file, or `None` when there is none. A file whose content the server leaves out (above
    /// its blob size limit) or whose content does not match its size is an error, never an
    /// empty file.
    pub async fn file(&self, repo: &str, path: &str, branch: Option<&str>) -> Result<Option<FileContent>, ApiError> {
        let response = match self.get(&contents_path(repo, path, branch)).await {
            Ok(r) => r,
            Err(ApiError::Status { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let call = format!("GET /repos/{repo}/contents/{path}");
        // A directory is answered with the list of its entries.
        if response.body.trim_start().starts_with('[') {
            return Err(ApiError::Malformed { call, message: format!("{path} is a directory, not a file") });
        }
        let contents: ContentsResponse = parse_body(&call, &response)?;
        if contents.kind != "file" {
            return Err(ApiError::Malformed { call, message: format!("{path} is a {}, not a file", contents.kind) });
        }
        let text: String = contents.content.unwrap_or_default().split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| ApiError::Malformed { call: call.clone(), message: format!("content is not base64: {e}") })?;
        if let Some(size) = contents.size.filter(|size| *size != bytes.len() as u64) {
            return Err(ApiError::ContentWithheld { call, size, received: bytes.len() });
        }
        if !is_blob_sha(&contents.sha) {
            return Err(ApiError::Malformed {
                call,
                message: format!("the blob sha {:?} is not a sha", shorten(&contents.sha, 80)),
            });
        }
        Ok(Some(FileContent {
            sha: contents.sha,
            bytes,
            html_url: contents.html_url.unwrap_or_default(),
            last_commit_sha: contents.last_commit_sha.filter(|s| !s.is_empty()),
        }))
    }

    /// Whether `dir` is a directory on `branch` (`GET /contents/{dir}` lists it).
    pub async fn is_directory(&self, repo: &str, dir: &str, branch: &str) -> Result<bool, ApiError> {
        match self.get(&contents_path(repo, dir, Some(branch))).await {
            Ok(response) => Ok(response.body.trim_start().starts_with('[')),
            Err(ApiError::Status { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `PUT /repos/{repo}/contents/{path}`: replaces a file if its blob is still `sha`.
    pub async fn update_file(
        &self,
        repo: &str,
        path: &str,
        branch: Option<&str>,
        message: &str,
        content: &[u8],
        sha: &str,
    ) -> Result<CommitRef, ApiError> {
        let message = self.secrets.redact(message);
        let mut body = serde_json::json!({ "message": message, "content": encode_base64(content), "sha": sha });
        if let Some(branch) = branch {
            body["branch"] = branch.into();
        }
        let path = format!("/repos/{repo}/contents/{}", encode_path(path));
        let response = self.request("PUT", &path, Some(body.to_string())).await?;
        written_commit(&call_name("PUT", &path), &response)
    }

    /// `POST /repos/{repo}/contents` (ChangeFiles): several files in one commit on `branch` (the
    /// default branch when `None`), or with `new_branch` on a new branch made from it.
    pub async fn change_files(
        &self,
        repo: &str,
        branch: Option<&str>,
        new_branch: Option<&str>,
        message: &str,
        files: &[ChangeFileOperation],
    ) -> Result<CommitRef, ApiError> {
        let message = self.secrets.redact(message);
        let mut body = serde_json::json!({ "message": message, "files": files });
        if let Some(branch) = branch {
            body["branch"] = branch.into();
        }
        if let Some(new_branch) = new_branch {
            body["new_branch"] = new_branch.into();
        }
        let path = format!("/repos/{repo}/contents");
        let response = self.request("POST", &path, Some(body.to_string())).await?;
        written_commit(&call_name("POST", &path), &response)
    }

    /// `GET /repos/{repo}/commits`: one page of the branch's history, newest first, optionally
    /// only commits touching `path`; without stats, verification or file lists (faster).
    pub async fn commits(
        &self,
        repo: &str,
        branch: Option<&str>,
        path: Option<&str>,
        page: u32,
        limit: u32,
    ) -> Result<Vec<CommitInfo>, ApiError> {
        let mut url =
            format!("/repos/{repo}/commits?stat=false&verification=false&files=false&page={page}&limit={limit}");
        if let Some(branch) = branch {
            url.push_str(&format!("&sha={}", encode_query(branch)));
        }
        if let Some(path) = path {
            url.push_str(&format!("&path={}", encode_query(path)));
        }
        self.get_json(&url).await
    }

    /// `POST /repos/{repo}/actions/workflows/{workflow}/dispatches`, asking for the run's
    /// identity the way the server supports it.
    pub async fn dispatch(
        &self,
        repo: &str,
        workflow: &str,
        git_ref: &str,
        inputs: &BTreeMap<String, String>,
        run_details: RunDetails,
    ) -> Result<DispatchedRun, ApiError> {
        let mut body = serde_json::json!({ "ref": git_ref, "inputs": inputs });
        let mut path = format!("/repos/{repo}/actions/workflows/{}/dispatches", encode_query(workflow));
        match run_details {
            RunDetails::Query => path.push_str("?return_run_details=true"),
            RunDetails::Body => body["return_run_info"] = true.into(),
            RunDetails::None => {}
        }
        let response = self.request("POST", &path, Some(body.to_string())).await?;
        if response.status == 204 || response.body.trim().is_empty() {
            return Ok(DispatchedRun::default());
        }
        let value: serde_json::Value = parse_body(&call_name("POST", &path), &response)?;
        let number = |k: &str| value.get(k).and_then(serde_json::Value::as_u64);
        Ok(DispatchedRun {
            id: number("workflow_run_id").or_else(|| number("id")),
            html_url: value.get("html_url").and_then(|v| v.as_str()).map(str::to_string),
            run_number: number("run_number"),
        })
    }

    /// `GET /repos/{repo}/actions/runs/{id}` (Gitea 1.25+, Forgejo 12+).
    pub async fn run(&self, repo: &str, id: u64) -> Result<Run, ApiError> {
        let path = format!("/repos/{repo}/actions/runs/{id}");
        let value: serde_json::Value = self.get_json(&path).await?;
        Run::from_json(&value)
            .ok_or_else(|| ApiError::Malformed { call: call_name("GET", &path), message: "no run id".into() })
    }

    /// `GET /repos/{repo}/actions/runs?event=workflow_dispatch`: the newest dispatched runs.
    pub async fn dispatched_runs(&self, repo: &str, limit: u32) -> Result<Vec<Run>, ApiError> {
        let path = format!("/repos/{repo}/actions/runs?event=workflow_dispatch&limit={limit}");
        let value: serde_json::Value = self.get_json(&path).await?;
        let runs = value.get("workflow_runs").and_then(|r| r.as_array()).cloned().unwrap_or_default();
        Ok(runs.iter().filter_map(Run::from_json).collect())
    }

    /// `GET /repos/{repo}/actions/tasks`: the newest 50 tasks, newest first.
    pub async fn tasks(&self, repo: &str) -> Result<Vec<Task>, ApiError> {
        let value: serde_json::Value = self.get_json(&format!("/repos/{repo}/actions/tasks?limit=50")).await?;
        let tasks = value.get("workflow_runs").and_then(|r| r.as_array()).cloned().unwrap_or_default();
        Ok(tasks.iter().filter_map(Task::from_json).collect())
    }

    /// `POST /repos/{repo}/statuses/{sha}`; the description is redacted.
    pub async fn create_status(&self, repo: &str, sha: &str, status: &StatusOptions) -> Result<(), ApiError> {
        let status =
            StatusOptions { description: self.secrets.redact(&status.description).into_owned(), ..status.clone() };
        let body = serde_json::to_string(&status).unwrap_or_default();
        self.request("POST", &format!("/repos/{repo}/statuses/{sha}"), Some(body)).await.map(|_| ())
    }
}

/// `METHOD /path` without the query: how errors name a call.
fn call_name(method: &str, path: &str) -> String {
    format!("{method} {}", path.split('?').next().unwrap_or(path))
}

fn contents_path(repo: &str, path: &str, branch: Option<&str>) -> String {
    let mut url = format!("/repos/{repo}/contents/{}", encode_path(path));
    if let Some(branch) = branch {
        url.push_str(&format!("?ref={}", encode_query(branch)));
    }
    url
}

/// The commit a write answered with; a missing or malformed sha is an error, never a success.
fn written_commit(call: &str, response: &HttpResponse) -> Result<CommitRef, ApiError> {
    let commit = parse_body::<WriteResponse>(call, response)?.commit;
    if commit.has_valid_sha() {
        Ok(commit)
    } else {
        Err(ApiError::Malformed {
            call: call.to_string(),
            message: format!("the commit sha {:?} is not a commit id", shorten(&commit.sha, 80)),
        })
    }
}

/// A git object id: 40 (SHA-1) or 64 (SHA-256) hex digits.
fn is_blob_sha(sha: &str) -> bool {
    matches!(sha.len(), 40 | 64) && sha.bytes().all(|b| b.is_ascii_hexdigit())
}

fn parse_body<T: DeserializeOwned>(call: &str, response: &HttpResponse) -> Result<T, ApiError> {
    serde_json::from_str(&response.body).map_err(|e| ApiError::Malformed {
        call: call.split('?').next().unwrap_or(call).to_string(),
        message: body_problem(&response.body, &e),
    })
}

/// Why an answer's body could not be read, in words: cut off, not JSON at all (a proxy's or a
/// login page), or JSON of another shape than the API documents.
fn body_problem(body: &str, error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let start = body.trim_start();
    match error.classify() {
        Category::Eof if start.is_empty() => "its body is empty".to_string(),
        Category::Eof => format!("its JSON body ends early, after {} bytes (cut off on the way?)", body.len()),
        Category::Syntax if !start.starts_with(['{', '[', '"']) => format!(
            "its body is not JSON but starts with {:?} (a proxy's or a login page instead of the API?)",
            shorten(start.lines().next().unwrap_or_default(), 60)
        ),
        Category::Syntax => format!("its body is not valid JSON ({error})"),
        Category::Data | Category::Io => format!("its JSON is not the shape the API documents ({error})"),
    }
}

/// `text` cut to `max` characters, with `…` where it was cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Percent-encodes a repository path for a URL path, keeping `/`.
pub fn encode_path(path: &str) -> String {
    path.split('/').map(encode_query).collect::<Vec<_>>().join("/")
}

/// Percent-encodes a query or path segment (everything but unreserved characters).
pub fn encode_query(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
