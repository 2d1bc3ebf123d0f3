//! `mode: dispatch`: the consumer side. Dispatches the GitOps repository's workflow with a
//! unique `dispatch_id`, follows exactly that run (never "the newest run"), finds exactly the
//! commit it made (by its `Gitops-Dispatch-Id` trailer), reports both on the consumer's commit
//! as statuses, and writes the pipeline summary line, on failure too. It ends within `timeout`
//! (plus the few seconds the final status takes).

use crate::forge::{shorten, CommitRef, Forge, PullLink, StatusOptions};
use crate::gitops::summary::{Status, SummaryLine};
use crate::gitops::{component_name, markdown, short_sha};
use crate::host::{Clock, Http, Level, Log};
use crate::secrets::Secrets;
use crate::settings::DispatchSettings;

use super::{Failure, Outcome, Output};

mod follower;
mod workflow;

use follower::Follower;

/// How often a run cancelled by a newer dispatch (Gitea 1.24/1.25) is dispatched again.
pub const MAX_DISPATCHES: u32 = 6;
/// How long after the deadline the final status may still be written.
const STATUS_GRACE_MS: f64 = 5_000.0;
/// The first pause between polls.
const FIRST_POLL_MS: u64 = 1_000;
/// The longest status description sent (servers keep 255 characters).
const MAX_DESCRIPTION_CHARS: usize = 140;

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

/// What the step reports.
pub(crate) struct Report {
    status: Status,
    commit: Option<CommitRef>,
    run_url: String,
    /// The pull request the GitOps run opened, when it went through one.
    pull: Option<PullLink>,
    detail: String,
}

impl Report {
    fn failed(status: Status, run_url: &str, detail: impl Into<String>) -> Report {
        Report { status, commit: None, run_url: run_url.to_string(), pull: None, detail: detail.into() }
    }
}

/// Runs the dispatch.
pub async fn run<H: Http + Clock + Log>(settings: &DispatchSettings, host: &H, secrets: &Secrets) -> Outcome {
    let deadline = host.now_ms() + settings.timeout_ms as f64;
    let forge = Forge::new(&settings.server.api_url, &settings.token, host, secrets).with_deadline(deadline);
    let status_forge = Forge::new(&settings.server.api_url, &settings.status_token, host, secrets)
        .with_deadline(deadline + STATUS_GRACE_MS);
    let id = dispatch_id(&settings.dispatch_id_base, &host.random_hex(3));
    host.info(&format!("dispatch id: {id}"));
    let mut follower = Follower::new(settings, &forge, &status_forge, host, &id);
    let report = follower.follow().await;

    let commit_url = report.commit.as_ref().map_or(String::new(), |c| follower.commit_page(c));
    let failed_by_choice = report.status == Status::Unchanged && settings.fail_on_unchanged;
    let ok = report.status.is_deployed() && !failed_by_choice;
    let pull_url = report.pull.as_ref().map_or(String::new(), |p| p.html_url.clone());
    let (state, target, description) = if ok {
        let target = match (report.status, commit_url.is_empty()) {
            (Status::PrOpened, _) if !pull_url.is_empty() => pull_url.clone(),
            (_, true) => report.run_url.clone(),
            (_, false) => commit_url.clone(),
        };
        ("success", target, format!("{} {}: {}", settings.version, report.status, report.detail))
    } else {
        // A pull request that was closed, or is still open at the deadline, says more than the run.
        let target = if pull_url.is_empty() { report.run_url.clone() } else { pull_url.clone() };
        ("failure", target, format!("{}: {}", report.status, report.detail))
    };
    follower.set_status(state, &target, &description).await;
    host.log(
        Level::Debug,
        &format!("{} API calls to {}, {} for statuses", forge.calls(), settings.gitops_repo, status_forge.calls()),
    );

    let sha = report.commit.as_ref().map_or("", |c| c.sha.as_str()).to_string();
    let component = component_name(&settings.source_repo, settings.tag_prefix.as_deref());
    let line = SummaryLine {
        component: component.clone(),
        version: settings.version.clone(),
        status: report.status.to_string(),
        commit_sha: sha.clone(),
        repo: settings.gitops_repo.clone(),
    };
    let mut outcome = Outcome { ok, ..Outcome::default() };
    if !ok {
        let reason = if failed_by_choice {
            format!("{} (fail_on_unchanged: true)", report.detail)
        } else {
            report.detail.clone()
        };
        outcome.error = Some(Failure::message(format!("GitOps deployment {}: {reason}", report.status)));
    }
    outcome.output(Output::Summary, line.to_string());
    outcome.output(Output::Status, report.status.as_str());
    outcome.output(Output::CommitSha, sha.clone());
    outcome.output(Output::CommitUrl, commit_url.clone());
    outcome.output(Output::RunUrl, report.run_url.clone());
    outcome.output(Output::DispatchId, id);
    if let Some(pull) = &report.pull {
        outcome.output(Output::PrUrl, pull.html_url.clone());
        outcome.output(Output::PrNumber, pull.number.to_string());
    }
    let commit_cell =
        if commit_url.is_empty() { "—".to_string() } else { markdown::code_link(short_sha(&sha), &commit_url) };
    let mut run_cell =
        if report.run_url.is_empty() { "—".to_string() } else { markdown::link("run", &report.run_url) };
    if let Some(pull) = &report.pull {
        run_cell.push_str(&format!(", {}", markdown::link(&format!("#{}", pull.number), &pull.html_url)));
    }
    outcome.summary = format!(
        "### GitOps deployment: {}\n\n| Status | Version | GitOps commit | Run | Detail |\n|---|---|---|---|---|\n\
         | {} | {} | {commit_cell} | {run_cell} | {} |\n\n{}\n",
        markdown::text(&component),
        report.status,
        markdown::code(&settings.version),
        markdown::text(&report.detail),
        markdown::code(&line.to_string()),
    );
    outcome
}

/// A status description: shortened to what servers keep.
fn description(text: &str) -> String {
    shorten(text, MAX_DESCRIPTION_CHARS)
}

/// Sets a status on the consumer's commit; a failure is a warning that names its cause.
async fn set_status<H: Http + Clock + Log>(
    settings: &DispatchSettings,
    forge: &Forge<'_, H>,
    host: &H,
    state: &'static str,
    target: &str,
    text: &str,
) {
    let status = StatusOptions {
        state,
        target_url: target.into(),
        description: description(text),
        context: settings.status_context.clone(),
    };
    if let Err(e) = forge.create_status(&settings.source_repo, &settings.source_commit, &status).await {
        let cause = match e.status() {
            Some(401) => "the server refused input 'status_token'".to_string(),
            Some(403) => format!(
                "input 'status_token' may not write statuses to {}: it needs write access to its code (on Gitea 1.26 a \
                 job's `permissions:` block needs `contents: write`; `statuses: write` is ignored)",
                settings.source_repo
            ),
            Some(404) => format!(
                "{} or commit {} is not visible to input 'status_token'",
                settings.source_repo,
                short_sha(&settings.source_commit)
            ),
            Some(status) if status >= 500 => "a server error, not a permission problem".to_string(),
            _ => "no answer from the server".to_string(),
        };
        host.warning(&format!(
            "could not set status {} on {}@{}: {e} ({cause})",
            settings.status_context,
            settings.source_repo,
            short_sha(&settings.source_commit)
        ));
    }
}

#[cfg(test)]
mod tests;
