//! `mode: dispatch`: the consumer side. Dispatches the GitOps repository's workflow with a
//! unique `dispatch_id`, follows exactly that run (never "the newest run"), finds exactly the
//! commit it made (by its `Gitops-Dispatch-Id` trailer), reports both on the consumer's commit
//! as statuses, and writes the pipeline summary line, on failure too.

use std::collections::BTreeMap;

use crate::engine;
use crate::forge::{
    backoff_ms, ApiError, CommitInfo, CommitRef, Forge, Run, RunDetails, RunState, StatusOptions, Task,
};
use crate::host::{Clock, Http, Level, Log};
use crate::settings::{named_values, DispatchSettings};
use crate::value::Value;
use crate::yaml::document::Stream;

use super::update::{downgrade, find_dispatch_commit, trailer, DISPATCH_TRAILER};
use super::{Failure, Outcome};

/// How often a run cancelled by a newer dispatch (Gitea 1.24/1.25) is dispatched again.
pub const MAX_DISPATCHES: u32 = 6;
/// How long a run is looked for in the run list before following the commit instead.
const RUN_SEARCH_MS: f64 = 60_000.0;
/// The first pause between polls.
const FIRST_POLL_MS: u64 = 1_000;

/// A server release, from `GET /version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Release {
    /// Forgejo rather than Gitea.
    pub forgejo: bool,
    /// Major version (Gitea 1, Forgejo 11).
    pub major: u64,
    /// Minor version.
    pub minor: u64,
}

impl Release {
    /// Reads `1.26.4`, `1.25.0+dev-12-gabc`, `11.0.3+gitea-1.22.0`.
    pub fn parse(version: &str) -> Option<Release> {
        let forgejo = version.contains("+gitea-") || !version.starts_with("1.");
        let core = version.trim_start_matches('v').split(['+', '-']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        Some(Release { forgejo, major: parts.next()??, minor: parts.next().flatten().unwrap_or(0) })
    }

    fn at_least(self, major: u64, minor: u64) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// Whether the server has the workflow dispatch API (Gitea 1.24, Forgejo 8).
    pub fn can_dispatch(self) -> bool {
        if self.forgejo {
            self.major >= 8
        } else {
            self.at_least(1, 24)
        }
    }

    /// How a dispatch can learn its run.
    pub fn run_details(self) -> RunDetails {
        match self.forgejo {
            false if self.at_least(1, 26) => RunDetails::Query,
            true if self.major >= 11 => RunDetails::Body,
            _ => RunDetails::None,
        }
    }

    /// Whether runs can be read (`/actions/runs`: Gitea 1.25, Forgejo 12).
    pub fn lists_runs(self) -> bool {
        if self.forgejo {
            self.major >= 12
        } else {
            self.at_least(1, 25)
        }
    }
}

/// How a dispatch ended: the `status` output and the summary line's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The GitOps commit landed.
    Success,
    /// The file already held the version.
    Unchanged,
    /// A newer version is in place.
    Superseded,
    /// The server refused the dispatch.
    DispatchRejected,
    /// The run failed.
    RunFailed,
    /// The run was cancelled, and dispatching again did not help.
    Cancelled,
    /// The run or commit did not appear in time.
    TimedOut,
    /// Anything else.
    Failure,
}

impl Ending {
    /// The name in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Ending::Success => "success",
            Ending::Unchanged => "unchanged",
            Ending::Superseded => "superseded",
            Ending::DispatchRejected => "dispatch_rejected",
            Ending::RunFailed => "run_failed",
            Ending::Cancelled => "cancelled",
            Ending::TimedOut => "timed_out",
            Ending::Failure => "failure",
        }
    }
}

/// The dispatch id: the job attempt's stable part and a random suffix, safe in a `run-name`.
pub fn dispatch_id(base: &str, random_hex: &str) -> String {
    let base: String =
        base.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).take(100).collect();
    format!("{base}-{random_hex}")
}

