//! `mode: update`: the GitOps side. Reads the file through the contents API, applies the
//! expression with the engine, and writes it back with the blob sha (compare-and-swap), so
//! concurrent updates never overwrite each other; retries conflicts; makes at most one commit
//! per `dispatch_id` (recorded as a commit trailer), however often the run is repeated or a
//! response is lost.

use serde::Serialize;

use crate::engine::{self, Change};
use crate::forge::{backoff_ms, ApiError, CommitInfo, CommitRef, FileChange, FileContent, Forge, StatusOptions};
use crate::host::{Clock, Http, Level, Log};
use crate::settings::UpdateSettings;

use super::apply::{edit_failure, unified_diff};
use super::{Failure, Outcome};

/// How many times a conflicting or unanswered write is retried before the step fails.
pub const MAX_WRITE_ATTEMPTS: u32 = 8;
/// The trailer that carries the dispatch id.
pub const DISPATCH_TRAILER: &str = "Gitops-Dispatch-Id";
/// How many pages (of 50) of the file's history are searched for an earlier commit of the same
/// dispatch: a re-run or a lost answer comes minutes later, not 50 updates of the file later.
const HISTORY_PAGES: u32 = 1;

/// How an update ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A commit was made (or an earlier run of the same dispatch made it).
    Success,
    /// The files already held the values; no commit.
    Unchanged,
    /// A newer version is already there; no commit.
    Superseded,
    /// The update failed.
    Failure,
}

impl Status {
    /// The name used in outputs and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Unchanged => "unchanged",
            Status::Superseded => "superseded",
            Status::Failure => "failure",
        }
    }
}

/// The commit message: the seed's subject, which files and expressions, and the trailers.
pub fn commit_message(settings: &UpdateSettings) -> String {
    let mut message = format!("[skip ci] gitops: update version to {}\n\n", settings.version);
    for edit in &settings.edits {
        message.push_str(&format!("Updated {} with: {}\n", edit.file, edit.expression_text.trim()));
    }
    let trailers = [
        (DISPATCH_TRAILER, &settings.dispatch_id),
        ("Gitops-Source-Repo", &settings.source_repo),
        ("Gitops-Source-Commit", &settings.source_commit),
        ("Gitops-Tag-Prefix", &settings.tag_prefix),
    ];
    let mut first = true;
    for (name, value) in trailers {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            if first {
                message.push('\n');
                first = false;
            }
            message.push_str(&format!("{name}: {value}\n"));
        }
    }
    message
}

/// The value of trailer `name` in a commit message (the last paragraph's `Name: value` lines).
pub fn trailer<'m>(message: &'m str, name: &str) -> Option<&'m str> {
    let last_paragraph = message.trim_end().rsplit("\n\n").next()?;
    last_paragraph.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// The first commit in `commits` made for `dispatch_id`.
pub fn find_dispatch_commit<'c>(commits: &'c [CommitInfo], dispatch_id: &str) -> Option<&'c CommitInfo> {
    commits.iter().find(|c| trailer(&c.commit.message, DISPATCH_TRAILER) == Some(dispatch_id))
}

/// A semantic version, from a value or the tag after its last `:` (`repo/app:v1.2.3`).
fn semver_of(value: &str) -> Option<semver::Version> {
    [value, value.rsplit(':').next().unwrap_or(value)]
        .into_iter()
        .find_map(|v| semver::Version::parse(v.strip_prefix('v').unwrap_or(v)).ok())
}

/// The newer value already in place when a change would lower a semantic version.
pub fn downgrade(changes: &[Change]) -> Option<String> {
    changes.iter().find_map(|c| {
        let (old, new) = (c.old.as_deref()?, c.new.as_deref()?);
        (semver_of(new)? < semver_of(old)?).then(|| old.to_string())
    })
}

/// What was computed for one attempt: per file, what was read and what to write.
struct Planned {
    file: String,
    read: FileContent,
    bytes: Vec<u8>,
    changes: Vec<Change>,
}

/// The result reported in outputs.
struct Report {
    status: Status,
    commit: Option<CommitRef>,
    diff: String,
    detail: String,
}

