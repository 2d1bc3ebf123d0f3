//! A small Gitea/Forgejo API client: the calls the modes make, typed, over the [`Http`] and
//! [`Clock`] traits. Field names and status codes follow the servers' Swagger specs (Gitea
//! 1.24–1.26, Forgejo 11–15). Reads are retried on transient failures; writes are not (the
//! modes decide, because only they know whether a write may be repeated).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::host::{Clock, Http, HttpRequest, HttpResponse};

/// How long one request may take.
const REQUEST_TIMEOUT_MS: u64 = 30_000;
/// How often a read is tried before its error is returned.
const READ_ATTEMPTS: u32 = 4;

/// A failed API call. Messages name the method and path, never the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with an error status.
    Status {
        /// `GET /repos/o/r/contents/x`
        call: String,
        /// The status code.
        status: u16,
        /// The server's `message`, if any.
        message: String,
    },
    /// No answer: the request may or may not have reached the server.
    Network {
        /// `PUT /repos/o/r/contents/x`
        call: String,
        /// What failed.
        message: String,
    },
    /// An answer that does not parse as the spec says.
    Malformed {
        /// The call.
        call: String,
        /// The parse error.
        message: String,
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

    /// Whether a write that failed this way may still have been applied (no answer, or a
    /// gateway/server error).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::Network { .. } => true,
            ApiError::Status { status, .. } => *status >= 500,
            ApiError::Malformed { .. } => false,
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

/// `GET /version`.
#[derive(Clone, Debug, Deserialize)]
pub struct ServerVersion {
    /// `1.26.4`, `12.0.1+gitea-1.22.0`, …
    pub version: String,
}

/// The parts of `Repository` the modes use.
#[derive(Clone, Debug, Deserialize)]
pub struct Repository {
    /// `main`.
    #[serde(default)]
    pub default_branch: String,
    /// `owner/name`.
    #[serde(default)]
    pub full_name: String,
}

/// A file read through the contents API.
#[derive(Clone, Debug)]
pub struct FileContent {
    /// The blob sha, for compare-and-swap writes.
    pub sha: String,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// The last commit that touched the file, where the server says.
    pub last_commit_sha: Option<String>,
    /// That commit's message, where the server says (Gitea ≥ 1.26).
    pub last_commit_message: Option<String>,
}

#[derive(Deserialize)]
struct ContentsResponse {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    sha: String,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    last_commit_sha: Option<String>,
    #[serde(default)]
    last_commit_message: Option<String>,
}

/// The commit a write made.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct CommitRef {
    /// The commit sha.
    pub sha: String,
    /// Its web page.
    #[serde(default)]
    pub html_url: String,
}

impl CommitRef {
    /// The commit's web page: the server's `html_url`, or `{web}/{repo}/commit/{sha}`.
    pub fn page(&self, web_url: &str, repo: &str) -> String {
        if self.html_url.is_empty() {
            format!("{web_url}/{repo}/commit/{}", self.sha)
        } else {
            self.html_url.clone()
        }
    }
}

#[derive(Deserialize)]
struct WriteResponse {
    commit: CommitRef,
}

/// One file of a multi-file commit (`ChangeFileOperation`).
#[derive(Clone, Debug, Serialize)]
pub struct FileChange {
    /// `update` (the modes only update).
    pub operation: &'static str,
    /// The path in the repository.
    pub path: String,
    /// The new contents, base64.
    pub content: String,
    /// The blob sha the change expects.
    pub sha: String,
}

/// A commit in a listing (`Commit`).
#[derive(Clone, Debug, Deserialize)]
pub struct CommitInfo {
    /// The sha.
    pub sha: String,
    /// Its web page.
    #[serde(default)]
    pub html_url: String,
    /// The commit's message and metadata.
    pub commit: CommitDetail,
    /// When it was made (RFC 3339).
    #[serde(default)]
    pub created: String,
}

impl CommitInfo {
    /// [`CommitInfo::created`] in milliseconds since the epoch, if it parses.
    pub fn created_ms(&self) -> Option<f64> {
        rfc3339_ms(&self.created)
    }
}

/// Parses an RFC 3339 time (`2026-11-26T14:08:54Z`, `…+02:00`, fractions ignored) to
/// milliseconds since the epoch.
pub fn rfc3339_ms(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let zone = text[19..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset_minutes = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            sign * (zone.get(1..3)?.parse::<i64>().ok()? * 60 + zone.get(4..6)?.parse::<i64>().ok()?)
        }
    };
    // Days from the civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds as f64 * 1000.0)
}