/// The pause before poll `n` (0-based): fast at first, growing by half to `max_ms`, jittered
/// down by up to 25 % (`random` uniform in `0..=1000`), so no pause exceeds `max_ms` and the
/// end of a run is seen within `max_ms` plus one request.
pub fn poll_delay_ms(n: u32, max_ms: u64, random: u64) -> u64 {
    let grown = (FIRST_POLL_MS as f64 * 1.5f64.powi(n.min(30) as i32)).min(max_ms as f64);
    let jitter = 0.75 + 0.2 * (random.min(1000) as f64 / 1000.0);
    (grown * jitter) as u64
}

/// The workflow_dispatch inputs a workflow declares, with whether each is required; `None` when
/// it has no `workflow_dispatch` trigger.
pub fn dispatch_inputs(workflow_yaml: &str) -> Option<BTreeMap<String, bool>> {
    let stream = Stream::parse(workflow_yaml).ok()?;
    let Value::Map(root) = stream.value_of(&stream.docs.first()?.root) else { return None };
    // YAML 1.1 readers turn the key `on` into `true`; 1.2 keeps it.
    let on = root.get("on").or_else(|| root.get("true"))?;
    let trigger = match on {
        Value::String(s) if s == "workflow_dispatch" => return Some(BTreeMap::new()),
        Value::Seq(items) if items.contains(&Value::String("workflow_dispatch".into())) => return Some(BTreeMap::new()),
        Value::Map(map) => map.get("workflow_dispatch")?,
        _ => return None,
    };
    let Value::Map(trigger) = trigger else { return Some(BTreeMap::new()) };
    let Some(Value::Map(inputs)) = trigger.get("inputs") else { return Some(BTreeMap::new()) };
    Some(
        inputs
            .iter()
            .map(|(name, spec)| {
                let required = matches!(spec, Value::Map(m) if m.get("required") == Some(&Value::Bool(true)) && m.get("default").is_none());
                (name.clone(), required)
            })
            .collect(),
    )
}

/// Whether a run in a list is the one dispatched with `id`: its title (the evaluated
/// `run-name`) or its recorded inputs carry the id.
pub fn is_our_run(run: &Run, id: &str) -> bool {
    run.inputs.get("dispatch_id").map(String::as_str) == Some(id)
        || run.title.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).any(|w| w == id)
}

/// What the step reports.
struct Report {
    ending: Ending,
    commit: Option<CommitRef>,
    run_url: String,
    detail: String,
}

impl Report {
    fn failed(ending: Ending, run_url: &str, detail: impl Into<String>) -> Report {
        Report { ending, commit: None, run_url: run_url.to_string(), detail: detail.into() }
    }
}

