//! `strategy: pull_request`: the edit is committed to a new branch and proposed to the base
//! branch as a pull request, which is merged when the repository allows (`auto_merge`) or left
//! for review. Exactly once: a dispatch's pull request is found again by its
//! `Gitops-Dispatch-Id` trailer (in its body) and never opened twice; an older open pull request
//! of the same component is closed in favour of the newer one, so reviewers see one per
//! component.

use crate::forge::{
    backoff_ms, existing_pull_number, web_base, ApiError, CommitRef, Forge, MergeAnswer, PullLink, PullRequest,
};
use crate::gitops::summary::Status;
use crate::gitops::trailers::{trailer, CommitMessage, DISPATCH_ID};
use crate::gitops::version::{downgrade, newer_version};
use crate::gitops::{markdown, pull_branch_prefix, short_sha};
use crate::host::{Clock, Http, Level, Log};
use crate::settings::{PullRequestSettings, UpdateSettings};
use crate::unified_diff::unified_diff;

use super::super::{capped, Failure, MAX_OUTPUT_BYTES};
use super::{
    commit_message, deadline_failure, file_operations, is_conflict, plan, read_failure, refusal, set_status,
    write_failure, Planned, Refusal, Report, Written, MAX_WRITE_ATTEMPTS,
};

/// How many pages (of 50, most recently updated first) of pull requests are searched for one of
/// this dispatch or of this component.
const PULL_PAGES: u32 = 2;
/// The longest the step waits for a merge it scheduled, or for the server to finish checking a
/// new pull request, before it reports the pull request as open.
const MERGE_WAIT_MS: u64 = 60_000;
/// The most of the diff a pull request's body shows.
const MAX_BODY_DIFF_BYTES: usize = 32 * 1024;

/// Runs the update as a pull request.
pub(super) async fn promote<H: Http + Clock + Log>(
    settings: &UpdateSettings,
    options: &PullRequestSettings,
    forge: &Forge<'_, H>,
    host: &H,
    web: &mut String,
) -> Result<Report, Failure> {
    let repo = &settings.repo;
    let base = match &settings.branch {
        Some(branch) => branch.clone(),
        None => forge.repository(repo).await.map_err(|e| read_failure(settings, e))?.default_branch,
    };
    let component = super::component(settings);
    let promotion = Promotion { settings, options, forge, host, base, component };
    if let Some(id) = &settings.dispatch_id {
        if let Some(pull) = promotion.pull_of_dispatch(id).await? {
            return promotion.resume(pull, web).await;
        }
    }
    let mut replaced: Option<PullRequest> = None;
    // Which branch this attempt commits to: the next one only once a pull request went stale. A
    // write whose outcome is unknown may have made the branch: the next attempt finds it there.
    let mut proposal = 1;
    for attempt in 1..=MAX_WRITE_ATTEMPTS {
        let plan = plan(settings, forge).await?;
        if let Some(found) = plan.iter().find_map(|p| web_base(&p.read.html_url, repo)) {
            *web = found;
        }
        if let Some(report) = promotion.nothing_to_propose(&plan, replaced.as_ref()).await {
            host.info(&report.detail);
            return Ok(report);
        }
        let diff =
            capped(plan.iter().map(|p| unified_diff(&p.file, &p.read.bytes, &p.bytes)).collect(), MAX_OUTPUT_BYTES);
        let branch = promotion.branch_name(proposal);
        let head = match promotion.commit(&plan, &branch).await {
            Ok(commit) => commit,
            Err(RetryOr::Retry { reason, written }) => {
                promotion.pause_before_retry(attempt, &reason, written).await?;
                continue;
            }
            Err(RetryOr::Fail(failure)) => return Err(failure),
        };
        let pull = promotion.open(&branch, &diff, replaced.take()).await?;
        set_status(settings, forge, host, &head, web).await;
        host.info(&format!(
            "opened pull request #{} ({}) from {branch} into {}",
            pull.number, pull.html_url, promotion.base
        ));
        promotion.close_superseded(&pull).await;
        if !options.auto_merge {
            return Ok(promotion.opened(&pull, diff, "open for review"));
        }
        match promotion.merge(&pull, web, Some(&plan)).await? {
            Merged::Done(report) => return Ok(Report { diff, ..report }),
            Merged::Open(detail) => return Ok(promotion.opened(&pull, diff, &detail)),
            Merged::Closed(closed) => return promotion.closed_meanwhile(&closed).await,
            Merged::Stale => {
                // The base moved under the pull request and it no longer merges: propose the
                // edit again on the new base, and close this one in favour of it.
                host.info(&format!(
                    "pull request #{} conflicts with {} as it is now; proposing again",
                    pull.number, promotion.base
                ));
                replaced = Some(pull);
                proposal += 1;
            }
        }
    }
    Err(Failure::message(format!(
        "gave up after {MAX_WRITE_ATTEMPTS} attempts to propose the update to {repo} ({}): other updates keep landing \
         first; re-run the step",
        promotion.base
    )))
}

