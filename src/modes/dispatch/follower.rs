//! Following one dispatch: dispatch, track the run it started (by the best means the release
//! offers, never "the newest run"), and conclude from the run's end and the repository.
//!
//! | release | the run is known by | followed through |
//! |---|---|---|
//! | Gitea 1.26 | the dispatch's answer (`workflow_run_id`) | `/actions/runs/{id}` |
//! | Forgejo 12 | the dispatch's answer (`id`) | `/actions/runs/{id}` |
//! | Forgejo 11 | the dispatch's answer (`run_number`) | `/actions/tasks` |
//! | Gitea 1.25 | its title (`run-name` with the dispatch id) in `/actions/runs` (owners) or `/actions/tasks` (anyone who reads) | `/actions/runs/{id}` or `/actions/tasks` |
//! | Gitea 1.24 | nothing: its commit (`Gitops-Dispatch-Id` trailer) | the tasks of runs newer than the dispatch |

use std::collections::BTreeMap;

use crate::engine;
use crate::forge::{
    backoff_ms, names_dispatch, web_base, ApiError, CommitRef, Conclusion, Forge, PullLink, PullRequest, Release,
    RunDetails, RunState, Task,
};
use crate::gitops::summary::Status;
use crate::gitops::trailers::{is_seed_subject, trailer, CommitMessage, DISPATCH_ID};
use crate::gitops::version::downgrade;
use crate::gitops::{component_name, pull_branch_prefix};
use crate::host::{Clock, Http, Level, Log};
use crate::settings::{named_values, DispatchSettings};
use crate::sorting::string_map;

use super::{poll_delay_ms, set_status, workflow, Report, MAX_DISPATCHES};

/// The longest wait for the workflow's other runs to end before dispatching again (a GitOps
/// run takes a minute or two; a hung one is cancelled by the dispatch after this).
const QUIET_WAIT_MS: f64 = 180_000.0;

/// How a dispatched run is followed.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tracking {
    /// By run id.
    Run(u64),
    /// By run number, through the tasks of its jobs; `jobs` is how many the run has, where
    /// the dispatch said (Forgejo's `jobs`).
    Tasks { run_number: u64, jobs: Option<usize> },
    /// Not seen yet: looked for by the dispatch id in run titles (Gitea 1.25's `run-name`).
    Search,
    /// Not nameable (Gitea 1.24, or a 1.25 workflow without the id in its `run-name`): its commit
    /// is watched, and the tasks of runs numbered above `after` (dispatched later: Gitea 1.24/1.25
    /// cancel the earlier runs of a workflow on each dispatch) tell when they have all ended.
    Commit { after: u64 },
}

/// How the followed run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RunEnd {
    /// As the server reports it.
    Concluded(Conclusion),
    /// Only seen through other runs' tasks (Gitea 1.24): ended, how unknown.
    Unseen,
}

/// What waiting ended with.
enum Waited {
    /// The result shows in the repository (our commit).
    Committed(Report),
    /// The run ended.
    Ended(RunEnd),
    /// The deadline passed.
    TimedOut(String),
    /// The run cannot be followed any more.
    Lost(String),
}

/// One dispatch, from the server's release to the report.
pub(super) struct Follower<'f, H> {
    settings: &'f DispatchSettings,
    forge: &'f Forge<'f, H>,
    status_forge: &'f Forge<'f, H>,
    host: &'f H,
    id: &'f str,
    /// The server's public web base, from the GitOps repository's `html_url`.
    web: String,
    /// The GitOps repository's page.
    repo_page: String,
    /// The run's page, once known.
    run_url: String,
    /// Messages of API errors already shown as warnings (later ones go to the debug log).
    warned: Vec<String>,
    /// Whether listing runs was refused (Gitea 1.25 for non-owners): runs are looked for in
    /// the tasks instead.
    runs_forbidden: bool,
}

impl<'f, H: Http + Clock + Log> Follower<'f, H> {
    /// A follower for the dispatch `id`.
    pub fn new(
        settings: &'f DispatchSettings,
        forge: &'f Forge<'f, H>,
        status_forge: &'f Forge<'f, H>,
        host: &'f H,
        id: &'f str,
    ) -> Self {
        let web = settings.server.web_url.clone();
        let repo_page = format!("{web}/{}", settings.gitops_repo);
        Follower {
            settings,
            forge,
            status_forge,
            host,
            id,
            web,
            repo_page,
            run_url: String::new(),
            warned: Vec::new(),
            runs_forbidden: false,
        }
    }