/// Runs the dispatch.
pub async fn run<H: Http + Clock + Log>(settings: &DispatchSettings, host: &H) -> Outcome {
    let forge = Forge::new(&settings.server.api_url, &settings.token, host);
    let status_forge = Forge::new(&settings.server.api_url, &settings.status_token, host);
    let id = dispatch_id(&settings.dispatch_id_base, &host.random_hex(3));
    host.info(&format!("dispatch id: {id}"));
    let report = follow(settings, &forge, &status_forge, host, &id).await;

    let web = &settings.server.web_url;
    let (state, target, description) = match (report.ending, &report.commit) {
        (Ending::Success | Ending::Unchanged | Ending::Superseded, commit) => (
            "success",
            commit.as_ref().map_or(report.run_url.clone(), |c| c.page(web, &settings.gitops_repo)),
            format!("{} {}: {}", settings.version, report.ending.as_str(), report.detail),
        ),
        (ending, _) => ("failure", report.run_url.clone(), format!("{}: {}", ending.as_str(), report.detail)),
    };
    let failed_by_choice = report.ending == Ending::Unchanged && settings.fail_on_unchanged;
    let state = if failed_by_choice { "failure" } else { state };
    set_status(settings, &status_forge, host, state, &target, &description).await;
    host.log(
        Level::Debug,
        &format!("{} API calls to {}, {} for statuses", forge.calls(), settings.gitops_repo, status_forge.calls()),
    );

    let sha = report.commit.as_ref().map_or("", |c| c.sha.as_str()).to_string();
    let short: String = sha.chars().take(7).collect();
    let commit_url = report.commit.as_ref().map_or(String::new(), |c| c.page(web, &settings.gitops_repo));
    let component = super::update::component_name(&settings.source_repo, settings.tag_prefix.as_deref());
    let summary_line =
        format!("{component}|{}|{}|{sha}|{}", settings.version, report.ending.as_str(), settings.gitops_repo);
    let ok = matches!(report.ending, Ending::Success | Ending::Unchanged | Ending::Superseded) && !failed_by_choice;
    let mut outcome = Outcome { ok, ..Outcome::default() };
    if !ok {
        let reason = if failed_by_choice {
            format!("{} (fail_on_unchanged: true)", report.detail)
        } else {
            report.detail.clone()
        };
        outcome.error = Some(Failure::message(format!("GitOps deployment {}: {reason}", report.ending.as_str())));
    }
    let outputs = [
        ("summary", summary_line.clone()),
        ("status", report.ending.as_str().to_string()),
        ("commit_sha", sha),
        ("commit_url", commit_url.clone()),
        ("run_url", report.run_url.clone()),
        ("dispatch_id", id),
    ];
    outcome.outputs = outputs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let commit_cell = if commit_url.is_empty() { "—".to_string() } else { format!("[`{short}`]({commit_url})") };
    let run_cell = if report.run_url.is_empty() { "—".to_string() } else { format!("[run]({})", report.run_url) };
    outcome.summary = format!(
        "### GitOps deployment: {component}\n\n| Status | Version | GitOps commit | Run | Detail |\n|---|---|---|---|---|\n| {} | `{}` | {commit_cell} | {run_cell} | {} |\n\n`{summary_line}`\n",
        report.ending.as_str(),
        settings.version,
        report.detail.replace('|', "\\|"),
    );
    outcome
}

async fn set_status<H: Http + Clock + Log>(
    settings: &DispatchSettings,
    forge: &Forge<'_, H>,
    host: &H,
    state: &str,
    target: &str,
    description: &str,
) {
    let description: String = description.chars().take(140).collect();
    let status = StatusOptions {
        state: state.into(),
        target_url: target.into(),
        description,
        context: settings.status_context.clone(),
    };
    if let Err(e) = forge.create_status(&settings.source_repo, &settings.source_commit, &status).await {
        host.warning(&format!(
            "could not set status {} on {}@{}: {e} (input 'status_token' needs write access to {})",
            settings.status_context, settings.source_repo, settings.source_commit, settings.source_repo
        ));
    }
}