/// Runs the update.
pub async fn run<H: Http + Clock + Log>(settings: &UpdateSettings, host: &H) -> Outcome {
    let forge = Forge::new(&settings.server.api_url, &settings.token, host);
    let result = update(settings, &forge, host).await;
    host.log(Level::Debug, &format!("{} API calls", forge.calls()));
    let component = component_name(&settings.repo, settings.tag_prefix.as_deref());
    let (report, failure) = match result {
        Ok(report) => (report, None),
        Err(failure) => (
            Report { status: Status::Failure, commit: None, diff: String::new(), detail: failure.message.clone() },
            Some(failure),
        ),
    };
    let sha = report.commit.as_ref().map_or("", |c| c.sha.as_str());
    let url = report.commit.as_ref().map_or(String::new(), |c| c.page(&settings.server.web_url, &settings.repo));
    let mut outcome = Outcome { ok: failure.is_none(), error: failure, ..Outcome::default() };
    let outputs = [
        ("status", report.status.as_str().to_string()),
        ("commit_sha", sha.to_string()),
        ("commit_url", url.clone()),
        ("changed", (report.status == Status::Success && !report.diff.is_empty()).to_string()),
        ("diff", report.diff.clone()),
        ("summary", format!("{component}|{}|{}|{sha}|{}", settings.version, report.status.as_str(), settings.repo)),
    ];
    outcome.outputs = outputs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    outcome.summary = summary(settings, &report, &url);
    outcome
}

/// `repo name` or `repo name-prefix` (the prefix without slashes).
pub fn component_name(repo: &str, prefix: Option<&str>) -> String {
    let name = repo.rsplit('/').next().unwrap_or(repo);
    match prefix.map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) {
        Some(prefix) => format!("{name}-{}", prefix.replace('/', "-")),
        None => name.to_string(),
    }
}

async fn update<H: Http + Clock + Log>(
    settings: &UpdateSettings,
    forge: &Forge<'_, H>,
    host: &H,
) -> Result<Report, Failure> {
    let repo = &settings.repo;
    let branch = settings.branch.as_deref();
    let branch_name = branch.unwrap_or("the default branch");
    let message = commit_message(settings);
    // Exactly once: a commit of this dispatch may already exist (a re-run), or appear after a
    // write whose answer was lost; a rejected write (conflict) made none.
    let mut check_history = true;
    for attempt in 1..=MAX_WRITE_ATTEMPTS {
        let plan = plan(settings, forge).await?;
        if let Some(id) = settings.dispatch_id.as_ref().filter(|_| check_history) {
            if let Some(commit) = earlier_commit(settings, forge, &plan, id).await? {
                host.info(&format!("{id} was already committed as {}; not writing again", commit.sha));
                return Ok(Report {
                    status: Status::Success,
                    commit: Some(commit),
                    diff: String::new(),
                    detail: "already committed by an earlier run of this dispatch".into(),
                });
            }
        }
        if plan.iter().all(|p| p.changes.is_empty()) {
            let commit = last_commit_touching(settings, forge, &plan[0]).await?;
            host.info(&format!("{branch_name} already has version {}; nothing to commit", settings.version));
            return Ok(Report {
                status: Status::Unchanged,
                commit,
                diff: String::new(),
                detail: "the files already hold these values".into(),
            });
        }
        let changes: Vec<Change> = plan.iter().flat_map(|p| p.changes.iter().cloned()).collect();
        if settings.monotonic {
            if let Some(newer) = downgrade(&changes) {
                let detail = format!("{newer} is newer than {} and stays (monotonic: true)", settings.version);
                host.info(&detail);
                let commit = last_commit_touching(settings, forge, &plan[0]).await?;
                return Ok(Report { status: Status::Superseded, commit, diff: String::new(), detail });
            }
        }
        let written = if let [one] = plan.as_slice() {
            forge.update_file(repo, &one.file, branch, &message, &one.bytes, &one.read.sha).await
        } else {
            let files: Vec<FileChange> = plan
                .iter()
                .map(|p| FileChange {
                    operation: "update",
                    path: p.file.clone(),
                    content: crate::forge::encode_base64(&p.bytes),
                    sha: p.read.sha.clone(),
                })
                .collect();
            forge.change_files(repo, branch, &message, &files).await
        };
        check_history = matches!(&written, Err(e) if e.outcome_unknown());
        let retry_reason = match written {
            Ok(commit) => {
                let diff: String = plan.iter().map(|p| unified_diff(&p.file, &p.read.bytes, &p.bytes)).collect();
                host.log(Level::Group, "Diff");
                host.info(&diff);
                host.log(Level::EndGroup, "");
                set_status(settings, forge, host, &commit).await;
                return Ok(Report {
                    status: Status::Success,
                    commit: Some(commit),
                    diff,
                    detail: format!("committed to {branch_name}"),
                });
            }
            Err(e) if is_conflict(&e) => format!("the file changed since it was read ({e})"),
            Err(e) if e.outcome_unknown() => format!("the write's outcome is unknown ({e})"),
            Err(e) => return Err(write_failure(settings, e)),
        };
        if attempt == MAX_WRITE_ATTEMPTS {
            return Err(Failure::message(format!(
                "gave up after {MAX_WRITE_ATTEMPTS} attempts to commit to {repo} ({branch_name}): {retry_reason}; \
                 other updates keep landing first: re-run the step"
            )));
        }
        let wait = backoff_ms(attempt, 250, 4_000, host.random_below(1001));
        host.info(&format!("attempt {attempt}: {retry_reason}; re-reading and retrying in {wait} ms"));
        host.sleep(wait).await;
    }
    unreachable!("the loop returns on its last attempt")
}