    /// A commit's page: the server's `html_url`, or one on the public web base.
    pub fn commit_page(&self, commit: &CommitRef) -> String {
        if commit.html_url.is_empty() {
            format!("{}/{}/commit/{}", self.web, self.settings.gitops_repo, commit.sha)
        } else {
            commit.html_url.clone()
        }
    }

    /// Sets a status on the consumer's commit.
    pub async fn set_status(&self, state: &'static str, target: &str, description: &str) {
        set_status(self.settings, self.status_forge, self.host, state, target, description).await;
    }

    /// Shows an API error met while polling: the first time as a warning, later at debug level.
    fn note(&mut self, what: &str, error: &ApiError) {
        let text = format!("{what}: {error}");
        let message = error.to_string();
        if !self.warned.contains(&message) {
            self.warned.push(message);
            self.host.warning(&format!("{text} (still waiting)"));
        } else {
            self.host.log(Level::Debug, &text);
        }
    }

    /// Dispatches, follows the run, and finds the commit, or the pull request the run opened
    /// (followed until it is merged or closed with `wait_for_merge`).
    pub async fn follow(&mut self) -> Report {
        let report = self.follow_run().await;
        match (&report.pull, report.status) {
            (Some(pull), Status::PrOpened) if self.settings.wait_for_merge => {
                let pull = pull.clone();
                let merged = self.await_merge(&pull).await;
                Report { run_url: report.run_url, ..merged }
            }
            _ => report,
        }
    }