/// Dispatches, follows the run, and finds the commit.
async fn follow<H: Http + Clock + Log>(
    settings: &DispatchSettings,
    forge: &Forge<'_, H>,
    status_forge: &Forge<'_, H>,
    host: &H,
    id: &str,
) -> Report {
    let repo = &settings.gitops_repo;
    let release = match forge.version().await {
        Ok(v) => Release::parse(&v.version),
        Err(e) => {
            return Report::failed(
                Ending::Failure,
                "",
                format!("cannot reach the server at {}: {e}", settings.server.api_url),
            )
        }
    };
    let Some(release) = release.filter(|r| r.can_dispatch()) else {
        return Report::failed(
            Ending::DispatchRejected,
            "",
            "the server is too old: dispatching workflows needs Gitea 1.24 or Forgejo 8 or newer",
        );
    };
    let git_ref = match &settings.git_ref {
        Some(r) => r.clone(),
        None => match forge.repository(repo).await {
            Ok(r) if !r.default_branch.is_empty() => r.default_branch,
            Ok(_) => "main".to_string(),
            Err(e) => return Report::failed(Ending::DispatchRejected, "", access_error(settings, &e, "read")),
        },
    };
    let inputs = match workflow_inputs(settings, forge, host, &git_ref, id).await {
        Ok(inputs) => inputs,
        Err(report) => return report,
    };
    let deadline = host.now_ms() + settings.timeout_ms as f64;
    let mut last_run_url = String::new();
    for attempt in 1..=MAX_DISPATCHES {
        // Without a run id, runs are told apart by the tasks that appear after the dispatch.
        let known_tasks = if release.run_details() == RunDetails::None && !release.lists_runs() {
            forge.tasks(repo).await.map(|tasks| tasks.iter().map(|t| t.id).collect()).unwrap_or_default()
        } else {
            Vec::new()
        };
        let dispatched_at = host.now_ms();
        let dispatched = match forge.dispatch(repo, &settings.workflow, &git_ref, &inputs, release.run_details()).await
        {
            Ok(d) => d,
            Err(e) => return Report::failed(Ending::DispatchRejected, "", access_error(settings, &e, "dispatch")),
        };
        let mut run_url = dispatched
            .html_url
            .clone()
            .or_else(|| dispatched.run_number.map(|n| format!("{}/{repo}/actions/runs/{n}", settings.server.web_url)));
        let mut tracking = match (dispatched.id, dispatched.run_number) {
            (Some(run_id), _) if release.lists_runs() => Tracking::Run(run_id),
            (_, Some(number)) => Tracking::Task(number),
            _ => Tracking::Commit { known_tasks },
        };
        if matches!(tracking, Tracking::Commit { .. }) && release.lists_runs() {
            match find_run(settings, forge, host, id, (dispatched_at + RUN_SEARCH_MS).min(deadline)).await {
                Some(run) => {
                    tracking = Tracking::Run(run.id);
                    run_url = Some(run.html_url);
                }
                None => host.warning(&format!(
                    "no run of {} with dispatch id {id} in its title or inputs appeared; following the commit instead \
                     (put ${{{{ inputs.dispatch_id }}}} in the workflow's run-name to let runs be found)",
                    settings.workflow
                )),
            }
        } else if matches!(tracking, Tracking::Commit { .. }) {
            host.info(&format!(
                "Gitea {}.{} cannot tell which run a dispatch started; following the commit with {DISPATCH_TRAILER}: {id} instead",
                release.major, release.minor
            ));
        }
        let run_url = run_url.unwrap_or_else(|| format!("{}/{repo}/actions", settings.server.web_url));
        last_run_url = run_url.clone();
        host.info(&format!("GitOps run: {run_url}"));
        set_status(
            settings,
            status_forge,
            host,
            "pending",
            &run_url,
            &format!("{} dispatched to {repo}", settings.version),
        )
        .await;

        let conclusion = match wait(settings, forge, host, &tracking, &git_ref, id, dispatched_at, deadline).await {
            Waited::Done(report) => return Report { run_url, ..report },
            Waited::Completed(conclusion) => conclusion,
            Waited::TimedOut => {
                let waited = (settings.timeout_ms / 1000).max(1);
                return Report::failed(
                    Ending::TimedOut,
                    &run_url,
                    format!("no result within {waited} s (input 'timeout')"),
                );
            }
            Waited::Error(e) => return Report::failed(Ending::Failure, &run_url, e),
        };
        match conclusion.as_str() {
            "success" => {
                return match outcome_in_repo(settings, forge, host, &git_ref, id, dispatched_at).await {
                    Ok(report) => Report { run_url, ..report },
                    Err(why) => Report::failed(Ending::Failure, &run_url, why),
                };
            }
            // Cancelled by a newer dispatch (Gitea 1.24/1.25), or (Gitea 1.24) ended unseen.
            "cancelled" | "ended" => {
                if let Ok(report) = outcome_in_repo(settings, forge, host, &git_ref, id, dispatched_at).await {
                    return Report { run_url, ..report };
                }
                if attempt == MAX_DISPATCHES {
                    return Report::failed(
                        Ending::Cancelled,
                        &run_url,
                        format!("the run ended without a commit {MAX_DISPATCHES} times"),
                    );
                }
                let pause = backoff_ms(attempt, 1_000, 8_000, host.random_below(1001));
                host.warning(&format!(
                    "the GitOps run ended ({conclusion}) before committing: Gitea 1.24/1.25 cancel a workflow's unfinished runs when it is \
                     dispatched again; dispatching again with the same id in {pause} ms ({attempt}/{MAX_DISPATCHES})"
                ));
                host.sleep(pause).await;
            }
            other => {
                return Report::failed(
                    Ending::RunFailed,
                    &run_url,
                    format!("the GitOps run ended with {other}: see its log"),
                )
            }
        }
    }
    Report::failed(Ending::Cancelled, &last_run_url, "the run was cancelled")
}