/// `RepoCommit`: the part of a listed commit the modes read.
#[derive(Clone, Debug, Deserialize)]
pub struct CommitDetail {
    /// The full message.
    #[serde(default)]
    pub message: String,
}

/// `CreateStatusOption`.
#[derive(Clone, Debug, Serialize)]
pub struct StatusOptions {
    /// `pending`, `success`, `error`, `failure` or `warning`.
    pub state: String,
    /// The link shown beside the status.
    pub target_url: String,
    /// A short text (servers keep about 255 characters).
    pub description: String,
    /// The status's name.
    pub context: String,
}

/// What a dispatch returned about the run it started, where the server says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DispatchedRun {
    /// The run id (Gitea `workflow_run_id`, Forgejo `id`).
    pub id: Option<u64>,
    /// The run's web page.
    pub html_url: Option<String>,
    /// The run number (Forgejo `run_number`, its web pages' index).
    pub run_number: Option<u64>,
}

/// Where a run is, normalised over Gitea's `status`+`conclusion` and Forgejo's single `status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Queued, waiting or blocked.
    Waiting,
    /// Running.
    Running,
    /// Finished: `success`, `failure`, `cancelled`, `skipped`.
    Completed(String),
}

/// A workflow run as the modes see it (Gitea `ActionWorkflowRun`, Forgejo `ActionRun`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// The run id.
    pub id: u64,
    /// Its web page.
    pub html_url: String,
    /// Gitea's `display_title` (the evaluated `run-name`) or Forgejo's `title`.
    pub title: String,
    /// The dispatch inputs, where the server lists them (Forgejo's `event_payload`).
    pub inputs: BTreeMap<String, String>,
    /// Where it is.
    pub state: RunState,
}

impl Run {
    /// Reads a run from either server's JSON.
    pub fn from_json(value: &serde_json::Value) -> Option<Run> {
        let text = |k: &str| value.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        let status = text("status");
        let conclusion = text("conclusion");
        let state = match status.as_str() {
            "queued" | "waiting" | "blocked" | "pending" | "unknown" => RunState::Waiting,
            "in_progress" | "running" => RunState::Running,
            "completed" => RunState::Completed(if conclusion.is_empty() { "success".into() } else { conclusion }),
            "success" | "failure" | "cancelled" | "skipped" => RunState::Completed(status),
            _ => RunState::Waiting,
        };
        let inputs = value
            .get("event_payload")
            .and_then(|p| p.as_str())
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .and_then(|p| p.get("inputs").cloned())
            .and_then(|i| i.as_object().cloned())
            .map(|o| o.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_string()))).collect())
            .unwrap_or_default();
        let title = if value.get("display_title").is_some() { text("display_title") } else { text("title") };
        Some(Run { id: value.get("id")?.as_u64()?, html_url: text("html_url"), title, inputs, state })
    }
}

/// A job of a workflow run (`ActionTask`, Gitea 1.23+, Forgejo): the only view of runs that
/// Gitea 1.24 and Forgejo 11 offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// The task id (grows with every new task).
    pub id: u64,
    /// The number of its run (Forgejo 11's dispatch answer names it).
    pub run_number: u64,
    /// The workflow file name.
    pub workflow_id: String,
    /// Where it is.
    pub state: RunState,
}

/// Encodes bytes as standard base64, as the contents API takes them.
pub fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// How a dispatch asks for the run it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunDetails {
    /// Gitea 1.26+: `?return_run_details=true`.
    Query,
    /// Forgejo 11+: `"return_run_info": true` in the body.
    Body,
    /// Older servers answer 204 with nothing.
    None,
}

/// A client for one server with one token.
pub struct Forge<'h, H> {
    api_url: String,
    token: String,
    host: &'h H,
    calls: Cell<usize>,
}

impl<'h, H: Http + Clock> Forge<'h, H> {
    /// A client for the API at `api_url` (`https://host/api/v1`).
    pub fn new(api_url: &str, token: &str, host: &'h H) -> Self {
        Forge {
            api_url: api_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            host,
            calls: Cell::new(0),
        }
    }

    /// How many requests this client has sent.
    pub fn calls(&self) -> usize {
        self.calls.get()
    }