/// A stale blob sha: Gitea answers 422 ("sha does not match"), Forgejo 409.
fn is_conflict(error: &ApiError) -> bool {
    match error {
        ApiError::Status { status: 409, .. } => true,
        ApiError::Status { status: 422, message, .. } => message.to_ascii_lowercase().contains("sha"),
        _ => false,
    }
}

fn write_failure(settings: &UpdateSettings, error: ApiError) -> Failure {
    let repo = &settings.repo;
    Failure::message(match error.status() {
        Some(401) => format!("the token was refused by the server ({error}): check input 'token'"),
        Some(403) => format!(
            "the token cannot write to {repo} ({error}): give it write access to the repository's code \
             (the run's own token can write only to its own repository)"
        ),
        Some(404) => format!("{repo} or its branch was not found ({error}): check inputs 'repo' and 'branch'"),
        _ => format!("cannot commit to {repo}: {error}"),
    })
}

/// Reads every file and computes its new bytes.
async fn plan<H: Http + Clock>(settings: &UpdateSettings, forge: &Forge<'_, H>) -> Result<Vec<Planned>, Failure> {
    let branch = settings.branch.as_deref();
    let mut plan: Vec<Planned> = Vec::new();
    for edit in &settings.edits {
        let (read, current) = match plan.iter().position(|p| p.file == edit.file) {
            Some(i) => (plan[i].read.clone(), plan[i].bytes.clone()),
            None => {
                let read = forge.file(&settings.repo, &edit.file, branch).await.map_err(|e| read_failure(settings, e))?.ok_or_else(|| {
                    Failure::message(format!(
                        "file not found: {} on {} of {}; check input 'file' (paths are relative to the repository root)",
                        edit.file,
                        branch.unwrap_or("the default branch"),
                        settings.repo
                    ))
                })?;
                let bytes = read.bytes.clone();
                (read, bytes)
            }
        };
        let edited = engine::edit(&current, &edit.expression, &settings.vars, edit.json)
            .map_err(|e| edit_failure(&edit.file, &edit.expression_text, e))?;
        match plan.iter_mut().find(|p| p.file == edit.file) {
            Some(p) => {
                p.bytes = edited.bytes;
                p.changes.extend(edited.changes);
            }
            None => plan.push(Planned { file: edit.file.clone(), read, bytes: edited.bytes, changes: edited.changes }),
        }
    }
    Ok(plan)
}

fn read_failure(settings: &UpdateSettings, error: ApiError) -> Failure {
    let repo = &settings.repo;
    Failure::message(match error.status() {
        Some(401) => format!("the token was refused by the server ({error}): check input 'token'"),
        Some(403) => format!("the token cannot read {repo} ({error}): give it access to the repository"),
        _ => format!("cannot read from {repo}: {error}"),
    })
}

/// An earlier commit of this dispatch: the file's last commit (which the contents API names)
/// or one in the recent history of the first file.
async fn earlier_commit<H: Http + Clock>(
    settings: &UpdateSettings,
    forge: &Forge<'_, H>,
    plan: &[Planned],
    id: &str,
) -> Result<Option<CommitRef>, Failure> {
    let first = &plan[0].read;
    if let (Some(sha), Some(message)) = (&first.last_commit_sha, &first.last_commit_message) {
        if trailer(message, DISPATCH_TRAILER) == Some(id) {
            return Ok(Some(CommitRef { sha: sha.clone(), html_url: String::new() }));
        }
    }
    for page in 1..=HISTORY_PAGES {
        let commits = forge
            .commits(&settings.repo, settings.branch.as_deref(), Some(&plan[0].file), page, 50)
            .await
            .map_err(|e| read_failure(settings, e))?;
        if let Some(found) = find_dispatch_commit(&commits, id) {
            return Ok(Some(CommitRef { sha: found.sha.clone(), html_url: found.html_url.clone() }));
        }
        if commits.len() < 50 {
            break;
        }
    }
    Ok(None)
}