    /// Dispatches, follows the run, and finds what it made.
    async fn follow_run(&mut self) -> Report {
        let settings = self.settings;
        let repo = &settings.gitops_repo;
        let release = match self.forge.version().await {
            Ok(v) => Release::parse(&v.version),
            Err(e) => {
                return Report::failed(
                    Status::Failure,
                    "",
                    format!("cannot reach the server at {}: {e}", settings.server.api_url),
                )
            }
        };
        let Some(release) = release.filter(|r| r.can_dispatch()) else {
            return Report::failed(
                Status::DispatchRejected,
                "",
                "the server is too old: dispatching workflows needs Gitea 1.24 or Forgejo 8 or newer",
            );
        };
        let git_ref = match self.forge.repository(repo).await {
            Ok(r) => {
                if let Some(base) = web_base(&r.html_url, repo) {
                    self.web = base;
                    self.repo_page = r.html_url.clone();
                }
                settings.git_ref.clone().unwrap_or(if r.default_branch.is_empty() {
                    "main".into()
                } else {
                    r.default_branch
                })
            }
            Err(e) => {
                let why = self.access_error(release, &e, "read").await;
                return Report::failed(Status::DispatchRejected, "", why);
            }
        };
        let (path, declaration) = match workflow::find(self.forge, release, repo, &settings.workflow, &git_ref).await {
            Ok(found) => found,
            Err(why) => return Report::failed(Status::DispatchRejected, "", why),
        };
        let inputs = match workflow::inputs_to_send(&declaration, &settings.workflow, self.our_inputs(), self.host) {
            Ok(inputs) => inputs,
            Err(why) => return Report::failed(Status::DispatchRejected, "", why),
        };
        if let Some(limit) = release.dispatch_input_limit() {
            let counted = workflow::counted_inputs(&declaration, &inputs);
            if counted > limit {
                self.host.warning(&format!(
                    "{path} would get {counted} inputs with values; {} refuses more than [actions] LIMIT_DISPATCH_INPUTS \
                     (default {limit}) with a 500: declare fewer inputs with defaults, or raise the limit",
                    release.name()
                ));
            }
        }
        let by_title = release.titles_runs_by_run_name() && declaration.run_name_has_dispatch_id;
        if release.run_details() == RunDetails::None && release.titles_runs_by_run_name() && !by_title {
            self.host.warning(&format!(
                "{path} has no ${{{{ inputs.dispatch_id }}}} in its run-name: {} can then not tell which run a dispatch \
                 started, and only its commit is followed (add `run-name: \"GitOps (${{{{ inputs.dispatch_id }}}})\"`)",
                release.name()
            ));
        }

        for attempt in 1..=MAX_DISPATCHES {
            // Runs numbered above this one started after the dispatch (Gitea 1.24 follows them).
            let after = if release.run_details() == RunDetails::None && !by_title {
                self.newest_run_number(&git_ref).await
            } else {
                0
            };
            let dispatched_at = self.host.now_ms();
            let dispatched =
                match self.forge.dispatch(repo, &settings.workflow, &git_ref, &inputs, release.run_details()).await {
                    Ok(d) => d,
                    Err(e) => {
                        let why = self.access_error(release, &e, "dispatch").await;
                        return Report::failed(Status::DispatchRejected, "", why);
                    }
                };
            let mut tracking = match (dispatched.id, dispatched.run_number) {
                (Some(id), _) if release.reads_runs() => Tracking::Run(id),
                (_, Some(run_number)) => Tracking::Tasks { run_number, jobs: None },
                _ if by_title => Tracking::Search,
                _ => {
                    self.host.info(&format!(
                        "{} cannot tell which run a dispatch started; following the commit with {DISPATCH_ID}: {} instead",
                        release.name(),
                        self.id
                    ));
                    Tracking::Commit { after }
                }
            };
            // Web links name runs by their number on Forgejo (models/actions/run.go Link @v12.0.4).
            self.run_url = match (&dispatched.html_url, dispatched.run_number) {
                (Some(url), _) => url.clone(),
                (None, Some(number)) if release.forgejo => format!("{}/actions/runs/{number}", self.repo_page),
                _ => format!("{}/actions", self.repo_page),
            };
            // The pending status links to the run as soon as it is known (a run looked for by its
            // title gets it when found).
            if tracking != Tracking::Search {
                self.host.info(&format!("GitOps run: {}", self.run_url));
                let pending = format!("{} dispatched to {repo}", settings.version);
                self.set_status("pending", &self.run_url.clone(), &pending).await;
            }

            let end = match self.wait(&mut tracking, &git_ref, dispatched_at).await {
                Waited::Committed(report) => return Report { run_url: self.run_url.clone(), ..report },
                Waited::Ended(end) => end,
                Waited::TimedOut(why) => return Report::failed(Status::TimedOut, &self.run_url, why),
                Waited::Lost(why) => return Report::failed(Status::Failure, &self.run_url, why),
            };
            match end {
                RunEnd::Concluded(Conclusion::Success) => {
                    return match self.outcome_in_repo(&git_ref, dispatched_at).await {
                        Ok(report) => Report { run_url: self.run_url.clone(), ..report },
                        Err(why) => Report::failed(Status::Failure, &self.run_url, why),
                    };
                }
                // Cancelled by a newer dispatch (Gitea 1.24/1.25), or (Gitea 1.24) ended unseen.
                RunEnd::Concluded(Conclusion::Cancelled) | RunEnd::Unseen => {
                    if let Ok(report) = self.outcome_in_repo(&git_ref, dispatched_at).await {
                        return Report { run_url: self.run_url.clone(), ..report };
                    }
                    if attempt == MAX_DISPATCHES {
                        return Report::failed(
                            Status::Cancelled,
                            &self.run_url,
                            format!("the run ended without a commit {MAX_DISPATCHES} times"),
                        );
                    }
                    let pause = backoff_ms(attempt, 1_000, 8_000, self.host.random_below(1001));
                    let why = if release.dispatch_cancels_earlier_runs() {
                        format!("{} cancels a workflow's unfinished runs when it is dispatched again", release.name())
                    } else {
                        "it was cancelled".to_string()
                    };
                    self.host.warning(&format!(
                        "the GitOps run ended ({}) before committing: {why}; dispatching again with the same id in \
                         {pause} ms ({attempt}/{MAX_DISPATCHES})",
                        match end {
                            RunEnd::Unseen => "unseen",
                            _ => "cancelled",
                        }
                    ));
                    if !self.forge.pause(pause).await {
                        return Report::failed(Status::TimedOut, &self.run_url, self.timed_out_detail());
                    }
                    if release.dispatch_cancels_earlier_runs() {
                        if !self.wait_for_quiet(&git_ref).await {
                            return Report::failed(Status::TimedOut, &self.run_url, self.timed_out_detail());
                        }
                        // The run that kept us waiting may have deployed a newer version.
                        if let Ok(report) = self.outcome_in_repo(&git_ref, dispatched_at).await {
                            return Report { run_url: self.run_url.clone(), ..report };
                        }
                    }
                }
                RunEnd::Concluded(other) => {
                    return Report::failed(
                        Status::RunFailed,
                        &self.run_url,
                        format!("the GitOps run ended with {}: see its log", other.as_str()),
                    )
                }
            }
        }
        unreachable!("the loop returns on its last attempt")
    }

