//! `mode: update`: the GitOps side. Reads the files through the contents API, applies the
//! expressions with the engine, checks the result against the repository's policy, and writes
//! it back with the blob sha (compare-and-swap), so concurrent updates never overwrite each
//! other; retries conflicts; makes at most one commit per `dispatch_id` (recorded as a commit
//! trailer), however often the run is repeated or a response is lost; never runs past its
//! `timeout`.

use crate::engine::{self, Change};
use crate::forge::{
    backoff_ms, encode_base64, shorten, web_base, ApiError, ChangeFileOperation, CommitRef, FileContent, Forge,
    PullLink, StatusOptions,
};
use crate::gitops::summary::{Status, SummaryLine};
use crate::gitops::trailers::{trailer, CommitMessage, DISPATCH_ID};
use crate::gitops::version::downgrade;
use crate::gitops::{component_name, markdown, short_sha};
use crate::host::{both, Clock, Http, Level, Log};
use crate::secrets::Secrets;
use crate::settings::{Strategy, UpdateSettings};
use crate::unified_diff::unified_diff;

use super::{capped, edit_failure, Failure, Outcome, Output, MAX_OUTPUT_BYTES};

/// How many times a conflicting or unanswered write is retried before the step fails.
pub const MAX_WRITE_ATTEMPTS: u32 = 8;
/// How many pages (of 50) of the file's history are searched for an earlier commit of the same
/// dispatch: a re-run or a lost answer comes minutes later, not 50 updates of the file later.
const HISTORY_PAGES: u32 = 1;

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
    /// The pull request, with `strategy: pull_request`.
    pull: Option<PullLink>,
    diff: String,
    detail: String,
}

/// Runs the update.
pub async fn run<H: Http + Clock + Log>(settings: &UpdateSettings, host: &H, secrets: &Secrets) -> Outcome {
    let deadline = host.now_ms() + settings.timeout_ms as f64;
    let forge = Forge::new(&settings.server.api_url, &settings.token, host, secrets).with_deadline(deadline);
    let mut web = settings.server.web_url.clone();
    let result = match refused_file(settings) {
        Some(failure) => Err(failure),
        None => match &settings.strategy {
            Strategy::Commit => update(settings, &forge, host, &mut web).await,
            Strategy::PullRequest(options) => pull_request::promote(settings, options, &forge, host, &mut web).await,
        },
    };
    host.log(Level::Debug, &format!("{} API calls", forge.calls()));
    let (report, failure) = match result {
        Ok(report) => (report, None),
        Err(failure) => (
            Report {
                status: Status::Failure,
                commit: None,
                pull: None,
                diff: String::new(),
                detail: failure.message.clone(),
            },
            Some(failure),
        ),
    };
    let sha = report.commit.as_ref().map_or("", |c| c.sha.as_str());
    let url = report.commit.as_ref().map_or(String::new(), |c| commit_page(c, &web, &settings.repo));
    let line = SummaryLine {
        component: component(settings),
        version: settings.version.clone(),
        status: report.status.to_string(),
        commit_sha: sha.to_string(),
        repo: settings.repo.clone(),
    };
    let mut outcome = Outcome { ok: failure.is_none(), error: failure, ..Outcome::default() };
    outcome.output(Output::Status, report.status.as_str());
    outcome.output(Output::CommitSha, sha);
    outcome.output(Output::CommitUrl, url.clone());
    let changed = matches!(report.status, Status::Success | Status::PrOpened) && !report.diff.is_empty();
    outcome.output(Output::Changed, changed.to_string());
    if let Some(pull) = &report.pull {
        outcome.output(Output::PrUrl, pull.html_url.clone());
        outcome.output(Output::PrNumber, pull.number.to_string());
    }
    outcome.output(Output::Diff, report.diff.clone());
    outcome.output(Output::Summary, line.to_string());
    outcome.summary = summary(settings, &report, &url, &web);
    outcome
}

/// The file policy's refusal of an edit's file, before anything is read: file names alone
/// decide it (input 'allow', or the dot-folders it never covers by default).
fn refused_file(settings: &UpdateSettings) -> Option<Failure> {
    settings.edits.iter().find_map(|edit| {
        settings.allow.refusal(&edit.file).map(|why| {
            Failure::message(format!("refused by the GitOps repository's policy: {why}; nothing was written"))
        })
    })
}