/// Checks the workflow (exists, has `workflow_dispatch`, takes the inputs sent) and returns the
/// inputs to send.
async fn workflow_inputs<H: Http + Clock + Log>(
    settings: &DispatchSettings,
    forge: &Forge<'_, H>,
    host: &H,
    git_ref: &str,
    id: &str,
) -> Result<BTreeMap<String, String>, Report> {
    let repo = &settings.gitops_repo;
    let mut declared = None;
    for dir in [".gitea/workflows", ".forgejo/workflows", ".github/workflows"] {
        match forge.file(repo, &format!("{dir}/{}", settings.workflow), Some(git_ref)).await {
            Ok(Some(file)) => {
                let text = String::from_utf8_lossy(&file.bytes).into_owned();
                declared = Some(dispatch_inputs(&text).ok_or_else(|| {
                    Report::failed(Ending::DispatchRejected, "", format!("{dir}/{} in {repo} has no workflow_dispatch trigger: add `on: workflow_dispatch` with its inputs", settings.workflow))
                })?);
                break;
            }
            Ok(None) => continue,
            Err(e) => return Err(Report::failed(Ending::DispatchRejected, "", access_error(settings, &e, "read"))),
        }
    }
    let declared = declared.ok_or_else(|| {
        Report::failed(
            Ending::DispatchRejected,
            "",
            format!("workflow {} not found in .gitea/workflows, .forgejo/workflows or .github/workflows of {repo} at {git_ref}: check input 'workflow'", settings.workflow),
        )
    })?;
    let ours: BTreeMap<String, String> = [
        ("file", settings.file.clone()),
        ("yq_tpl", settings.expression_text.clone()),
        ("version", settings.version.clone()),
        ("source_repo", settings.source_repo.clone()),
        ("source_commit", settings.source_commit.clone()),
        ("dispatch_id", id.to_string()),
        ("git_tag_prefix", settings.tag_prefix.clone().unwrap_or_default()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some((missing, _)) = declared.iter().find(|(name, required)| **required && !ours.contains_key(*name)) {
        return Err(Report::failed(
            Ending::DispatchRejected,
            "",
            format!(
                "{} requires input '{missing}', which gitops-action does not send; it sends {}",
                settings.workflow,
                ours.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    if declared.is_empty() {
        return Ok(BTreeMap::new());
    }
    for name in ["dispatch_id", "file", "yq_tpl", "version"] {
        if !declared.contains_key(name) {
            host.warning(&format!("{} declares no input '{name}'; it is not sent", settings.workflow));
        }
    }
    // Send every declared input we have; an empty value only where the workflow requires it.
    Ok(ours.into_iter().filter(|(k, v)| declared.get(k).is_some_and(|required| *required || !v.is_empty())).collect())
}

/// Looks through the dispatched runs for ours until `until`.
async fn find_run<H: Http + Clock + Log>(
    settings: &DispatchSettings,
    forge: &Forge<'_, H>,
    host: &H,
    id: &str,
    until: f64,
) -> Option<Run> {
    let mut n = 0;
    while host.now_ms() < until {
        if let Ok(runs) = forge.dispatched_runs(&settings.gitops_repo, 30).await {
            if let Some(run) = runs.into_iter().find(|r| is_our_run(r, id)) {
                return Some(run);
            }
        }
        host.sleep(poll_delay_ms(n, settings.poll_max_ms, host.random_below(1001))).await;
        n += 1;
    }
    None
}

/// How a dispatched run is followed.
enum Tracking {
    /// Its run can be read (Gitea 1.25+, Forgejo 12+).
    Run(u64),
    /// Only its tasks can be read, by run number (Forgejo 11).
    Task(u64),
    /// Nothing names it (Gitea 1.24): its commit is watched, and the tasks that appeared after
    /// the dispatch (those not in `known_tasks`) tell when every such run has ended.
    Commit {
        /// Task ids that existed before the dispatch.
        known_tasks: Vec<u64>,
    },
}

enum Waited {
    /// The result shows in the repository (our commit).
    Done(Report),
    /// The run ended: `success`, `failure`, `cancelled`, … or `ended` (seen only through tasks).
    Completed(String),
    TimedOut,
    Error(String),
}

/// Polls until the run ends, its commit appears, or the deadline passes.
#[allow(clippy::too_many_arguments)]
async fn wait<H: Http + Clock + Log>(
    settings: &DispatchSettings,
    forge: &Forge<'_, H>,
    host: &H,
    tracking: &Tracking,
    git_ref: &str,
    id: &str,
    dispatched_at: f64,
    deadline: f64,
) -> Waited {
    let mut n = 0;
    loop {
        match tracking {
            Tracking::Run(run_id) => match forge.run(&settings.gitops_repo, *run_id).await {
                Ok(run) => {
                    if let RunState::Completed(conclusion) = run.state {
                        return Waited::Completed(conclusion);
                    }
                }
                Err(e) if e.status() == Some(404) => return Waited::Error(format!("the run disappeared: {e}")),
                Err(e) => host.log(Level::Debug, &format!("polling the run: {e}")),
            },
            Tracking::Task(number) => match forge.tasks(&settings.gitops_repo).await {
                Ok(tasks) => {
                    let ours: Vec<&Task> = tasks
                        .iter()
                        .filter(|t| t.run_number == *number && t.workflow_id == settings.workflow)
                        .collect();
                    if let Some(conclusion) = all_ended(&ours) {
                        return Waited::Completed(conclusion);
                    }
                }
                Err(e) => host.log(Level::Debug, &format!("polling the run's tasks: {e}")),
            },
            Tracking::Commit { known_tasks } => {
                match commit_in_history(settings, forge, host, git_ref, id, dispatched_at).await {
                    Ok(Some(report)) => return Waited::Done(report),
                    Ok(None) => {}
                    Err(e) => host.log(Level::Debug, &format!("looking for the commit: {e}")),
                }
                if let Ok(tasks) = forge.tasks(&settings.gitops_repo).await {
                    let new: Vec<&Task> = tasks
                        .iter()
                        .filter(|t| t.workflow_id == settings.workflow && !known_tasks.contains(&t.id))
                        .collect();
                    // Other dispatchers' runs may be among them: only a failure of all is ours for sure.
                    let all_failed = new.iter().all(|t| t.state == RunState::Completed("failure".into()));
                    if all_ended(&new).is_some() {
                        return Waited::Completed(if all_failed { "failure" } else { "ended" }.into());
                    }
                }
            }
        }
        if host.now_ms() >= deadline {
            return Waited::TimedOut;
        }
        let pause = poll_delay_ms(n, settings.poll_max_ms, host.random_below(1001));
        host.sleep(pause.min((deadline - host.now_ms()).max(0.0) as u64 + 1)).await;
        n += 1;
    }
}

/// When every task has ended: `success`, or the first other conclusion; `None` while any runs
/// (or there are none yet).
fn all_ended(tasks: &[&Task]) -> Option<String> {
    if tasks.is_empty() {
        return None;
    }
    let mut conclusion = "success".to_string();
    for task in tasks {
        match &task.state {
            RunState::Completed(c) if c != "success" && c != "skipped" => conclusion = c.clone(),
            RunState::Completed(_) => {}
            _ => return None,
        }
    }
    Some(conclusion)
}

fn to_ref(c: &CommitInfo) -> CommitRef {
    CommitRef { sha: c.sha.clone(), html_url: c.html_url.clone() }
}

fn committed(settings: &DispatchSettings, commit: CommitRef, how: &str) -> Report {
    Report {
        ending: Ending::Success,
        commit: Some(commit),
        run_url: String::new(),
        detail: format!("committed to {}{how}", settings.gitops_repo),
    }
}

/// Our commit in the file's recent history: by trailer, or by the seed's subject for GitOps
/// repositories still on the seed's script (trailer-free commits since the dispatch only).
async fn commit_in_history<H: Http + Clock + Log>(
    settings: &DispatchSettings,
    forge: &Forge<'_, H>,
    host: &H,
    git_ref: &str,
    id: &str,
    dispatched_at: f64,
) -> Result<Option<Report>, ApiError> {
    let commits = forge.commits(&settings.gitops_repo, Some(git_ref), Some(&settings.file), 1, 50).await?;
    if let Some(commit) = find_dispatch_commit(&commits, id) {
        return Ok(Some(committed(settings, to_ref(commit), "")));
    }
    let subject = format!("gitops: update version to {}", settings.version);
    let by_subject = commits.iter().find(|c| {
        c.created_ms().is_none_or(|t| t + 120_000.0 >= dispatched_at)
            && trailer(&c.commit.message, DISPATCH_TRAILER).is_none()
            && c.commit.message.lines().next().is_some_and(|s| s.ends_with(&subject))
    });
    Ok(by_subject.map(|commit| {
        host.info(&format!("found the commit by its subject ({subject}): the GitOps repository's workflow writes no {DISPATCH_TRAILER} trailer"));
        committed(settings, to_ref(commit), " (matched by subject)")
    }))
}

/// After the run: its commit, or what the file says (`unchanged`, `superseded`); `Err` with
/// the reason when the repository shows neither.
async fn outcome_in_repo<H: Http + Clock + Log>(
    settings: &DispatchSettings,
    forge: &Forge<'_, H>,
    host: &H,
    git_ref: &str,
    id: &str,
    dispatched_at: f64,
) -> Result<Report, String> {
    match commit_in_history(settings, forge, host, git_ref, id, dispatched_at).await {
        Ok(Some(report)) => return Ok(report),
        Ok(None) => {}
        Err(e) => return Err(format!("the run ended, but its commit could not be looked up: {e}")),
    }
    let file = match forge.file(&settings.gitops_repo, &settings.file, Some(git_ref)).await {
        Ok(Some(f)) => f,
        Ok(None) => {
            return Err(format!("the run ended without a commit, and {} does not exist on {git_ref}", settings.file))
        }
        Err(e) => return Err(format!("the run ended without a commit; reading {} failed: {e}", settings.file)),
    };
    let vars = named_values(
        &settings.version,
        Some(&settings.source_repo),
        Some(&settings.source_commit),
        Some(id),
        settings.tag_prefix.as_deref(),
    );
    let last = file.last_commit_sha.clone().map(|sha| CommitRef { sha, html_url: String::new() });
    match engine::edit(&file.bytes, &settings.expression, &vars, engine::is_json(&settings.file)) {
        Ok(edited) if edited.changes.is_empty() => Ok(Report {
            ending: Ending::Unchanged,
            commit: last,
            run_url: String::new(),
            detail: format!("{} already holds {}", settings.file, settings.version),
        }),
        Ok(edited) => match downgrade(&edited.changes) {
            Some(newer) => Ok(Report {
                ending: Ending::Superseded,
                commit: last,
                run_url: String::new(),
                detail: format!("{newer} is newer than {}", settings.version),
            }),
            None => {
                Err(format!("the run ended without a commit, and {} does not hold {}", settings.file, settings.version))
            }
        },
        Err(e) => Err(format!("the run ended without a commit; {} cannot be checked: {e}", settings.file)),
    }
}

/// An API error as the user's next step.
fn access_error(settings: &DispatchSettings, error: &ApiError, action: &str) -> String {
    let repo = &settings.gitops_repo;
    match error.status() {
        Some(401) => format!("the token was refused ({error}): check input 'token'"),
        Some(403) if action == "dispatch" => format!(
            "the token cannot dispatch workflows in {repo} ({error}): it needs write access to the repository's code and Actions \
             (a personal token; the run's own token never can dispatch in another repository)"
        ),
        Some(403) => format!("the token cannot read {repo} ({error}): give it read access"),
        Some(404) if action == "dispatch" => format!("{repo} has no workflow {} at ref {} ({error}): check inputs 'workflow' and 'ref'", settings.workflow, settings.git_ref.as_deref().unwrap_or("(default branch)")),
        Some(404) => format!("{repo} was not found, or the token cannot see it ({error}): check input 'GITOPS_REPO' and the token's access"),
        Some(400 | 422) => format!("the server rejected the dispatch ({error})"),
        _ => format!("{error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        let gitea = Release::parse("1.26.4").unwrap();
        assert_eq!((gitea.forgejo, gitea.run_details(), gitea.lists_runs()), (false, RunDetails::Query, true));
        let old = Release::parse("1.25.3").unwrap();
        assert_eq!((old.run_details(), old.lists_runs()), (RunDetails::None, true));
        let oldest = Release::parse("1.24.6").unwrap();
        assert!(oldest.can_dispatch() && !oldest.lists_runs());
        assert!(!Release::parse("1.23.1").unwrap().can_dispatch());
        let forgejo = Release::parse("11.0.3+gitea-1.22.0").unwrap();
        assert_eq!((forgejo.forgejo, forgejo.run_details(), forgejo.lists_runs()), (true, RunDetails::Body, false));
        assert!(Release::parse("12.0.1+gitea-1.22.0").unwrap().lists_runs());
    }

    #[test]
    fn poll_delays_grow_to_the_cap_and_never_exceed_it() {
        assert_eq!(poll_delay_ms(0, 5_000, 1000), 950);
        assert_eq!(poll_delay_ms(1, 5_000, 1000), 1_425);
        assert_eq!(poll_delay_ms(10, 5_000, 1000), 4_750);
        assert_eq!(poll_delay_ms(10, 5_000, 0), 3_750);
        assert!((0..=1000).all(|r| poll_delay_ms(30, 5_000, r) <= 5_000));
    }

    #[test]
    fn workflow_inputs_are_read_from_any_on_form() {
        let wf = "on:\n  workflow_dispatch:\n    inputs:\n      version: {required: true}\n      dispatch_id: {required: false, default: ''}\n";
        let inputs = dispatch_inputs(wf).unwrap();
        assert_eq!(inputs.get("version"), Some(&true));
        assert_eq!(inputs.get("dispatch_id"), Some(&false));
        assert_eq!(dispatch_inputs("on: [push, workflow_dispatch]\n"), Some(BTreeMap::new()));
        assert_eq!(dispatch_inputs("on: push\n"), None);
    }

    #[test]
    fn runs_are_matched_by_id_never_by_recency() {
        let run = |title: &str, inputs: &[(&str, &str)]| Run {
            id: 1,
            html_url: String::new(),
            title: title.into(),
            inputs: inputs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            state: RunState::Running,
        };
        assert!(is_our_run(&run("GitOps (app-12-1-build-a1b2c3)", &[]), "app-12-1-build-a1b2c3"));
        assert!(!is_our_run(&run("GitOps (app-12-1-build-a1b2c3d)", &[]), "app-12-1-build-a1b2c3"));
        assert!(is_our_run(&run("GitOps Update", &[("dispatch_id", "x-1")]), "x-1"));
        assert_eq!(dispatch_id("niko-app-12-1-build", "a1b2c3"), "niko-app-12-1-build-a1b2c3");
        assert_eq!(dispatch_id("a b/c", "ff"), "abc-ff");
    }
}