    /// An API error of the read or the dispatch as the user's next step; a refusal of a run's
    /// own token says that this token can never work there.
    async fn access_error(&self, release: Release, error: &ApiError, action: &str) -> String {
        let repo = &self.settings.gitops_repo;
        if matches!(error.status(), Some(403 | 404)) && self.forge.is_run_token().await {
            let what = if action == "dispatch" { format!("dispatch in {repo}") } else { format!("read {repo}") };
            // routers/api/v1/api.go repoAssignment @v1.25.5, @v12.0.4: 404 for every other
            // repository; Gitea 1.26 (models/perm/access/repo_permission.go
            // GetActionsUserRepoPermission @v1.26.4): read of public or allow-listed ones, never
            // Actions write.
            return format!(
                "input 'token' is this run's own token, which cannot {what} ({error}): a run's token sees \
                 no other repository (Gitea 1.26 lets it read public or allow-listed ones, never dispatch); store a \
                 personal token with repository and Actions write access on {repo} as a secret and pass it in input \
                 'token'"
            );
        }
        access_error(self.settings, release, error, action)
    }

    /// Waits, at most [`QUIET_WAIT_MS`], until no task of the workflow on `git_ref` runs: on
    /// Gitea 1.24/1.25 a dispatch cancels the workflow's unfinished runs, so dispatching again
    /// now would cancel another dispatcher's run, which may deploy a newer version, and its
    /// dispatcher would dispatch again in turn. Runs still waiting for a runner have no task
    /// and are not seen. `false` when the deadline passed.
    async fn wait_for_quiet(&mut self, git_ref: &str) -> bool {
        let repo = self.settings.gitops_repo.clone();
        let until = self.host.now_ms() + QUIET_WAIT_MS;
        let mut told = false;
        let mut n = 0;
        loop {
            match self.forge.tasks(&repo).await {
                Ok(tasks) => {
                    let busy = tasks
                        .iter()
                        .filter(|t| self.is_ours(t, git_ref) && !matches!(t.state, RunState::Completed(_)))
                        .count();
                    if busy == 0 {
                        return true;
                    }
                    if !told {
                        told = true;
                        self.host.info(&format!(
                            "waiting for {busy} running run(s) of {} on {git_ref} to end before dispatching again: a \
                             dispatch would cancel them",
                            self.settings.workflow
                        ));
                    }
                }
                Err(e) => self.note("waiting for the workflow's running runs to end", &e),
            }
            if self.host.now_ms() >= until {
                self.host.info(&format!(
                    "runs of {} still run after {} s; dispatching anyway",
                    self.settings.workflow,
                    QUIET_WAIT_MS as u64 / 1000
                ));
                return true;
            }
            let pause = poll_delay_ms(n, self.settings.poll_max_ms, self.host.random_below(1001));
            if !self.forge.pause(pause).await {
                return false;
            }
            n += 1;
        }
    }

    /// The inputs this action has for the GitOps workflow.
    fn our_inputs(&self) -> BTreeMap<String, String> {
        let s = self.settings;
        string_map(
            [
                ("file", s.file.clone()),
                ("yq_tpl", s.expression.source().to_string()),
                ("version", s.version.clone()),
                ("source_repo", s.source_repo.clone()),
                ("source_commit", s.source_commit.clone()),
                ("dispatch_id", self.id.to_string()),
                ("git_tag_prefix", s.tag_prefix.clone().unwrap_or_default()),
            ]
            .map(|(k, v)| (k.to_string(), v)),
        )
    }

    fn timed_out_detail(&self) -> String {
        format!("no result within {} s (input 'timeout')", (self.settings.timeout_ms / 1000).max(1))
    }

    /// The highest run number among the workflow's tasks on `git_ref` (0 when none).
    async fn newest_run_number(&mut self, git_ref: &str) -> u64 {
        match self.forge.tasks(&self.settings.gitops_repo).await {
            Ok(tasks) => tasks.iter().filter(|t| self.is_ours(t, git_ref)).map(|t| t.run_number).max().unwrap_or(0),
            Err(e) => {
                self.note("listing the workflow's tasks before dispatching", &e);
                0
            }
        }
    }