/// The component the update is for, as dispatch names it: the consumer repository's name (the
/// GitOps repository's when no source is given), plus `-prefix` for a tag prefix.
fn component(settings: &UpdateSettings) -> String {
    component_name(settings.source_repo.as_deref().unwrap_or(&settings.repo), settings.tag_prefix.as_deref())
}

/// A commit's page: the server's `html_url`, else one built on the server's web base.
fn commit_page(commit: &CommitRef, web: &str, repo: &str) -> String {
    if commit.html_url.is_empty() {
        format!("{web}/{repo}/commit/{}", commit.sha)
    } else {
        commit.html_url.clone()
    }
}

async fn update<H: Http + Clock + Log>(
    settings: &UpdateSettings,
    forge: &Forge<'_, H>,
    host: &H,
    web: &mut String,
) -> Result<Report, Failure> {
    let repo = &settings.repo;
    let branch = settings.branch.as_deref();
    let branch_name = branch.unwrap_or("the default branch");
    let wanted = commit_message(settings);
    let message = wanted.to_string();
    // Exactly once: a commit of this dispatch may already exist (a re-run), or appear after a
    // write whose answer was lost; a rejected write (conflict) made none.
    let mut check_history = true;
    for attempt in 1..=MAX_WRITE_ATTEMPTS {
        // The files and the history are read at once: one round trip, not two.
        let (plan, earlier) = match settings.dispatch_id.as_deref().filter(|_| check_history) {
            Some(id) => {
                let (plan, earlier) = both(plan(settings, forge), earlier_commit(settings, forge, id)).await;
                (plan?, earlier?)
            }
            None => (plan(settings, forge).await?, None),
        };
        if let Some(base) = plan.iter().find_map(|p| web_base(&p.read.html_url, repo)) {
            *web = base;
        }
        if let Some(id) = settings.dispatch_id.as_ref() {
            if let Some((commit, recorded)) = earlier {
                if let Some(difference) = recorded.as_ref().and_then(|r| r.difference(&wanted)) {
                    return Err(Failure::message(format!(
                        "dispatch id {id} was already used by commit {} for a different update: {difference}; \
                         a dispatch id names one update: send a new one",
                        short_sha(&commit.sha)
                    )));
                }
                host.info(&format!("{id} was already committed as {}; not writing again", commit.sha));
                return Ok(Report {
                    status: Status::Success,
                    commit: Some(commit),
                    pull: None,
                    diff: String::new(),
                    detail: "already committed by an earlier run of this dispatch".into(),
                });
            }
        }
        if plan.iter().all(|p| p.changes.is_empty()) {
            host.info(&format!("{branch_name} already has version {}; nothing to commit", settings.version));
            return Ok(Report {
                status: Status::Unchanged,
                commit: last_commit(&plan[0]),
                pull: None,
                diff: String::new(),
                detail: "the files already hold these values".into(),
            });
        }
        let changes: Vec<Change> = plan.iter().flat_map(|p| p.changes.iter().cloned()).collect();
        if settings.monotonic {
            if let Some(newer) = downgrade(&changes) {
                let detail = format!("{newer} is newer than {} and stays (monotonic: true)", settings.version);
                host.info(&detail);
                return Ok(Report {
                    status: Status::Superseded,
                    commit: last_commit(&plan[0]),
                    pull: None,
                    diff: String::new(),
                    detail,
                });
            }
        }
        // The diff is made before the write, so a commit never lands without its report.
        let diff =
            capped(plan.iter().map(|p| unified_diff(&p.file, &p.read.bytes, &p.bytes)).collect(), MAX_OUTPUT_BYTES);
        let written = if let [one] = plan.as_slice() {
            forge.update_file(repo, &one.file, branch, &message, &one.bytes, &one.read.sha).await
        } else {
            forge.change_files(repo, branch, None, &message, &file_operations(&plan)).await
        };
        check_history = matches!(&written, Err(e) if e.outcome_unknown());
        let retry_reason = match written {
            Ok(commit) => {
                host.log(Level::Group, "Diff");
                host.info(&diff);
                host.log(Level::EndGroup, "");
                set_status(settings, forge, host, &commit, web).await;
                return Ok(Report {
                    status: Status::Success,
                    commit: Some(commit),
                    pull: None,
                    diff,
                    detail: format!("committed to {branch_name}"),
                });
            }
            Err(e) if is_conflict(&e) => format!("the file changed since it was read ({e})"),
            Err(e) if refusal(&e) == Some(Refusal::LockRace) => {
                format!("the server's push lost the race for the branch to another write ({e})")
            }
            Err(e) if e.outcome_unknown() => format!("the write's outcome is unknown ({e})"),
            Err(e @ ApiError::Malformed { .. }) => {
                // It may have landed: look for it in the history before writing again.
                check_history = true;
                format!("the server's answer to the write is not a commit ({e})")
            }
            Err(e) => return Err(write_failure(settings, forge, e).await),
        };
        if attempt == MAX_WRITE_ATTEMPTS {
            return Err(Failure::message(format!(
                "gave up after {MAX_WRITE_ATTEMPTS} attempts to commit to {repo} ({branch_name}): {retry_reason}; \
                 other updates keep landing first, or (a 500 every time) the server's own push is refused: Gitea \
                 1.24/1.25 and Forgejo answer 500, with the message hidden, when a git hook rejects it: re-run the step, \
                 and see the server's log"
            )));
        }
        let wait = backoff_ms(attempt, 250, 4_000, host.random_below(1001));
        host.info(&format!("attempt {attempt}: {retry_reason}; re-reading and retrying in {wait} ms"));
        if !forge.pause(wait).await {
            let written = if check_history { Written::Unknown } else { Written::Nothing };
            return Err(deadline_failure(settings, &retry_reason, written));
        }
    }
    unreachable!("the loop returns on its last attempt")
}