/// What a merge attempt came to.
enum Merged {
    /// Merged (or found merged): the report.
    Done(Report),
    /// Still open, with why.
    Open(String),
    /// Conflicts with its base as the base is now.
    Stale,
    /// Closed without merging while this step was merging it: by a newer update's step, which
    /// closes the component's older pull requests, or by a person.
    Closed(PullRequest),
}

struct Promotion<'a, 'f, H> {
    settings: &'a UpdateSettings,
    options: &'a PullRequestSettings,
    forge: &'a Forge<'f, H>,
    host: &'a H,
    /// The branch pull requests go into.
    base: String,
    /// The component, which names branches (`gitops/{component}/{version}`).
    component: String,
}

impl<H: Http + Clock + Log> Promotion<'_, '_, H> {
    fn repo(&self) -> &str {
        &self.settings.repo
    }

    /// The prefix of every branch of this component.
    fn branch_prefix(&self) -> String {
        pull_branch_prefix(&self.component)
    }

    /// `gitops/{component}/{version}`, with the dispatch's id after it when it has one, so two
    /// dispatches of one version never share a branch; proposal `N` after the first (the earlier
    /// pull request went stale) adds `-N`.
    fn branch_name(&self, proposal: u32) -> String {
        let mut name = format!("{}{}", self.branch_prefix(), self.settings.version);
        if let Some(id) = &self.settings.dispatch_id {
            let tail: String = id.chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect();
            name.push('-');
            name.push_str(&tail);
        }
        if proposal > 1 {
            name.push_str(&format!("-{proposal}"));
        }
        name
    }

    /// The pull requests of this component (their head branch has its prefix), most recently
    /// updated first.
    async fn component_pulls(&self, state: &str) -> Result<Vec<PullRequest>, Failure> {
        let prefix = self.branch_prefix();
        let mut found = Vec::new();
        for page in 1..=PULL_PAGES {
            let pulls = self.forge.pulls(self.repo(), state, page).await.map_err(|e| self.pull_failure(e))?;
            let count = pulls.len();
            found.extend(pulls.into_iter().filter(|p| p.head.label.starts_with(&prefix) && p.base.label == self.base));
            if count < 50 {
                break;
            }
        }
        Ok(found)
    }

    /// The pull request an earlier run of this dispatch opened, if any.
    async fn pull_of_dispatch(&self, id: &str) -> Result<Option<PullRequest>, Failure> {
        Ok(self.component_pulls("all").await?.into_iter().find(|p| trailer(&p.body, DISPATCH_ID) == Some(id)))
    }