/// The commit that last touched the planned file.
async fn last_commit_touching<H: Http + Clock>(
    settings: &UpdateSettings,
    forge: &Forge<'_, H>,
    planned: &Planned,
) -> Result<Option<CommitRef>, Failure> {
    if let Some(sha) = &planned.read.last_commit_sha {
        return Ok(Some(CommitRef { sha: sha.clone(), html_url: String::new() }));
    }
    let commits = forge
        .commits(&settings.repo, settings.branch.as_deref(), Some(&planned.file), 1, 1)
        .await
        .map_err(|e| read_failure(settings, e))?;
    Ok(commits.first().map(|c| CommitRef { sha: c.sha.clone(), html_url: c.html_url.clone() }))
}

/// Marks the new commit with `gitops/update`, linking to the source commit. A failure here is
/// a warning: the commit is what matters.
async fn set_status<H: Http + Clock + Log>(
    settings: &UpdateSettings,
    forge: &Forge<'_, H>,
    host: &H,
    commit: &CommitRef,
) {
    let web = &settings.server.web_url;
    let (target_url, description) = match (&settings.source_repo, &settings.source_commit) {
        (Some(repo), Some(sha)) => {
            (format!("{web}/{repo}/commit/{sha}"), format!("{repo}@{}", &sha[..sha.len().min(7)]))
        }
        (Some(repo), None) => (format!("{web}/{repo}"), repo.clone()),
        _ => (commit.page(web, &settings.repo), format!("version {}", settings.version)),
    };
    let status = StatusOptions { state: "success".into(), target_url, description, context: "gitops/update".into() };
    if let Err(e) = forge.create_status(&settings.repo, &commit.sha, &status).await {
        host.warning(&format!("the commit landed, but its gitops/update status could not be set: {e}"));
    }
}

fn summary(settings: &UpdateSettings, report: &Report, url: &str) -> String {
    let mut out = format!("### gitops-action: update {}\n\n", settings.repo);
    let commit = match &report.commit {
        Some(c) if !url.is_empty() => format!("[`{}`]({url})", &c.sha[..c.sha.len().min(7)]),
        _ => "—".into(),
    };
    out.push_str("| Status | Version | Commit | Detail |\n|---|---|---|---|\n");
    out.push_str(&format!(
        "| {} | `{}` | {commit} | {} |\n",
        report.status.as_str(),
        settings.version,
        report.detail.replace('|', "\\|")
    ));
    if let (Some(repo), Some(sha)) = (&settings.source_repo, &settings.source_commit) {
        out.push_str(&format!(
            "\nRequested by [{repo}@{}]({}/{repo}/commit/{sha}).\n",
            &sha[..sha.len().min(7)],
            settings.server.web_url
        ));
    }
    if !report.diff.is_empty() {
        out.push_str(&format!("\n```diff\n{}```\n", report.diff));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::CommitDetail;

    fn change(old: &str, new: &str) -> Change {
        Change { path: ".version".into(), old: Some(old.into()), new: Some(new.into()), line: 1, document: 0 }
    }

    #[test]
    fn trailers_are_read_from_the_last_paragraph() {
        let message = "[skip ci] gitops: update version to 1.2.3\n\nUpdated a with: .a = 1\n\nGitops-Dispatch-Id: r1-2-x\nGitops-Source-Repo: o/r\n";
        assert_eq!(trailer(message, DISPATCH_TRAILER), Some("r1-2-x"));
        assert_eq!(trailer("subject\n\nGitops-Dispatch-Id: a\n\nbody", DISPATCH_TRAILER), None);
        let commits = vec![CommitInfo {
            sha: "abc".into(),
            html_url: String::new(),
            commit: CommitDetail { message: message.into() },
            created: String::new(),
        }];
        assert_eq!(find_dispatch_commit(&commits, "r1-2-x").map(|c| c.sha.as_str()), Some("abc"));
        assert!(find_dispatch_commit(&commits, "r1-2").is_none());
    }

    #[test]
    fn downgrades_are_detected_on_semver_values_only() {
        assert_eq!(downgrade(&[change("1.2.4", "1.2.3")]), Some("1.2.4".into()));
        assert_eq!(downgrade(&[change("repo/app:v2.0.0", "repo/app:v1.9.9")]), Some("repo/app:v2.0.0".into()));
        assert_eq!(downgrade(&[change("1.2.3", "1.2.4")]), None);
        assert_eq!(downgrade(&[change("latest", "1.0.0")]), None);
        assert_eq!(downgrade(&[change("1.2.3", "1.2.3-rc.1")]), Some("1.2.3".into()));
    }

    #[test]
    fn component_names() {
        assert_eq!(component_name("niko/agent-platform-gitops", None), "agent-platform-gitops");
        assert_eq!(component_name("niko/agent-platform-gitops", Some("docker/")), "agent-platform-gitops-docker");
    }
}