/// The planned files as one commit's operations (ChangeFiles).
fn file_operations(plan: &[Planned]) -> Vec<ChangeFileOperation> {
    plan.iter()
        .map(|p| ChangeFileOperation {
            operation: "update",
            path: p.file.clone(),
            content: encode_base64(&p.bytes),
            sha: p.read.sha.clone(),
        })
        .collect()
}

/// The commit message this update writes.
fn commit_message(settings: &UpdateSettings) -> CommitMessage {
    CommitMessage {
        version: settings.version.clone(),
        edits: settings.edits.iter().map(|e| (e.file.clone(), e.expression.source().to_string())).collect(),
        dispatch_id: settings.dispatch_id.clone(),
        source_repo: settings.source_repo.clone(),
        source_commit: settings.source_commit.clone(),
        tag_prefix: settings.tag_prefix.clone(),
    }
}

/// A stale blob sha: Gitea and Forgejo 11 answer 422 ("sha does not match"), Forgejo 12 409
/// (routers/api/v1/repo/file.go handleCreateOrUpdateFileError @v11.0.15, @v12.0.4).
fn is_conflict(error: &ApiError) -> bool {
    match error {
        ApiError::Status { status: 409, .. } => true,
        ApiError::Status { status: 422, message, .. } => message.to_ascii_lowercase().contains("does not match"),
        _ => false,
    }
}

/// Which check refused a write with 403.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Refusal {
    /// The token's user may not write the repository's code (the route's permission check, a
    /// token scope, or a run token's permissions).
    Permission,
    /// Branch protection does not let the user push to the branch: checked before the push in
    /// every release (services/repository/files/update.go VerifyBranchProtection →
    /// `user cannot commit to repo`, @v1.24.7–v1.26.4, @v11.0.15, @v12.0.4), and again by
    /// Gitea's pre-receive hook (routers/private/hook_pre_receive.go @v1.26.4 `Not allowed to
    /// push to protected branch`, `branch … is protected from …`).
    ProtectedBranch,
    /// Branch protection guards the file (`path is protected and can not be changed`, or the
    /// hook's `branch … is protected from changing file …`).
    ProtectedFile,
    /// Gitea 1.26: the internal push lost a race for the branch's ref lock with another
    /// writer (git's `cannot lock ref`, or `push is rejected` when git printed no `remote:`
    /// line): worth another attempt.
    LockRace,
    /// Gitea 1.26: a git hook on the server refused the push with this text.
    Hook(String),
}