    /// An earlier run of this dispatch opened `pull`: report it, merging it first if asked.
    async fn resume(&self, pull: PullRequest, web: &mut String) -> Result<Report, Failure> {
        let id = self.settings.dispatch_id.as_deref().unwrap_or_default();
        if let Some(difference) =
            CommitMessage::in_pull_body(&pull.body).and_then(|r| r.difference(&commit_message(self.settings)))
        {
            return Err(Failure::message(format!(
                "dispatch id {id} was already used by pull request #{} for a different update: {difference}; a \
                 dispatch id names one update: send a new one",
                pull.number
            )));
        }
        self.host
            .info(&format!("{id} already has pull request #{} ({}); not opening another", pull.number, pull.html_url));
        if pull.merged {
            return Ok(self.merged(&pull, web, "merged by an earlier run of this dispatch"));
        }
        if !pull.is_open() {
            return Err(Failure::message(format!(
                "pull request #{} of dispatch {id} was closed without merging ({}); a dispatch id names one update: send \
                 a new one to propose it again",
                pull.number, pull.html_url
            )));
        }
        if !self.options.auto_merge {
            return Ok(self.opened(&pull, String::new(), "opened by an earlier run of this dispatch"));
        }
        Ok(match self.merge(&pull, web, None).await? {
            Merged::Done(report) => report,
            Merged::Open(detail) => self.opened(&pull, String::new(), &detail),
            Merged::Closed(closed) => return self.closed_meanwhile(&closed).await,
            Merged::Stale => self.opened(
                &pull,
                String::new(),
                &format!("it conflicts with {} as it is now: resolve it, or dispatch again", self.base),
            ),
        })
    }

    /// The report when nothing needs proposing: the base holds the version already, a newer one,
    /// or a newer one waits in an open pull request. A pull request this run replaced is closed.
    async fn nothing_to_propose(&self, plan: &[Planned], replaced: Option<&PullRequest>) -> Option<Report> {
        let settings = self.settings;
        let changes: Vec<_> = plan.iter().flat_map(|p| p.changes.iter().cloned()).collect();
        let report = |status: Status, detail: String| Report {
            status,
            commit: super::last_commit(&plan[0]),
            pull: None,
            diff: String::new(),
            detail,
        };
        let outcome = if changes.is_empty() {
            Some(report(Status::Unchanged, format!("{} already has version {}", self.base, settings.version)))
        } else if let Some(newer) = downgrade(&changes).filter(|_| settings.monotonic) {
            Some(report(
                Status::Superseded,
                format!("{newer} is newer than {} and stays (monotonic: true)", settings.version),
            ))
        } else if settings.monotonic {
            let open = self.component_pulls("open").await.ok()?;
            open.iter()
                .filter(|p| replaced.is_none_or(|r| r.number != p.number))
                .find_map(|p| Some((p.number, CommitMessage::newer_in_pull_body(&p.body, &settings.version)?)))
                .map(|(number, version)| {
                    report(Status::Superseded, format!("pull request #{number} proposes the newer version {version}"))
                })
        } else {
            None
        };
        if let (Some(outcome), Some(old)) = (&outcome, replaced) {
            self.close(old, &format!("Closed: {}.", outcome.detail)).await;
        }
        outcome
    }

    /// Commits the planned files to a new branch `name` made from the base. Conflicts (the
    /// base moved since the files were read, or the branch appeared meanwhile) are retried.
    async fn commit(&self, plan: &[Planned], name: &str) -> Result<CommitRef, RetryOr> {
        let files = file_operations(plan);
        let message = commit_message(self.settings).to_string();
        match self.forge.commit_to_new_branch(self.repo(), &self.base, name, &message, &files).await {
            Ok(commit) => Ok(commit),
            Err(e) if is_conflict(&e) => Err(RetryOr::Retry {
                reason: format!("the file changed since it was read ({e})"),
                written: Written::Nothing,
            }),
            Err(e) if e.status() == Some(422) && e.server_message().contains("already exists") => {
                self.existing_branch(name, e).await
            }
            Err(e) if refusal(&e) == Some(Refusal::LockRace) => Err(RetryOr::Retry {
                reason: format!("the server's push lost the race for the branch to another write ({e})"),
                written: Written::Nothing,
            }),
            Err(e) if e.outcome_unknown() => Err(RetryOr::Retry {
                reason: format!("the write's outcome is unknown ({e})"),
                written: Written::Unknown,
            }),
            Err(e) => Err(RetryOr::Fail(write_failure(self.settings, self.forge, e).await)),
        }
    }

