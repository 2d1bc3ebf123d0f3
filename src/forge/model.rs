//! The API's objects as the modes use them, read from either server's JSON. Field names follow
//! the Swagger specs (Gitea 1.26.4, Forgejo 15.0.3); where releases differ, the reading cites
//! the server code it follows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::gitops::is_commit_sha;
use crate::sorting::string_map;

/// `GET /version`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ServerVersion {
    /// `1.26.4`, `12.0.1+gitea-1.22.0`, …
    pub version: String,
}

/// The parts of `Repository` the modes use.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Repository {
    /// `main`.
    #[serde(default)]
    pub default_branch: String,
    /// The repository's web page, from the server's public URL (`ROOT_URL`).
    #[serde(default)]
    pub html_url: String,
}

/// The web base of a server (`https://git.example`), from a page of repository `repo` on it
/// (`https://git.example/org/app/src/branch/main/x`): links for people come from the API's
/// `html_url` fields, never from the runner's address, which is often an internal one.
pub(crate) fn web_base(html_url: &str, repo: &str) -> Option<String> {
    let at = html_url.find(&format!("/{repo}"))?;
    let rest = &html_url[at + 1 + repo.len()..];
    (rest.is_empty() || rest.starts_with('/')).then(|| html_url[..at].to_string())
}

/// A file read through the contents API.
#[derive(Clone, Debug)]
pub(crate) struct FileContent {
    /// The blob sha, for compare-and-swap writes.
    pub sha: String,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// The file's web page.
    pub html_url: String,
    /// The last commit that touched the file (`last_commit_sha`, every release).
    pub last_commit_sha: Option<String>,
}

/// `ContentsResponse` as `GET /contents/{path}` answers for a file.
#[derive(Deserialize)]
pub(crate) struct ContentsResponse {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub sha: String,
    #[serde(default)]
    pub size: Option<u64>,
    /// Gitea answers `null` and Forgejo `""` above `[api] DEFAULT_MAX_BLOB_SIZE`
    /// (services/repository/files/content.go GetBlobBySHA @v1.25.5, @v12.0.4).
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub last_commit_sha: Option<String>,
}

/// The commit a write made, or one found in the history.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub(crate) struct CommitRef {
    /// The commit sha.
    pub sha: String,
    /// Its web page (empty when the server named none).
    #[serde(default)]
    pub html_url: String,
}

impl CommitRef {
    /// Whether the server gave a usable commit id (a write answered with an empty or malformed
    /// sha has not been shown to have landed).
    pub fn has_valid_sha(&self) -> bool {
        is_commit_sha(&self.sha)
    }
}

/// `FileResponse` / `FilesResponse`: the commit a write made.
#[derive(Deserialize)]
pub(crate) struct WriteResponse {
    pub commit: CommitRef,
}

/// One file of a multi-file commit (`ChangeFileOperation`).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ChangeFileOperation {
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
pub(crate) struct CommitInfo {
    /// The sha.
    pub sha: String,
    /// Its web page.
    #[serde(default)]
    pub html_url: String,
    /// The commit's message.
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

    /// The commit as a reference.
    pub fn to_ref(&self) -> CommitRef {
        CommitRef { sha: self.sha.clone(), html_url: self.html_url.clone() }
    }
}

/// `RepoCommit`: the part of a listed commit the modes read.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct CommitDetail {
    /// The full message.
    #[serde(default)]
    pub message: String,
}

/// Parses an RFC 3339 time (`2026-11-26T14:08:54Z`, `…+02:00`, fractions ignored) to
/// milliseconds since the epoch.
pub(crate) fn rfc3339_ms(text: &str) -> Option<f64> {
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

/// `CreateStatusOption`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct StatusOptions {
    /// `pending`, `success`, `error`, `failure` or `warning`.
    pub state: &'static str,
    /// The link shown beside the status.
    pub target_url: String,
    /// A short text.
    pub description: String,
    /// The status's name.
    pub context: String,
}

/// What a dispatch returned about the run it started, where the server says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DispatchedRun {
    /// The run id (Gitea `workflow_run_id`, Forgejo `id`).
    pub id: Option<u64>,
    /// The run's web page (Gitea 1.26).
    pub html_url: Option<String>,
    /// The run number (Forgejo `run_number`: the run's index in its repository).
    pub run_number: Option<u64>,
}

/// How a finished run or task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Conclusion {
    /// `success`.
    Success,
    /// `failure`.
    Failure,
    /// `cancelled`.
    Cancelled,
    /// `skipped`.
    Skipped,
}

impl Conclusion {
    fn parse(text: &str) -> Option<Conclusion> {
        Some(match text {
            "success" => Conclusion::Success,
            "failure" => Conclusion::Failure,
            "cancelled" => Conclusion::Cancelled,
            "skipped" => Conclusion::Skipped,
            _ => return None,
        })
    }

    /// The server's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Success => "success",
            Conclusion::Failure => "failure",
            Conclusion::Cancelled => "cancelled",
            Conclusion::Skipped => "skipped",
        }
    }
}

/// Where a run or task is, over Gitea's `status`+`conclusion` (queued|waiting|in_progress|
/// completed) and Forgejo's single `status` (unknown|waiting|running|success|…|blocked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunState {
    /// Queued, waiting or blocked.
    Waiting,
    /// Running.
    Running,
    /// Finished.
    Completed(Conclusion),
}