/// How a 403 on a write reads. Gitea 1.26 answers 403 with the `remote:` lines of its internal
/// push when the push is rejected after every check passed, or `push is rejected` without any
/// (routers/api/v1/repo/file.go handleChangeRepoFilesError, modules/git/error.go
/// `ErrPushRejected.GenerateMessage` @v1.26.4); 1.24/1.25 and Forgejo answer 500 there.
fn refusal(error: &ApiError) -> Option<Refusal> {
    if error.status() != Some(403) {
        return None;
    }
    let message = error.server_message().trim();
    let m = message.to_ascii_lowercase();
    let has = |parts: &[&str]| parts.iter().any(|p| m.contains(p));
    Some(
        if m.is_empty() || has(&["permission", "user should", "token does not have", "scope", "not allowed to write"]) {
            Refusal::Permission
        } else if has(&["path is protected", "protected from changing file"]) {
            Refusal::ProtectedFile
        } else if has(&["cannot commit", "protected branch", "is protected from"]) {
            Refusal::ProtectedBranch
        } else if m == "push is rejected" || has(&["cannot lock ref", "failed to update ref", "failed to lock"]) {
            Refusal::LockRace
        } else {
            Refusal::Hook(message.to_string())
        },
    )
}

/// What is known of this step's writes when its time runs out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Written {
    /// Nothing was written.
    Nothing,
    /// A write was sent and its answer never came (or was not a commit): it may have landed.
    Unknown,
    /// Nothing is claimed (a pull request may be open).
    Unsaid,
}

fn deadline_failure(settings: &UpdateSettings, last: &str, written: Written) -> Failure {
    let known = match written {
        Written::Nothing => ", nothing was committed",
        Written::Unknown => {
            ", and the last write's outcome is unknown: it may have landed (a re-run with the same dispatch_id finds \
             it and does not write again)"
        }
        Written::Unsaid => "",
    };
    Failure::message(format!("gave up after {} s (input 'timeout'){known}: {last}", settings.timeout_ms / 1000))
}

/// A write the server refused, as the user's next step: which check refused it, on which
/// branch, and, when the token is the run's own, what limits that token.
async fn write_failure<H: Http + Clock>(settings: &UpdateSettings, forge: &Forge<'_, H>, error: ApiError) -> Failure {
    if matches!(error, ApiError::Deadline { .. }) {
        // Not sent: this write made nothing.
        return deadline_failure(settings, &error.to_string(), Written::Nothing);
    }
    let repo = &settings.repo;
    let branch = match &settings.branch {
        Some(branch) => branch.clone(),
        None => match forge.repository(repo).await {
            Ok(r) if !r.default_branch.is_empty() => r.default_branch,
            _ => "the default branch".to_string(),
        },
    };
    Failure::message(match (error.status(), refusal(&error)) {
        (Some(401), _) => format!("the token was refused by the server ({error}): check input 'token'"),
        (_, Some(Refusal::ProtectedBranch)) => format!(
            "branch {branch} of {repo} is protected: its protection rule does not let this token's user push to it \
             ({error}); nothing was written. Set `strategy: pull_request` to propose the change as a pull request, or \
             add the user to the rule's push allowlist"
        ),
        (_, Some(Refusal::ProtectedFile)) => format!(
            "the protection rule of branch {branch} in {repo} protects this file ({error}); nothing was written"
        ),
        (_, Some(Refusal::Hook(text))) => format!(
            "the server refused the push to branch {branch} of {repo}: a git hook (pre-receive or update) or the \
             branch's protection said {:?} ({error}); nothing was written. Ask the server's administrator, or change \
             what the hook checks",
            shorten(&text, 200)
        ),
        (Some(403), _) => {
            let run_token = forge.is_run_token().await;
            let own_repo = settings.job_repo.as_deref().is_some_and(|own| own.eq_ignore_ascii_case(repo));
            match (run_token, own_repo) {
                (true, true) => format!(
                    "the run's own token may not write to {repo} ({error}): on Gitea 1.26 the job's `permissions:` \
                     block must give `contents: write` (or `code: write`; `statuses:` and other scopes give no write), \
                     and the owner's or repository's Actions settings must not restrict run tokens to read \
                     (token_permission_mode: restricted, or max_token_permissions)"
                ),
                (true, false) => run_token_elsewhere(repo, &error.to_string()),
                (false, _) => format!(
                    "the token cannot write to {repo} ({error}): its user needs write access to the repository's code \
                     (a collaborator or a team with write), and a personal token the write:repository scope"
                ),
            }
        }
        (Some(404), _) if forge.is_run_token().await => run_token_elsewhere(repo, &error.to_string()),
        (Some(404), _) => format!(
            "{repo} or its branch {branch} was not found, or the token cannot see it ({error}): check inputs 'repo' and \
             'branch', and the token's access"
        ),
        _ => format!("cannot commit to {repo}: {error}"),
    })
}