    /// Branch `name` exists: an earlier attempt of this step (or of this dispatch) made it, when
    /// its head carries our dispatch id, or without one records this very update; else it is
    /// another's.
    async fn existing_branch(&self, name: &str, error: ApiError) -> Result<CommitRef, RetryOr> {
        let branch = self.forge.branch(self.repo(), name).await.map_err(|e| RetryOr::Fail(self.pull_failure(e)))?;
        let ours = |message: &str| match &self.settings.dispatch_id {
            Some(id) => trailer(message, DISPATCH_ID) == Some(id.as_str()),
            None => CommitMessage::parse(message) == Some(commit_message(self.settings)),
        };
        match branch {
            Some(branch) if ours(&branch.commit.message) => {
                Ok(CommitRef { sha: branch.commit.id, html_url: String::new() })
            }
            _ => Err(RetryOr::Fail(Failure::message(format!(
                "cannot create branch {name} in {}: {error}; it belongs to another update: delete it, or dispatch \
                 with another id",
                self.repo()
            )))),
        }
    }

    /// Opens the pull request from `branch` (or finds the open one for it), closing `replaced`
    /// in its favour.
    async fn open(&self, branch: &str, diff: &str, replaced: Option<PullRequest>) -> Result<PullRequest, Failure> {
        let message = commit_message(self.settings);
        let title = message.to_string().lines().next().unwrap_or_default().trim_start_matches("[skip ci] ").to_string();
        let body = self.body(&message, diff);
        let pull = match self.forge.create_pull(self.repo(), &self.base, branch, &title, &body).await {
            Ok(pull) => pull,
            Err(e) => match existing_pull_number(&e) {
                Some(number) => self.forge.pull(self.repo(), number).await.map_err(|e| self.pull_failure(e))?,
                None => return Err(self.pull_failure(e)),
            },
        };
        if let Some(old) = replaced {
            self.close(&old, &format!("Replaced by #{}: this one no longer merges into {}.", pull.number, self.base))
                .await;
        }
        Ok(pull)
    }

    /// What a pull request says: what changed (the diff, capped), who asked, and the commit
    /// message with its trailers, so it can be found again.
    fn body(&self, message: &CommitMessage, diff: &str) -> String {
        let settings = self.settings;
        let mut body = String::new();
        if let (Some(repo), Some(sha)) = (&settings.source_repo, &settings.source_commit) {
            body.push_str(&format!("Requested by {repo}@{}.\n\n", short_sha(sha)));
        }
        if !diff.is_empty() {
            body.push_str(&markdown::fenced("diff", &capped(diff.to_string(), MAX_BODY_DIFF_BYTES)));
            body.push('\n');
        }
        body.push_str("---\n\n");
        body.push_str(&message.to_string());
        body
    }

    /// Closes the component's other open pull requests of older versions, each with a comment
    /// naming the newer one (when `close_superseded`). A failure is a warning.
    async fn close_superseded(&self, newer: &PullRequest) {
        if !self.options.close_superseded {
            return;
        }
        let open = match self.component_pulls("open").await {
            Ok(open) => open,
            Err(e) => return self.host.warning(&format!("could not list older pull requests to close: {}", e.message)),
        };
        for old in open.iter().filter(|p| p.number != newer.number) {
            let older = CommitMessage::in_pull_body(&old.body)
                .is_some_and(|theirs| !newer_version(&theirs.version, &self.settings.version));
            if older {
                self.close(old, &format!("Superseded by #{} (version {}).", newer.number, self.settings.version)).await;
            }
        }
    }