impl RunState {
    fn from_json(value: &serde_json::Value) -> RunState {
        let text = |k: &str| value.get(k).and_then(|v| v.as_str()).unwrap_or("");
        match text("status") {
            "in_progress" | "running" => RunState::Running,
            "completed" => RunState::Completed(Conclusion::parse(text("conclusion")).unwrap_or(Conclusion::Success)),
            other => Conclusion::parse(other).map_or(RunState::Waiting, RunState::Completed),
        }
    }
}

/// A workflow run as the modes see it (Gitea `ActionWorkflowRun`, Forgejo `ActionRun`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    /// The run id.
    pub id: u64,
    /// Its web page.
    pub html_url: String,
    /// Gitea's `display_title` (the evaluated `run-name` from 1.25) or Forgejo's `title`.
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
        let inputs = value
            .get("event_payload")
            .and_then(|p| p.as_str())
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .and_then(|p| p.get("inputs").cloned())
            .and_then(|i| i.as_object().cloned())
            .map(|o| string_map(o.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))))
            .unwrap_or_default();
        let title = if value.get("display_title").is_some() { text("display_title") } else { text("title") };
        Some(Run {
            id: value.get("id")?.as_u64()?,
            html_url: text("html_url"),
            title,
            inputs,
            state: RunState::from_json(value),
        })
    }
}

/// A job of a workflow run that a runner has picked up (`ActionTask`, every release: a job
/// still waiting for a runner has no task; services/convert/convert.go ToActionTask @v1.25.5,
/// models/actions/task.go CreateTaskForRunner).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Task {
    /// The task id (grows with every new task; the list is newest first).
    pub id: u64,
    /// The index of its run in the repository (Forgejo 11's dispatch answer names it).
    pub run_number: u64,
    /// The run's title: its evaluated `run-name` on Gitea 1.25+.
    pub display_title: String,
    /// The workflow file name.
    pub workflow_id: String,
    /// The branch it ran on.
    pub head_branch: String,
    /// The run's web page (from the server's public URL).
    pub url: String,
    /// Where it is.
    pub state: RunState,
}

impl Task {
    /// Reads a task from either server's JSON.
    pub fn from_json(value: &serde_json::Value) -> Option<Task> {
        let text = |k: &str| value.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        Some(Task {
            id: value.get("id")?.as_u64()?,
            run_number: value.get("run_number")?.as_u64()?,
            display_title: text("display_title"),
            workflow_id: text("workflow_id"),
            head_branch: text("head_branch"),
            url: text("url"),
            state: RunState::from_json(value),
        })
    }
}

/// Whether a run's title or recorded inputs carry the dispatch id `id` as a whole word.
pub(crate) fn names_dispatch(title: &str, inputs: &BTreeMap<String, String>, id: &str) -> bool {
    inputs.get("dispatch_id").map(String::as_str) == Some(id)
        || title.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).any(|w| w == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times() {
        assert_eq!(rfc3339_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(rfc3339_ms("2026-11-26T14:08:54Z"), Some(1_795_702_134_000.0));
        assert_eq!(rfc3339_ms("2026-11-26T16:08:54.123+02:00"), Some(1_795_702_134_000.0));
        assert_eq!(rfc3339_ms("yesterday"), None);
    }

    #[test]
    fn web_bases_come_from_html_urls() {
        assert_eq!(web_base("https://git.example/org/app", "org/app").as_deref(), Some("https://git.example"));
        assert_eq!(
            web_base("https://git.example/sub/org/app/src/branch/main/x", "org/app").as_deref(),
            Some("https://git.example/sub")
        );
        assert_eq!(web_base("https://git.example/org/application", "org/app"), None);
    }

    #[test]
    fn states_over_both_servers() {
        let state = |json: &str| RunState::from_json(&serde_json::from_str(json).unwrap());
        assert_eq!(state(r#"{"status":"completed","conclusion":"failure"}"#), RunState::Completed(Conclusion::Failure));
        assert_eq!(state(r#"{"status":"in_progress"}"#), RunState::Running);
        assert_eq!(state(r#"{"status":"cancelled"}"#), RunState::Completed(Conclusion::Cancelled));
        assert_eq!(state(r#"{"status":"blocked"}"#), RunState::Waiting);
    }

    #[test]
    fn runs_are_matched_by_id_never_by_recency() {
        let none = BTreeMap::new();
        assert!(names_dispatch("GitOps (app-12-1-build-a1b2c3)", &none, "app-12-1-build-a1b2c3"));
        assert!(!names_dispatch("GitOps (app-12-1-build-a1b2c3d)", &none, "app-12-1-build-a1b2c3"));
        let inputs = BTreeMap::from([("dispatch_id".to_string(), "x-1".to_string())]);
        assert!(names_dispatch("GitOps Update", &inputs, "x-1"));
    }

    #[test]
    fn commit_shas_are_checked() {
        assert!(CommitRef { sha: "0123456789abcdef0123456789abcdef01234567".into(), html_url: String::new() }
            .has_valid_sha());
        assert!(!CommitRef { sha: String::new(), html_url: String::new() }.has_valid_sha());
    }
}