/// Why a run's own token cannot use another repository (routers/api/v1/api.go repoAssignment
/// @v1.25.5, @v12.0.4: 404 for every request to another repository, reads included; Gitea 1.26
/// models/perm/access/repo_permission.go GetActionsUserRepoPermission: read only, and only of
/// public or allow-listed repositories).
fn run_token_elsewhere(repo: &str, answer: &str) -> String {
    format!(
        "{repo} is not this run's repository, and the run's own token cannot use it ({answer}): a run's token sees no \
         other repository (Gitea 1.26 lets it read public or allow-listed ones, never write); pass a token with write \
         access to {repo} in input 'token'"
    )
}

/// Reads every file, computes its new bytes, and checks the result against the policy.
async fn plan<H: Http + Clock>(settings: &UpdateSettings, forge: &Forge<'_, H>) -> Result<Vec<Planned>, Failure> {
    let mut plan: Vec<Planned> = Vec::new();
    for edit in &settings.edits {
        let (read, current) = match plan.iter().position(|p| p.file == edit.file) {
            Some(i) => (plan[i].read.clone(), plan[i].bytes.clone()),
            None => {
                let read = read_file(settings, forge, &edit.file).await?;
                let bytes = read.bytes.clone();
                (read, bytes)
            }
        };
        let edited = engine::edit(&current, &edit.expression, &settings.vars, edit.json)
            .map_err(|e| edit_failure(&edit.file, &edit.expression, e))?;
        for change in &edited.changes {
            if let Some(why) = change.leaves.iter().find_map(|leaf| settings.allow_paths.refusal(leaf)) {
                return Err(Failure::message(format!(
                    "refused by the GitOps repository's policy: the edit of {} changes {why}; nothing was written",
                    edit.file
                )));
            }
        }
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

async fn read_file<H: Http + Clock>(
    settings: &UpdateSettings,
    forge: &Forge<'_, H>,
    file: &str,
) -> Result<FileContent, Failure> {
    let repo = &settings.repo;
    let branch = settings.branch.as_deref();
    match forge.file(repo, file, branch).await {
        Ok(Some(read)) => Ok(read),
        Ok(None) => {
            // A 404 for the file: is the repository there for this token at all?
            let visible = forge.repository(repo).await.is_ok();
            if !visible && forge.is_run_token().await {
                return Err(Failure::message(run_token_elsewhere(repo, &format!("GET /repos/{repo} answered 404"))));
            }
            Err(Failure::message(if visible {
                format!(
                    "file not found: {file} on {} of {repo}; check input 'file' (paths are relative to the repository root)",
                    branch.unwrap_or("the default branch")
                )
            } else {
                format!(
                    "{repo} was not found, or the token cannot see it: check input 'repo'; a run's own token sees no other \
                     repository (pass a token with access)"
                )
            }))
        }
        Err(e @ ApiError::ContentWithheld { .. }) => {
            Err(Failure::message(format!("{file} cannot be edited through the API: {e}; nothing was written")))
        }
        Err(ApiError::Malformed { message, .. }) if message.contains("directory") => {
            Err(Failure::message(format!("input 'file': {message}: name a file in it")))
        }
        Err(e) => Err(read_failure(settings, e)),
    }
}

fn read_failure(settings: &UpdateSettings, error: ApiError) -> Failure {
    let repo = &settings.repo;
    Failure::message(match error.status() {
        Some(401) => format!("the token was refused by the server ({error}): check input 'token'"),
        Some(403) => format!("the token cannot read {repo} ({error}): give it access to the repository"),
        _ if matches!(error, ApiError::Deadline { .. }) => {
            return deadline_failure(settings, &error.to_string(), Written::Nothing);
        }
        _ => format!("cannot read from {repo}: {error}"),
    })
}

/// An earlier commit of this dispatch in the recent history of the first file, with what its
/// message records.
async fn earlier_commit<H: Http + Clock>(
    settings: &UpdateSettings,
    forge: &Forge<'_, H>,
    id: &str,
) -> Result<Option<(CommitRef, Option<CommitMessage>)>, Failure> {
    let file = &settings.edits[0].file;
    for page in 1..=HISTORY_PAGES {
        let commits = forge
            .commits(&settings.repo, settings.branch.as_deref(), Some(file), page, 50)
            .await
            .map_err(|e| read_failure(settings, e))?;
        let found = commits.iter().find(|c| trailer(&c.commit.message, DISPATCH_ID) == Some(id));
        if let Some(found) = found {
            return Ok(Some((found.to_ref(), CommitMessage::parse(&found.commit.message))));
        }
        if commits.len() < 50 {
            break;
        }
    }
    Ok(None)
}

/// The commit that last touched the planned file (the contents API names it).
fn last_commit(planned: &Planned) -> Option<CommitRef> {
    planned.read.last_commit_sha.clone().map(|sha| CommitRef { sha, html_url: String::new() })
}

/// Marks the new commit with `gitops/update`, linking to the source commit. A failure here is
/// a warning: the commit is what matters.
async fn set_status<H: Http + Clock + Log>(
    settings: &UpdateSettings,
    forge: &Forge<'_, H>,
    host: &H,
    commit: &CommitRef,
    web: &str,
) {
    let (target_url, description) = match (&settings.source_repo, &settings.source_commit) {
        (Some(repo), Some(sha)) => (format!("{web}/{repo}/commit/{sha}"), format!("{repo}@{}", short_sha(sha))),
        (Some(repo), None) => (format!("{web}/{repo}"), repo.clone()),
        _ => (commit_page(commit, web, &settings.repo), format!("version {}", settings.version)),
    };
    let status = StatusOptions { state: "success", target_url, description, context: "gitops/update".into() };
    if let Err(e) = forge.create_status(&settings.repo, &commit.sha, &status).await {
        host.warning(&format!("the commit landed, but its gitops/update status could not be set: {e}"));
    }
}

fn summary(settings: &UpdateSettings, report: &Report, url: &str, web: &str) -> String {
    let mut out = format!("### gitops-action: update {}\n\n", markdown::text(&settings.repo));
    let commit = match &report.commit {
        Some(c) if !url.is_empty() => markdown::code_link(short_sha(&c.sha), url),
        _ => "—".into(),
    };
    out.push_str("| Status | Version | Commit | Detail |\n|---|---|---|---|\n");
    out.push_str(&format!(
        "| {} | {} | {commit} | {} |\n",
        report.status,
        markdown::code(&settings.version),
        markdown::text(&report.detail)
    ));
    if let Some(pull) = &report.pull {
        out.push_str(&format!("\nPull request: {}.\n", markdown::link(&format!("#{}", pull.number), &pull.html_url)));
    }
    if let (Some(repo), Some(sha)) = (&settings.source_repo, &settings.source_commit) {
        let label = format!("{repo}@{}", short_sha(sha));
        out.push_str(&format!("\nRequested by {}.\n", markdown::link(&label, &format!("{web}/{repo}/commit/{sha}"))));
    }
    if !report.diff.is_empty() {
        out.push_str(&format!("\n{}", markdown::fenced("diff", &report.diff)));
    }
    out
}

mod pull_request;
#[cfg(test)]
mod tests;