    /// Whether a task belongs to this workflow on `git_ref`.
    fn is_ours(&self, task: &Task, git_ref: &str) -> bool {
        task.workflow_id == self.settings.workflow && (task.head_branch.is_empty() || task.head_branch == git_ref)
    }

    /// Polls until the run ends, its commit appears, or the deadline passes.
    async fn wait(&mut self, tracking: &mut Tracking, git_ref: &str, dispatched_at: f64) -> Waited {
        let repo = self.settings.gitops_repo.clone();
        // An end seen through tasks counts once it is seen twice: a run's next job gets its task
        // only when the job before it ends.
        let mut ended_once = false;
        let mut n = 0;
        loop {
            let step = match tracking.clone() {
                Tracking::Run(run_id) => match self.forge.run(&repo, run_id).await {
                    Ok(run) => {
                        if !run.html_url.is_empty() && run.html_url != self.run_url {
                            self.run_url = run.html_url.clone();
                            self.host.info(&format!("GitOps run: {}", self.run_url));
                        }
                        match run.state {
                            RunState::Completed(conclusion) => Some(Waited::Ended(RunEnd::Concluded(conclusion))),
                            _ => None,
                        }
                    }
                    Err(e) if e.status() == Some(404) => Some(Waited::Lost(format!("the run disappeared: {e}"))),
                    Err(ApiError::Deadline { .. }) => None,
                    Err(e) => {
                        self.note("polling the run", &e);
                        None
                    }
                },
                Tracking::Search => {
                    if let Some(found) = self.search(git_ref).await {
                        *tracking = found;
                        let pending = format!("{} dispatched to {repo}", self.settings.version);
                        self.set_status("pending", &self.run_url.clone(), &pending).await;
                        continue;
                    }
                    None
                }
                Tracking::Tasks { run_number, jobs } => match self.forge.tasks(&repo).await {
                    Ok(tasks) => {
                        let ours: Vec<&Task> =
                            tasks.iter().filter(|t| t.run_number == run_number && self.is_ours(t, git_ref)).collect();
                        if let Some(task) = ours.first().filter(|t| !t.url.is_empty() && t.url != self.run_url) {
                            self.run_url = task.url.clone();
                            self.host.info(&format!("GitOps run: {}", self.run_url));
                        }
                        let all = jobs.is_none_or(|jobs| ours.len() >= jobs);
                        match ended(&ours) {
                            Some(c) if c != Conclusion::Success || (all && ended_once) => {
                                Some(Waited::Ended(RunEnd::Concluded(c)))
                            }
                            Some(_) => {
                                ended_once = true;
                                None
                            }
                            None => {
                                ended_once = false;
                                None
                            }
                        }
                    }
                    Err(e) => {
                        self.note("polling the run's tasks", &e);
                        None
                    }
                },
                Tracking::Commit { after } => {
                    match self.commit_in_history(git_ref, dispatched_at).await {
                        Ok(Some(report)) => return Waited::Committed(report),
                        Ok(None) => {}
                        Err(e) => self.note("looking for the commit", &e),
                    }
                    match self.forge.tasks(&repo).await {
                        Ok(tasks) => {
                            let newer: Vec<&Task> =
                                tasks.iter().filter(|t| t.run_number > after && self.is_ours(t, git_ref)).collect();
                            // Other dispatchers' runs may be among them: only a failure of all is ours for sure.
                            let all_failed = newer.iter().all(|t| t.state == RunState::Completed(Conclusion::Failure));
                            match ended(&newer) {
                                Some(_) if ended_once => {
                                    let end = if all_failed {
                                        RunEnd::Concluded(Conclusion::Failure)
                                    } else {
                                        RunEnd::Unseen
                                    };
                                    Some(Waited::Ended(end))
                                }
                                Some(_) => {
                                    ended_once = true;
                                    None
                                }
                                None => {
                                    ended_once = false;
                                    None
                                }
                            }
                        }
                        Err(e) => {
                            self.note("polling the workflow's tasks", &e);
                            None
                        }
                    }
                }
            };
            if let Some(waited) = step {
                return waited;
            }
            let pause = poll_delay_ms(n, self.settings.poll_max_ms, self.host.random_below(1001));
            if !self.forge.pause(pause).await {
                let detail = match tracking {
                    Tracking::Search => format!(
                        "{}; no run titled with the dispatch id appeared (a run waiting for a runner is not listed to \
                         readers until a runner takes it)",
                        self.timed_out_detail()
                    ),
                    _ => self.timed_out_detail(),
                };
                return Waited::TimedOut(detail);
            }
            n += 1;
        }
    }