    async fn send(&self, method: &str, path: &str, body: Option<String>) -> Result<HttpResponse, ApiError> {
        let call = format!("{method} {}", path.split('?').next().unwrap_or(path));
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
            timeout_ms: REQUEST_TIMEOUT_MS,
        };
        self.calls.set(self.calls.get() + 1);
        self.host.send(request).await.map_err(|e| ApiError::Network { call, message: e.0 })
    }

    /// Sends a request and checks its status; `Err` for any status outside 2xx.
    pub async fn request(&self, method: &str, path: &str, body: Option<String>) -> Result<HttpResponse, ApiError> {
        let response = self.send(method, path, body).await?;
        check_status(method, path, response)
    }

    /// A GET retried on transient failures (network errors, 408, 429, 5xx), honouring
    /// `Retry-After` (up to 30 s).
    pub async fn get(&self, path: &str) -> Result<HttpResponse, ApiError> {
        let mut attempt = 1;
        loop {
            let (result, retry_after) = match self.send("GET", path, None).await {
                Ok(response) => {
                    let retry_after = retry_after_ms(&response);
                    (check_status("GET", path, response), retry_after)
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
            self.host.sleep(wait.min(30_000)).await;
            attempt += 1;
        }
    }

    /// A GET whose body parses as `T`.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let response = self.get(path).await?;
        parse_body(&format!("GET {path}"), &response)
    }

    /// `GET /version`.
    pub async fn version(&self) -> Result<ServerVersion, ApiError> {
        self.get_json("/version").await
    }

    /// `GET /repos/{repo}`.
    pub async fn repository(&self, repo: &str) -> Result<Repository, ApiError> {
        self.get_json(&format!("/repos/{repo}")).await
    }

    /// `GET /repos/{repo}/contents/{path}?ref={branch}` (the default branch when `None`); `None`
    /// when there is no such file.
    pub async fn file(&self, repo: &str, path: &str, branch: Option<&str>) -> Result<Option<FileContent>, ApiError> {
        let mut url = format!("/repos/{repo}/contents/{}", encode_path(path));
        if let Some(branch) = branch {
            url.push_str(&format!("?ref={}", encode_query(branch)));
        }
        let response = match self.get(&url).await {
            Ok(r) => r,
            Err(ApiError::Status { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let call = format!("GET /repos/{repo}/contents/{path}");
        let contents: ContentsResponse = parse_body(&call, &response)?;
        if contents.kind != "file" {
            return Err(ApiError::Malformed { call, message: format!("{path} is a {}, not a file", contents.kind) });
        }
        let text: String = contents.content.unwrap_or_default().split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| ApiError::Malformed { call, message: format!("content is not base64: {e}") })?;
        Ok(Some(FileContent {
            sha: contents.sha,
            bytes,
            last_commit_sha: contents.last_commit_sha.filter(|s| !s.is_empty()),
            last_commit_message: contents.last_commit_message.filter(|s| !s.is_empty()),
        }))
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
        let mut body = serde_json::json!({ "message": message, "content": encode_base64(content), "sha": sha });
        if let Some(branch) = branch {
            body["branch"] = branch.into();
        }
        let call = format!("/repos/{repo}/contents/{}", encode_path(path));
        let response = self.request("PUT", &call, Some(body.to_string())).await?;
        Ok(parse_body::<WriteResponse>(&format!("PUT {call}"), &response)?.commit)
    }

    /// `POST /repos/{repo}/contents` (ChangeFiles): several files in one commit.
    pub async fn change_files(
        &self,
        repo: &str,
        branch: Option<&str>,
        message: &str,
        files: &[FileChange],
    ) -> Result<CommitRef, ApiError> {
        let mut body = serde_json::json!({ "message": message, "files": files });
        if let Some(branch) = branch {
            body["branch"] = branch.into();
        }
        let call = format!("/repos/{repo}/contents");
        let response = self.request("POST", &call, Some(body.to_string())).await?;
        Ok(parse_body::<WriteResponse>(&format!("POST {call}"), &response)?.commit)
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
    /// identity the way the server supports it: Gitea's `?return_run_details=true` query (1.26+)
    /// or Forgejo's `return_run_info` body field (11+).
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
        let value: serde_json::Value = parse_body(&format!("POST {path}"), &response)?;
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
            .ok_or_else(|| ApiError::Malformed { call: format!("GET {path}"), message: "no run id".into() })
    }

    /// `GET /repos/{repo}/actions/runs?event=workflow_dispatch`: the newest dispatched runs.
    pub async fn dispatched_runs(&self, repo: &str, limit: u32) -> Result<Vec<Run>, ApiError> {
        let value: serde_json::Value =
            self.get_json(&format!("/repos/{repo}/actions/runs?event=workflow_dispatch&limit={limit}")).await?;
        let runs = value.get("workflow_runs").and_then(|r| r.as_array()).cloned().unwrap_or_default();
        Ok(runs.iter().filter_map(Run::from_json).collect())
    }

    /// `GET /repos/{repo}/actions/tasks`: the newest 50 tasks.
    pub async fn tasks(&self, repo: &str) -> Result<Vec<Task>, ApiError> {
        let value: serde_json::Value = self.get_json(&format!("/repos/{repo}/actions/tasks?limit=50")).await?;
        let tasks = value.get("workflow_runs").and_then(|r| r.as_array()).cloned().unwrap_or_default();
        Ok(tasks
            .iter()
            .filter_map(|t| {
                let run = Run::from_json(t)?;
                Some(Task {
                    id: run.id,
                    run_number: t.get("run_number")?.as_u64()?,
                    workflow_id: t.get("workflow_id").and_then(|w| w.as_str()).unwrap_or("").to_string(),
                    state: run.state,
                })
            })
            .collect())
    }

    /// `POST /repos/{repo}/statuses/{sha}`.
    pub async fn create_status(&self, repo: &str, sha: &str, status: &StatusOptions) -> Result<(), ApiError> {
        let body = serde_json::to_string(status).unwrap_or_default();
        self.request("POST", &format!("/repos/{repo}/statuses/{sha}"), Some(body)).await.map(|_| ())
    }
}

/// `Ok` for a 2xx response, else the status with the server's `message`.
fn check_status(method: &str, path: &str, response: HttpResponse) -> Result<HttpResponse, ApiError> {
    if (200..300).contains(&response.status) {
        return Ok(response);
    }
    let message = serde_json::from_str::<serde_json::Value>(&response.body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_default();
    Err(ApiError::Status {
        call: format!("{method} {}", path.split('?').next().unwrap_or(path)),
        status: response.status,
        message,
    })
}

fn parse_body<T: DeserializeOwned>(call: &str, response: &HttpResponse) -> Result<T, ApiError> {
    serde_json::from_str(&response.body).map_err(|e| ApiError::Malformed {
        call: call.split('?').next().unwrap_or(call).to_string(),
        message: e.to_string(),
    })
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
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_and_jittered() {
        assert_eq!(backoff_ms(1, 500, 5_000, 1000), 1_000);
        assert_eq!(backoff_ms(3, 500, 5_000, 1000), 4_000);
        assert_eq!(backoff_ms(10, 500, 5_000, 1000), 5_000);
        assert_eq!(backoff_ms(10, 500, 5_000, 0), 0);
        assert_eq!(backoff_ms(2, 500, 5_000, 500), 1_000);
    }

    #[test]
    fn encoding_keeps_slashes_in_paths_only() {
        assert_eq!(encode_path("dev/my chart/Chart.yaml"), "dev/my%20chart/Chart.yaml");
        assert_eq!(encode_query("feature/x"), "feature%2Fx");
    }

    #[test]
    fn rfc3339_times() {
        assert_eq!(rfc3339_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(rfc3339_ms("2026-11-26T14:08:54Z"), Some(1_795_702_134_000.0));
        assert_eq!(rfc3339_ms("2026-11-26T16:08:54.123+02:00"), Some(1_795_702_134_000.0));
        assert_eq!(rfc3339_ms("yesterday"), None);
    }

    #[test]
    fn retry_after_seconds() {
        let mut r = HttpResponse::default();
        r.headers.insert("retry-after".into(), "3".into());
        assert_eq!(retry_after_ms(&r), Some(3_000));
        r.headers.insert("retry-after".into(), "Wed, 21 Oct 2015 07:28:00 GMT".into());
        assert_eq!(retry_after_ms(&r), None);
    }

    #[test]
    fn unknown_outcomes() {
        let net = ApiError::Network { call: "PUT x".into(), message: "reset".into() };
        assert!(net.outcome_unknown());
        let conflict = ApiError::Status { call: "PUT x".into(), status: 422, message: String::new() };
        assert!(!conflict.outcome_unknown());
        assert!(ApiError::Status { call: "PUT x".into(), status: 502, message: String::new() }.outcome_unknown());
    }
}