    /// Closes `pull`, then says why in a comment; a pull request that could not be closed (it
    /// was merged meanwhile) gets no comment.
    async fn close(&self, pull: &PullRequest, comment: &str) {
        let repo = self.repo();
        if let Err(e) = self.forge.close_pull(repo, pull.number).await {
            return self.host.warning(&format!("could not close pull request #{}: {e}", pull.number));
        }
        self.host.info(&format!("closed pull request #{}: {comment}", pull.number));
        if let Err(e) = self.forge.comment(repo, pull.number, comment).await {
            self.host.warning(&format!("could not comment on pull request #{}: {e}", pull.number));
        }
    }

    /// Merges `pull` now if the repository allows, else schedules it to merge when its checks
    /// and reviews pass, and waits a little for that. `built_on` is what the pull request's
    /// commit was made from, when known: once the base holds other versions of those files, a
    /// pull request the server will not merge is stale at once.
    async fn merge(
        &self,
        pull: &PullRequest,
        web: &mut String,
        built_on: Option<&[Planned]>,
    ) -> Result<Merged, Failure> {
        let (repo, style) = (self.repo(), self.options.merge_style.as_str());
        let started = self.host.now_ms();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.forge.merge_pull(repo, pull.number, style, false).await {
                Ok(_) => return self.after_merge(pull.number, web, "merged").await,
                // Not mergeable yet: the server is still checking it, or it conflicts
                // (routers/api/v1/repo/pull.go MergePullRequest: 405 "Please try again later").
                Err(e) if e.status() == Some(405) && e.server_message().contains("try again later") => {
                    let current = self.forge.pull(repo, pull.number).await.map_err(|e| self.pull_failure(e))?;
                    if let Some(ended) = self.ended(current, web) {
                        return Ok(ended);
                    }
                    if self.host.now_ms() - started > MERGE_WAIT_MS as f64 || self.base_changed(built_on).await? {
                        return Ok(Merged::Stale);
                    }
                }
                // A closed pull request (routers/api/v1/repo/pull.go MergePullRequest: ErrIsClosed
                // is 404, @v1.24.7–v1.26.4, @v11.0.15, @v12.0.4).
                Err(e) if e.status() == Some(404) => {
                    let current = self.forge.pull(repo, pull.number).await.map_err(|e| self.pull_failure(e))?;
                    return match self.ended(current, web) {
                        Some(ended) => Ok(ended),
                        None => Err(self.pull_failure(e)),
                    };
                }
                Err(e) if e.status() == Some(405) && is_unmet_protection(e.server_message()) => {
                    return self.schedule(pull, web, e.server_message()).await;
                }
                // Merged meanwhile: 405 with no message (Gitea 1.24, Forgejo) or `The PR is already
                // merged` (routers/api/v1/repo/pull.go MergePullRequest ErrHasMerged @v1.25.5, @v1.26.4).
                Err(e)
                    if e.status() == Some(405)
                        && (e.server_message().is_empty() || e.server_message().contains("already merged")) =>
                {
                    return self.after_merge(pull.number, web, "merged").await;
                }
                Err(e @ ApiError::Status { status: 403 | 405, .. }) => {
                    self.host.warning(&format!("pull request #{} cannot be merged by this token: {e}", pull.number));
                    return Ok(Merged::Open(format!("not merged: {}", e.server_message())));
                }
                Err(e) if e.status() == Some(409) => return Ok(Merged::Stale),
                Err(e) => return Err(self.pull_failure(e)),
            }
            let wait = backoff_ms(attempt, 1_000, 8_000, self.host.random_below(1001));
            if !self.forge.pause(wait).await {
                return Ok(Merged::Open("the server did not let it merge before input 'timeout' ran out".into()));
            }
        }
    }

    /// Schedules the merge for when checks and reviews pass, and waits a little for it. Not
    /// with a run's own token: the server merges a scheduled pull request as the user who
    /// scheduled it, and the Actions user is none (services/automerge/automerge.go
    /// handlePullRequestAutoMerge: `GetUserByID` fails for id -2, @v1.24.7–v1.26.4, @v11.0.15,
    /// @v12.0.4), so such a schedule would never merge.
    async fn schedule(&self, pull: &PullRequest, web: &mut String, unmet: &str) -> Result<Merged, Failure> {
        let (repo, style) = (self.repo(), self.options.merge_style.as_str());
        if self.forge.is_run_token().await {
            self.host.warning(&format!(
                "pull request #{} is not merged ({unmet}) and auto-merge is not scheduled: the server merges a \
                 scheduled pull request as the user who scheduled it, and the run's own token has no user, so it would \
                 never merge; pass a personal or bot token with write access in input 'token' for auto_merge, or merge \
                 it by hand once it may",
                pull.number
            ));
            return Ok(Merged::Open(format!(
                "not merged ({unmet}); auto-merge needs a personal or bot token, not the run's own"
            )));
        }
        match self.forge.merge_pull(repo, pull.number, style, true).await {
            Ok(MergeAnswer::Merged) => return self.after_merge(pull.number, web, "merged").await,
            Ok(MergeAnswer::Scheduled) => {}
            Err(e) if e.status() == Some(409) && e.server_message().contains("scheduled") => {}
            Err(e) => {
                self.host.warning(&format!("pull request #{} could not be scheduled to merge: {e}", pull.number));
                return Ok(Merged::Open(format!(
                    "not merged ({unmet}), and it could not be scheduled: {}",
                    e.server_message()
                )));
            }
        }
        self.host.info(&format!("pull request #{} merges once it may: {unmet}", pull.number));
        let started = self.host.now_ms();
        let mut attempt = 0;
        while self.host.now_ms() - started < MERGE_WAIT_MS as f64 {
            attempt += 1;
            if !self.forge.pause(backoff_ms(attempt, 2_000, 10_000, self.host.random_below(1001))).await {
                break;
            }
            let current = self.forge.pull(repo, pull.number).await.map_err(|e| self.pull_failure(e))?;
            if current.merged {
                return Ok(Merged::Done(self.merged(&current, web, "merged when its checks passed")));
            }
            if !current.is_open() {
                return Ok(Merged::Closed(current));
            }
        }
        Ok(Merged::Open(format!("auto-merge is scheduled: it merges once {}", unmet.to_ascii_lowercase())))
    }

    /// How `pull`, read again, ended: merged, or closed without merging; `None` while open.
    fn ended(&self, pull: PullRequest, web: &mut String) -> Option<Merged> {
        if pull.merged {
            Some(Merged::Done(self.merged(&pull, web, "merged")))
        } else if pull.is_open() {
            None
        } else {
            Some(Merged::Closed(pull))
        }
    }

    /// Whether the base now holds other versions of the files the pull request's commit was made
    /// from (their blob shas differ): the server then reports it unmergeable for good, not
    /// because it is still checking it.
    async fn base_changed(&self, built_on: Option<&[Planned]>) -> Result<bool, Failure> {
        for planned in built_on.unwrap_or_default() {
            let now = self.forge.file(self.repo(), &planned.file, Some(&self.base)).await;
            match now.map_err(|e| read_failure(self.settings, e))? {
                Some(now) if now.sha == planned.read.sha => {}
                _ => return Ok(true),
            }
        }
        Ok(false)
    }

    /// `pull` was closed without merging while this step was merging it: `superseded` when the
    /// base or an open pull request of the component holds a newer version (a newer update's
    /// step closed it), else a failure.
    async fn closed_meanwhile(&self, pull: &PullRequest) -> Result<Report, Failure> {
        // Listed before the base is read: the pull request of the newer update that closed this
        // one is still open then, or already merged, and so on the base when it is read.
        let newer = self
            .component_pulls("all")
            .await?
            .into_iter()
            .filter(|p| p.number != pull.number && (p.is_open() || p.merged))
            .find_map(|p| Some((p.number, CommitMessage::newer_in_pull_body(&p.body, &self.settings.version)?)));
        let plan = plan(self.settings, self.forge).await?;
        let outcome = match newer {
            Some((number, version)) => Some(Report {
                status: Status::Superseded,
                commit: super::last_commit(&plan[0]),
                pull: None,
                diff: String::new(),
                detail: format!("pull request #{number} proposes the newer version {version}"),
            }),
            None => self.nothing_to_propose(&plan, None).await,
        };
        match outcome {
            Some(report) => {
                self.host.info(&format!("pull request #{} was closed: {}", pull.number, report.detail));
                Ok(Report {
                    pull: Some(PullLink::of(pull)),
                    detail: format!("pull request #{} was closed: {}", pull.number, report.detail),
                    ..report
                })
            }
            None => Err(Failure::message(format!(
                "pull request #{} ({}) was closed without merging while this step waited to merge it, and nothing newer \
                 replaces it; a dispatch id names one update: send a new one to propose it again",
                pull.number, pull.html_url
            ))),
        }
    }

    async fn after_merge(&self, number: u64, web: &mut String, how: &str) -> Result<Merged, Failure> {
        let merged = self.forge.pull(self.repo(), number).await.map_err(|e| self.pull_failure(e))?;
        Ok(Merged::Done(self.merged(&merged, web, how)))
    }

    fn merged(&self, pull: &PullRequest, web: &mut String, how: &str) -> Report {
        if let Some(found) = web_base(&pull.html_url, self.repo()) {
            *web = found;
        }
        self.host.info(&format!("pull request #{} {how}", pull.number));
        Report {
            status: Status::Success,
            commit: pull.merge_commit(web, self.repo()),
            pull: Some(PullLink::of(pull)),
            diff: String::new(),
            detail: format!("pull request #{} {how} into {}", pull.number, self.base),
        }
    }

    fn opened(&self, pull: &PullRequest, diff: String, why: &str) -> Report {
        Report {
            status: Status::PrOpened,
            commit: Some(CommitRef { sha: pull.head.sha.clone(), html_url: String::new() })
                .filter(|c| !c.sha.is_empty()),
            pull: Some(PullLink::of(pull)),
            diff,
            detail: format!("pull request #{} into {}: {why}", pull.number, self.base),
        }
    }

    async fn pause_before_retry(&self, attempt: u32, reason: &str, written: Written) -> Result<(), Failure> {
        let wait = backoff_ms(attempt, 250, 4_000, self.host.random_below(1001));
        self.host.log(Level::Info, &format!("attempt {attempt}: {reason}; re-reading and retrying in {wait} ms"));
        if self.forge.pause(wait).await {
            Ok(())
        } else {
            Err(deadline_failure(self.settings, reason, written))
        }
    }

    fn pull_failure(&self, error: ApiError) -> Failure {
        let repo = self.repo();
        Failure::message(match error.status() {
            Some(401) => format!("the token was refused by the server ({error}): check input 'token'"),
            Some(403) => format!(
                "the token cannot open or merge pull requests in {repo} ({error}): it needs write access to the \
                 repository's code"
            ),
            Some(404) => {
                format!("{repo} has no pull requests this token can see ({error}): are pull requests enabled?")
            }
            _ if matches!(error, ApiError::Deadline { .. }) => {
                return deadline_failure(self.settings, &error.to_string(), Written::Unsaid)
            }
            _ => format!("pull request in {repo}: {error}"),
        })
    }
}

/// A write that failed: to retry (with why), or for good.
enum RetryOr {
    Retry { reason: String, written: Written },
    Fail(Failure),
}

/// Whether a 405 from a merge is branch protection not yet satisfied (pending checks, missing
/// approvals), which `merge_when_checks_succeed` waits out (services/pull/merge.go
/// CheckPullBranchProtections, every release; Forgejo wraps it in `not allowed to merge`).
fn is_unmet_protection(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    ["status check", "approvals", "requested changes", "review requests", "behind the base"]
        .iter()
        .any(|p| m.contains(p))
}

#[cfg(test)]
mod tests;