    /// Looks for the dispatched run by its title: in the run list (Gitea 1.25 lets only the
    /// repository's owners list runs), else in the tasks (readers may list them; a run shows
    /// there once a runner has taken one of its jobs).
    async fn search(&mut self, git_ref: &str) -> Option<Tracking> {
        let repo = self.settings.gitops_repo.clone();
        if !self.runs_forbidden {
            match self.forge.dispatched_runs(&repo, 30).await {
                Ok(runs) => {
                    let run = runs.into_iter().find(|r| names_dispatch(&r.title, &r.inputs, self.id))?;
                    self.run_url = run.html_url.clone();
                    self.host.info(&format!("GitOps run: {}", self.run_url));
                    return Some(Tracking::Run(run.id));
                }
                Err(e) if e.status() == Some(403) => {
                    self.runs_forbidden = true;
                    self.host.info(&format!(
                        "the token may not list the runs of {repo} ({e}): Gitea 1.25 lets only the repository's owners \
                         list them; looking for the run in its tasks instead"
                    ));
                }
                Err(e) => {
                    self.note("listing the runs", &e);
                    return None;
                }
            }
        }
        match self.forge.tasks(&repo).await {
            Ok(tasks) => {
                let task = tasks.iter().find(|t| {
                    self.is_ours(t, git_ref) && names_dispatch(&t.display_title, &BTreeMap::new(), self.id)
                })?;
                if !task.url.is_empty() {
                    self.run_url = task.url.clone();
                    self.host.info(&format!("GitOps run: {}", self.run_url));
                }
                Some(Tracking::Tasks { run_number: task.run_number, jobs: None })
            }
            Err(e) => {
                self.note("listing the tasks", &e);
                None
            }
        }
    }

    /// Our commit in the file's recent history: by trailer, or by the seed's subject for GitOps
    /// repositories still on the seed's script (trailer-free commits since the dispatch only).
    async fn commit_in_history(&self, git_ref: &str, dispatched_at: f64) -> Result<Option<Report>, ApiError> {
        let settings = self.settings;
        let commits = self.forge.commits(&settings.gitops_repo, Some(git_ref), Some(&settings.file), 1, 50).await?;
        if let Some(commit) = commits.iter().find(|c| trailer(&c.commit.message, DISPATCH_ID) == Some(self.id)) {
            // A pull request's commit reaches the branch through its merge: the merge commit is
            // what deployed it (a failure to list pull requests leaves the commit as found).
            if let Some(pull) = self.pull_of_dispatch().await.ok().flatten().filter(|p| p.merged) {
                return Ok(Some(self.proposed(&pull).await));
            }
            return Ok(Some(self.committed(commit.to_ref(), "")));
        }
        if let Some(pull) = self.pull_of_dispatch().await? {
            return Ok(Some(self.proposed(&pull).await));
        }
        let by_subject = commits.iter().find(|c| {
            c.created_ms().is_none_or(|t| t + 120_000.0 >= dispatched_at)
                && trailer(&c.commit.message, DISPATCH_ID).is_none()
                && is_seed_subject(&c.commit.message, &settings.version)
        });
        Ok(by_subject.map(|commit| {
            self.host.info(&format!(
                "found the commit by its subject (gitops: update version to {}): the GitOps repository's workflow \
                 writes no {DISPATCH_ID} trailer",
                settings.version
            ));
            self.committed(commit.to_ref(), " (matched by subject)")
        }))
    }

    fn committed(&self, commit: CommitRef, how: &str) -> Report {
        Report {
            status: Status::Success,
            commit: Some(commit),
            run_url: String::new(),
            pull: None,
            detail: format!("committed to {}{how}", self.settings.gitops_repo),
        }
    }

    /// The pull request the GitOps run opened for this dispatch (its body carries the
    /// dispatch's trailer), among the 100 most recently updated.
    async fn pull_of_dispatch(&self) -> Result<Option<PullRequest>, ApiError> {
        for page in 1..=2 {
            let pulls = match self.forge.pulls(&self.settings.gitops_repo, "all", page).await {
                Ok(pulls) => pulls,
                // Pull requests disabled in the repository (routers/api/v1/api.go mustAllowPulls).
                Err(ApiError::Status { status: 404, .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
            let count = pulls.len();
            if let Some(pull) = pulls.into_iter().find(|p| trailer(&p.body, DISPATCH_ID) == Some(self.id)) {
                return Ok(Some(pull));
            }
            if count < 50 {
                break;
            }
        }
        Ok(None)
    }

    /// What a pull request of this dispatch says about the deployment. One closed without
    /// merging is `superseded` when the component has a newer version open or merged (the GitOps
    /// step of a newer update closes the component's older pull requests), else a failure.
    async fn proposed(&self, pull: &PullRequest) -> Report {
        let repo = &self.settings.gitops_repo;
        let (status, commit, detail) = if pull.merged {
            let commit = pull.merge_commit(&self.web, repo);
            (Status::Success, commit, format!("pull request #{} merged into {repo}", pull.number))
        } else if pull.is_open() {
            (Status::PrOpened, None, format!("pull request #{} is open in {repo}", pull.number))
        } else if let Some((number, version)) = self.newer_pull(pull).await {
            let detail = format!("pull request #{} was closed in favour of #{number} (version {version})", pull.number);
            (Status::Superseded, None, detail)
        } else {
            (Status::Failure, None, format!("pull request #{} was closed without merging", pull.number))
        };
        Report { status, commit, run_url: String::new(), pull: Some(PullLink::of(pull)), detail }
    }

    /// An open or merged pull request of this dispatch's component (its head branch is
    /// `gitops/{component}/…`, as update mode names them) that proposes a newer version, among
    /// the 100 most recently updated.
    async fn newer_pull(&self, closed: &PullRequest) -> Option<(u64, String)> {
        let settings = self.settings;
        let prefix = pull_branch_prefix(&component_name(&settings.source_repo, settings.tag_prefix.as_deref()));
        for page in 1..=2 {
            let pulls = self.forge.pulls(&settings.gitops_repo, "all", page).await.ok()?;
            let newer = pulls
                .iter()
                .filter(|p| p.number != closed.number && p.head.label.starts_with(&prefix) && (p.is_open() || p.merged))
                .find_map(|p| Some((p.number, CommitMessage::newer_in_pull_body(&p.body, &settings.version)?)));
            if newer.is_some() || pulls.len() < 50 {
                return newer;
            }
        }
        None
    }

    /// Follows an open pull request until it is merged or closed, within the timeout; the
    /// consumer's commit shows it as pending meanwhile.
    async fn await_merge(&mut self, pull: &PullLink) -> Report {
        let settings = self.settings;
        self.host.info(&format!("waiting for pull request #{} to be merged: {}", pull.number, pull.html_url));
        let pending = format!("{}: pull request #{} waits for review", settings.version, pull.number);
        self.set_status("pending", &pull.html_url, &pending).await;
        let mut polls = 0;
        loop {
            let delay = poll_delay_ms(polls, settings.poll_max_ms.max(5_000), self.host.random_below(1001));
            polls += 1;
            if !self.forge.pause(delay).await {
                return Report {
                    status: Status::TimedOut,
                    commit: None,
                    run_url: String::new(),
                    pull: Some(pull.clone()),
                    detail: format!(
                        "pull request #{} was still open after {} s",
                        pull.number,
                        settings.timeout_ms / 1000
                    ),
                };
            }
            match self.forge.pull(&settings.gitops_repo, pull.number).await {
                Ok(current) if !current.is_open() => return self.proposed(&current).await,
                Ok(_) => {}
                Err(e) => self.note(&format!("reading pull request #{}", pull.number), &e),
            }
        }
    }

    /// After the run: its commit, or what the file says (`unchanged`, `superseded`); `Err` with
    /// the reason when the repository shows neither.
    async fn outcome_in_repo(&self, git_ref: &str, dispatched_at: f64) -> Result<Report, String> {
        let settings = self.settings;
        match self.commit_in_history(git_ref, dispatched_at).await {
            Ok(Some(report)) => return Ok(report),
            Ok(None) => {}
            Err(e) => return Err(format!("the run ended, but its commit could not be looked up: {e}")),
        }
        let file = match self.forge.file(&settings.gitops_repo, &settings.file, Some(git_ref)).await {
            Ok(Some(f)) => f,
            Ok(None) => {
                return Err(format!(
                    "the run ended without a commit, and {} does not exist on {git_ref}",
                    settings.file
                ))
            }
            Err(e) => return Err(format!("the run ended without a commit; reading {} failed: {e}", settings.file)),
        };
        let vars = named_values(
            &settings.version,
            Some(&settings.source_repo),
            Some(&settings.source_commit),
            Some(self.id),
            settings.tag_prefix.as_deref(),
        );
        let last = file.last_commit_sha.clone().map(|sha| CommitRef { sha, html_url: String::new() });
        match engine::edit(&file.bytes, &settings.expression, &vars, engine::is_json(&settings.file)) {
            Ok(edited) if edited.changes.is_empty() => Ok(Report {
                status: Status::Unchanged,
                commit: last,
                run_url: String::new(),
                pull: None,
                detail: format!("{} already holds {}", settings.file, settings.version),
            }),
            Ok(edited) => match downgrade(&edited.changes) {
                Some(newer) => Ok(Report {
                    status: Status::Superseded,
                    commit: last,
                    run_url: String::new(),
                    pull: None,
                    detail: format!("{newer} is newer than {}", settings.version),
                }),
                None => Err(format!(
                    "the run ended without a commit, and {} does not hold {}",
                    settings.file, settings.version
                )),
            },
            Err(e) => Err(format!("the run ended without a commit; {} cannot be checked: {e}", settings.file)),
        }
    }
}

/// When every task has ended: the worst conclusion (failure, then cancelled, then success;
/// skipped jobs count as success); `None` while any runs, or before any exists.
fn ended(tasks: &[&Task]) -> Option<Conclusion> {
    if tasks.is_empty() {
        return None;
    }
    let mut worst = Conclusion::Success;
    for task in tasks {
        match task.state {
            RunState::Completed(Conclusion::Failure) => worst = Conclusion::Failure,
            RunState::Completed(Conclusion::Cancelled) if worst != Conclusion::Failure => worst = Conclusion::Cancelled,
            RunState::Completed(_) => {}
            _ => return None,
        }
    }
    Some(worst)
}

/// An API error as the user's next step.
fn access_error(settings: &DispatchSettings, release: Release, error: &ApiError, action: &str) -> String {
    let repo = &settings.gitops_repo;
    match error.status() {
        Some(401) => format!("the token was refused ({error}): check input 'token'"),
        Some(403) if action == "dispatch" => format!(
            "the token cannot dispatch workflows in {repo} ({error}): it needs write access to the repository's code and \
             Actions (a personal token; a run's own token can never dispatch in another repository)"
        ),
        Some(403) => format!("the token cannot read {repo} ({error}): give it read access"),
        Some(404) if action == "dispatch" => format!(
            "{repo} has no workflow {} at ref {} ({error}): check inputs 'workflow' and 'ref'",
            settings.workflow,
            settings.git_ref.as_deref().unwrap_or("(default branch)")
        ),
        Some(404) => format!(
            "{repo} was not found, or the token cannot see it ({error}): check input 'GITOPS_REPO' and the token's \
             access; a run's own token sees no other repository"
        ),
        Some(500) if release.forgejo && action == "dispatch" => format!(
            "{} refused the dispatch ({error}); it answers 500 when the workflow is not in the first existing of {}, \
             when ref {} cannot be resolved, or for more than [actions] LIMIT_DISPATCH_INPUTS inputs with values",
            release.name(),
            release.workflow_dirs().join(", "),
            settings.git_ref.as_deref().unwrap_or("(default branch)")
        ),
        Some(400 | 422) => format!("the server rejected the dispatch ({error})"),
        _ => format!("{error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::Conclusion::{Cancelled, Failure, Success};

    fn task(id: u64, state: RunState) -> Task {
        Task {
            id,
            run_number: 1,
            display_title: String::new(),
            workflow_id: "w.yaml".into(),
            head_branch: "main".into(),
            url: String::new(),
            state,
        }
    }

    #[test]
    fn a_run_seen_through_tasks_ends_with_its_worst_job() {
        let done = task(1, RunState::Completed(Success));
        let failed = task(2, RunState::Completed(Failure));
        let cancelled = task(3, RunState::Completed(Cancelled));
        let running = task(4, RunState::Running);
        assert_eq!(ended(&[]), None);
        assert_eq!(ended(&[&done]), Some(Success));
        assert_eq!(ended(&[&done, &cancelled]), Some(Cancelled));
        assert_eq!(ended(&[&cancelled, &failed, &done]), Some(Failure));
        assert_eq!(ended(&[&done, &running]), None);
    }
}
