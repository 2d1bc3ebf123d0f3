//! `mode: dispatch` against scripted server answers, each following the server code cited next
//! to it; the full behaviour, with real runs, is exercised against the sandbox (tests/dispatch/).

use std::cell::RefCell;
use std::rc::Rc;

use super::{dispatch_id, poll_delay_ms};
use crate::forge::encode_base64;
use crate::host::{HttpError, HttpRequest, HttpResponse};
use crate::modes::{self, Outcome};
use crate::settings::Request;
use crate::testing::{block_on, json, route, FakeHost, TIMED_OUT};

const ID: &str = "org-app-7-1-build-5a5a5a";
const COMMIT: &str = "89abcdef0123456789abcdef0123456789abcdef";
/// The merge commit of pull request #5.
const MERGE: &str = "fedcba9876543210fedcba9876543210fedcba98";
const SOURCE: &str = "8cc9155b8693ac36bcbfc30ee153056bb43898f5";
const WORKFLOW: &str = "name: GitOps Update\nrun-name: \"GitOps (${{ inputs.dispatch_id || 'manual' }})\"\non:\n  workflow_dispatch:\n    inputs:\n      file: {type: string, required: true}\n      yq_tpl: {type: string, required: true}\n      version: {type: string, required: true}\n      source_repo: {type: string, required: true}\n      source_commit: {type: string, required: true}\n      dispatch_id: {type: string, required: false, default: ''}\n";

#[test]
fn poll_delays_grow_to_the_cap_and_never_exceed_it() {
    assert_eq!(poll_delay_ms(0, 5_000, 1000), 950);
    assert_eq!(poll_delay_ms(1, 5_000, 1000), 1_425);
    assert_eq!(poll_delay_ms(10, 5_000, 1000), 4_750);
    assert_eq!(poll_delay_ms(10, 5_000, 0), 3_750);
    assert!((0..=1000).all(|r| poll_delay_ms(30, 5_000, r) <= 5_000));
}

#[test]
fn dispatch_ids() {
    assert_eq!(dispatch_id("niko-app-12-1-build", "a1b2c3"), "niko-app-12-1-build-a1b2c3");
    assert_eq!(dispatch_id("a b/c", "ff"), "abc-ff");
}

/// A Gitea 1.25 server where the token's user reads but does not own `org/gitops`: listing
/// runs is refused (`reqOwner()`, routers/api/v1/api.go @v1.25.5), the tasks are readable, and
/// a task appears only once a runner takes the job (models/actions/task.go CreateTaskForRunner).
struct Gitea125 {
    /// How many task listings have been answered.
    task_polls: usize,
    /// Earlier tasks of the workflow, already finished.
    old_tasks: Vec<serde_json::Value>,
    dispatches: usize,
    /// The run opens pull request #5 instead of committing; reads of it until it merges (`None`:
    /// the run commits).
    pull_merges_after: Option<usize>,
    /// Pull request #5 ends closed without merging instead.
    pull_closed: bool,
    /// Pull request #6 of the same component proposes version 1.3.0 (open).
    newer_pull: bool,
}

fn task(id: u64, run_number: u64, title: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "name": "update", "head_branch": "main", "head_sha": SOURCE, "run_number": run_number,
        "event": "workflow_dispatch", "display_title": title, "status": status, "workflow_id": "gitops-service.yaml",
        "url": format!("https://git.example.com/org/gitops/actions/runs/{run_number}"),
        "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z", "run_started_at": "2026-12-01T10:00:00Z"
    })
}

/// Pull request #5 of the dispatch (modules/structs/pull.go PullRequest): open, or ended
/// (merged, or with `closed` closed without merging).
fn pull(ended: bool, closed: bool) -> serde_json::Value {
    let merged = ended && !closed;
    serde_json::json!({
        "number": 5, "state": if ended { "closed" } else { "open" }, "merged": merged,
        "merge_commit_sha": if merged { Some(MERGE) } else { None },
        "body": format!("---\n\n[skip ci] gitops: update version to 1.2.3\n\nGitops-Dispatch-Id: {ID}\n"),
        "html_url": "https://git.example.com/org/gitops/pulls/5",
        "head": {"label": "gitops/app/1.2.3-5a5a5a", "sha": "0123456789abcdef0123456789abcdef01234567"},
        "base": {"label": "main", "sha": "0123456789abcdef0123456789abcdef01234567"}
    })
}

fn contents(text: &str, path: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "file", "sha": "0123456789abcdef0123456789abcdef01234567", "size": text.len(), "encoding": "base64",
        "content": encode_base64(text.as_bytes()),
        "html_url": format!("https://git.example.com/org/gitops/src/branch/main/{path}"), "last_commit_sha": COMMIT
    })
}

fn serve_gitea_125(state: Rc<RefCell<Gitea125>>) -> impl FnMut(&HttpRequest, f64) -> Result<HttpResponse, HttpError> {
    move |request, _| {
        let mut s = state.borrow_mut();
        match (request.method.as_str(), route(&request.url)) {
            ("GET", "/version") => json(200, serde_json::json!({"version": "1.25.5"})),
            ("GET", "/repos/org/gitops") => json(
                200,
                serde_json::json!({"default_branch": "main", "html_url": "https://git.example.com/org/gitops"}),
            ),
            ("GET", "/repos/org/gitops/contents/.gitea/workflows/gitops-service.yaml") => {
                json(200, contents(WORKFLOW, ".gitea/workflows/gitops-service.yaml"))
            }
            ("POST", "/repos/org/gitops/actions/workflows/gitops-service.yaml/dispatches") => {
                s.dispatches += 1;
                Ok(HttpResponse { status: 204, ..HttpResponse::default() })
            }
            ("GET", "/repos/org/gitops/actions/runs") => {
                json(403, serde_json::json!({"message": "user should be the owner of the repo", "url": ""}))
            }
            ("GET", "/repos/org/gitops/actions/tasks") => {
                s.task_polls += 1;
                let mut tasks = Vec::new();
                // Queued for the first polls (no runner free: no task), then running, then done.
                match s.task_polls {
                    0..=3 => {}
                    4..=5 => tasks.push(task(41, 9, &format!("GitOps ({ID})"), "running")),
                    _ => tasks.push(task(41, 9, &format!("GitOps ({ID})"), "success")),
                }
                tasks.extend(s.old_tasks.clone());
                json(200, serde_json::json!({"workflow_runs": tasks, "total_count": tasks.len()}))
            }
            ("GET", "/repos/org/gitops/pulls") => {
                let mut list = vec![pull(s.pull_merges_after == Some(0), s.pull_closed)];
                if s.newer_pull {
                    list.insert(0, serde_json::json!({
                        "number": 6, "state": "open", "merged": false,
                        "body": "---\n\n[skip ci] gitops: update version to 1.3.0\n\nGitops-Dispatch-Id: org-app-8-1-build-bbbbbb\n",
                        "html_url": "https://git.example.com/org/gitops/pulls/6",
                        "head": {"label": "gitops/app/1.3.0-bbbbbb", "sha": COMMIT}, "base": {"label": "main", "sha": COMMIT}
                    }));
                }
                json(200, serde_json::Value::Array(list))
            }
            ("GET", "/repos/org/gitops/pulls/5") => {
                let left = s.pull_merges_after.unwrap_or_default().saturating_sub(1);
                s.pull_merges_after = Some(left);
                json(200, pull(left == 0, s.pull_closed))
            }
            ("GET", "/repos/org/gitops/commits") => {
                let message = format!("[skip ci] gitops: update version to 1.2.3\n\nGitops-Dispatch-Id: {ID}\n");
                // The run's commit is on the branch: committed there, or merged with its pull request.
                let commits = if s.task_polls >= 6 && matches!(s.pull_merges_after, None | Some(0)) {
                    vec![
                        serde_json::json!({"sha": COMMIT, "html_url": format!("https://git.example.com/org/gitops/commit/{COMMIT}"), "commit": {"message": message}, "created": "2026-12-01T10:00:00Z"}),
                    ]
                } else {
                    vec![]
                };
                json(200, serde_json::Value::Array(commits))
            }
            ("POST", path) if path.starts_with("/repos/org/app/statuses/") => json(201, serde_json::json!({})),
            (method, path) => panic!("unexpected request {method} {path}"),
        }
    }
}

fn dispatch(host: &FakeHost, extra: &[(&str, &str)]) -> Outcome {
    let mut inputs = vec![
        ("mode", "dispatch"),
        ("GITOPS_REPO", "org/gitops"),
        ("GITOPS_FILE", "dev/Chart.yaml"),
        ("GITOPS_YQ_TPL", ".version = \"{{VERSION}}\""),
        ("version", "1.2.3"),
        ("token", "bot-token-1234"),
        ("status_token", "run-token-5678"),
    ];
    inputs.extend_from_slice(extra);
    let env = [
        // The runner's address: internal (act_runner's registration address).
        ("GITHUB_SERVER_URL", "http://gitea:3000"),
        ("GITHUB_REPOSITORY", "org/app"),
        ("GITHUB_SHA", SOURCE),
        ("GITHUB_RUN_ID", "7"),
        ("GITHUB_RUN_ATTEMPT", "1"),
        ("GITHUB_JOB", "build"),
    ];
    let request = Request {
        inputs: inputs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        cwd: String::new(),
    };
    block_on(modes::run(&request, host))
}

#[test]
fn gitea_125_as_a_non_owner_finds_its_run_in_the_tasks_and_follows_it() {
    let state = Rc::new(RefCell::new(Gitea125 {
        task_polls: 0,
        // An earlier run that ended: never mistaken for ours.
        old_tasks: vec![task(40, 8, "GitOps (org-app-6-1-build-ffffff)", "success")],
        dispatches: 0,
        pull_merges_after: None,
        pull_closed: false,
        newer_pull: false,
    }));
    let host = FakeHost::new(serve_gitea_125(state.clone()));
    let outcome = dispatch(&host, &[]);
    assert!(outcome.ok, "{outcome:?}\n{}", host.log_text());
    assert_eq!(state.borrow().dispatches, 1, "exactly one dispatch");
    assert_eq!(outcome.outputs["status"], "success");
    assert_eq!(outcome.outputs["run_url"], "https://git.example.com/org/gitops/actions/runs/9");
    assert_eq!(outcome.outputs["commit_url"], format!("https://git.example.com/org/gitops/commit/{COMMIT}"));
    assert_eq!(outcome.outputs["dispatch_id"], ID);
    let log = host.log_text();
    assert!(log.contains("Gitea 1.25 lets only the repository's owners list them"), "{log}");
    let statuses: Vec<String> = host
        .requests
        .borrow()
        .iter()
        .filter(|(_, r)| r.url.contains("/statuses/"))
        .map(|(_, r)| r.body.clone().unwrap())
        .collect();
    assert!(statuses.last().unwrap().contains("\"state\":\"success\""));
    assert!(statuses.iter().any(|s| s.contains("actions/runs/9")), "a pending status links to the run: {statuses:?}");
    for text in statuses.iter().chain([&outcome.summary, &outcome.outputs["run_url"]]) {
        assert!(!text.contains("gitea:3000"), "a link for people uses the runner's address: {text}");
    }
}

#[test]
fn a_pull_request_of_the_run_is_reported_and_followed_until_merged() {
    let run = |wait: &str| {
        let state = Rc::new(RefCell::new(Gitea125 {
            task_polls: 0,
            old_tasks: Vec::new(),
            dispatches: 0,
            pull_merges_after: Some(3),
            pull_closed: false,
            newer_pull: false,
        }));
        let host = FakeHost::new(serve_gitea_125(state));
        let outcome = dispatch(&host, &[("wait_for_merge", wait)]);
        (outcome, host)
    };
    let (opened, host) = run("false");
    assert!(opened.ok, "{opened:?}\n{}", host.log_text());
    assert_eq!(opened.outputs["status"], "pr_opened");
    assert_eq!(opened.outputs["pr_url"], "https://git.example.com/org/gitops/pulls/5");
    assert_eq!(opened.outputs["summary"], "app|1.2.3|pr_opened||org/gitops");
    let last_status =
        host.requests.borrow().iter().rev().find(|(_, r)| r.url.contains("/statuses/")).unwrap().1.body.clone();
    assert!(last_status.unwrap().contains("pulls/5"), "the final status links to the pull request");

    let (merged, host) = run("true");
    assert!(merged.ok, "{merged:?}\n{}", host.log_text());
    assert_eq!(merged.outputs["status"], "success");
    assert_eq!(merged.outputs["commit_sha"], MERGE);
    assert_eq!(merged.outputs["pr_number"], "5");
    let statuses: Vec<String> = host
        .requests
        .borrow()
        .iter()
        .filter(|(_, r)| r.url.contains("/statuses/"))
        .map(|(_, r)| r.body.clone().unwrap())
        .collect();
    assert!(
        statuses.iter().any(|s| s.contains("pending") && s.contains("pulls/5")),
        "pending links to the pull request: {statuses:?}"
    );
    assert!(statuses.last().unwrap().contains("\"state\":\"success\""));
}

#[test]
fn a_pull_request_the_run_merged_reports_its_merge_commit_not_the_commit_it_brought() {
    let state = Rc::new(RefCell::new(Gitea125 {
        task_polls: 0,
        old_tasks: Vec::new(),
        dispatches: 0,
        pull_merges_after: Some(0),
        pull_closed: false,
        newer_pull: false,
    }));
    let host = FakeHost::new(serve_gitea_125(state));
    let outcome = dispatch(&host, &[]);
    assert!(outcome.ok, "{outcome:?}\n{}", host.log_text());
    assert_eq!(outcome.outputs["status"], "success");
    assert_eq!(outcome.outputs["commit_sha"], MERGE, "the merge commit, not the pull request's own commit {COMMIT}");
    assert_eq!(outcome.outputs["pr_number"], "5");
}

/// Status requests' bodies, in order.
fn statuses(host: &FakeHost) -> Vec<String> {
    host.requests
        .borrow()
        .iter()
        .filter(|(_, r)| r.url.contains("/statuses/"))
        .map(|(_, r)| r.body.clone().unwrap())
        .collect()
}

#[test]
fn a_pull_request_closed_unmerged_is_a_failure_linking_it_or_superseded_by_a_newer_one() {
    let run = |newer_pull: bool| {
        let state = Rc::new(RefCell::new(Gitea125 {
            task_polls: 0,
            old_tasks: Vec::new(),
            dispatches: 0,
            pull_merges_after: Some(3),
            pull_closed: true,
            newer_pull,
        }));
        let host = FakeHost::new(serve_gitea_125(state));
        let outcome = dispatch(&host, &[("wait_for_merge", "true")]);
        (outcome, host)
    };
    let (closed, host) = run(false);
    assert!(!closed.ok);
    assert_eq!(closed.outputs["status"], "failure", "{}", host.log_text());
    assert!(closed.error.unwrap().message.contains("pull request #5 was closed without merging"));
    let last = statuses(&host).pop().unwrap();
    assert!(
        last.contains("\"state\":\"failure\"") && last.contains("pulls/5"),
        "the failure links to the pull request: {last}"
    );

    // The GitOps step of a newer update of the component closed it.
    let (superseded, host) = run(true);
    assert!(superseded.ok, "{superseded:?}\n{}", host.log_text());
    assert_eq!(superseded.outputs["status"], "superseded");
    assert!(
        superseded.summary.contains("pull request #5 was closed in favour of #6 (version 1.3.0)"),
        "{}",
        superseded.summary
    );
}

#[test]
fn a_server_that_never_answers_ends_the_dispatch_within_its_timeout() {
    let host = FakeHost::new(|_, _| Err(HttpError(TIMED_OUT.into())));
    let started = host.now.get();
    let outcome = dispatch(&host, &[("timeout", "10s")]);
    assert!(!outcome.ok);
    let took = host.now.get() - started;
    // 10 s for the dispatch, 5 s more for the final status (issue #12: under 20 s).
    assert!(took <= 15_000.0, "took {took} ms");
    assert!(outcome.outputs["summary"].ends_with("|failure||org/gitops"), "{:?}", outcome.outputs);
}

#[test]
fn a_slow_run_endpoint_does_not_stretch_the_timeout() {
    // Gitea 1.26: the run is known from the dispatch; its endpoint answers after 60 s.
    let host = FakeHost::new(|request, _| match (request.method.as_str(), route(&request.url)) {
        ("GET", "/version") => json(200, serde_json::json!({"version": "1.26.4"})),
        ("GET", "/repos/org/gitops") => {
            json(200, serde_json::json!({"default_branch": "main", "html_url": "https://git.example.com/org/gitops"}))
        }
        ("GET", "/repos/org/gitops/contents/.gitea/workflows/gitops-service.yaml") => {
            json(200, contents(WORKFLOW, ".gitea/workflows/gitops-service.yaml"))
        }
        ("POST", "/repos/org/gitops/actions/workflows/gitops-service.yaml/dispatches") => json(
            200,
            serde_json::json!({"workflow_run_id": 5, "run_url": "", "html_url": "https://git.example.com/org/gitops/actions/runs/5"}),
        ),
        ("GET", "/repos/org/gitops/actions/runs/5") => Err(HttpError(TIMED_OUT.into())),
        ("POST", _) => json(201, serde_json::json!({})),
        (method, path) => panic!("unexpected request {method} {path}"),
    });
    let started = host.now.get();
    let outcome = dispatch(&host, &[("timeout", "15s")]);
    let took = host.now.get() - started;
    assert_eq!(outcome.outputs["status"], "timed_out");
    assert!(took <= 25_000.0, "took {took} ms");
    assert!(host.requests.borrow().iter().all(|(_, r)| r.timeout_ms <= 30_000));
}

#[test]
fn a_workflow_in_a_folder_the_server_does_not_read_is_named() {
    // Gitea reads only the first existing of .gitea/workflows and .github/workflows
    // (modules/actions/workflows.go ListWorkflows @v1.25.5).
    let host = FakeHost::new(|request, _| match (request.method.as_str(), route(&request.url)) {
        ("GET", "/version") => json(200, serde_json::json!({"version": "1.25.5"})),
        ("GET", "/repos/org/gitops") => {
            json(200, serde_json::json!({"default_branch": "main", "html_url": "https://git.example.com/org/gitops"}))
        }
        ("GET", "/repos/org/gitops/contents/.gitea/workflows/gitops-service.yaml") => {
            json(404, serde_json::json!({"message": "not found"}))
        }
        ("GET", "/repos/org/gitops/contents/.gitea/workflows") => {
            json(200, serde_json::json!([{"type": "file", "name": "other.yaml"}]))
        }
        ("POST", _) => json(201, serde_json::json!({})),
        (method, path) => panic!("unexpected request {method} {path}"),
    });
    let outcome = dispatch(&host, &[]);
    assert_eq!(outcome.outputs["status"], "dispatch_rejected");
    let message = outcome.error.unwrap().message;
    assert!(message.contains("reads workflows only from .gitea/workflows"), "{message}");
}

#[test]
fn the_runs_own_token_as_dispatch_token_is_named_as_the_cause() {
    // The run token on another repository: 404 for every request (routers/api/v1/api.go
    // repoAssignment @v1.25.5); `GET /user` names the Actions user, id -2 (models/user/user_system.go).
    let host = FakeHost::new(|request, _| match (request.method.as_str(), route(&request.url)) {
        ("GET", "/version") => json(200, serde_json::json!({"version": "1.25.5"})),
        ("GET", "/repos/org/gitops") => json(404, serde_json::json!({"message": "", "url": ""})),
        ("GET", "/user") => json(200, serde_json::json!({"id": -2, "login": "gitea-actions"})),
        ("POST", path) if path.starts_with("/repos/org/app/statuses/") => json(201, serde_json::json!({})),
        (method, path) => panic!("unexpected request {method} {path}"),
    });
    let outcome = dispatch(&host, &[]);
    assert_eq!(outcome.outputs["status"], "dispatch_rejected");
    let message = outcome.error.unwrap().message;
    assert!(
        message.contains(
            "input 'token' is this run's own token, which cannot read org/gitops (GET /repos/org/gitops answered 404)"
        ),
        "{message}"
    );
    assert!(message.contains("a run's token sees no other repository"), "{message}");
}

#[test]
fn a_run_cancelled_by_another_dispatch_waits_for_that_run_before_dispatching_again() {
    // Gitea 1.25: each dispatch cancels the workflow's unfinished runs (services/actions/workflow.go
    // @v1.25.5 CancelPreviousJobs). Ours is cancelled by another dispatcher's, which then deploys
    // a newer version: waiting for it to end shows ours superseded, with no second dispatch.
    let state = Rc::new(RefCell::new((0usize, 0usize)));
    let s = state.clone();
    let host = FakeHost::new(move |request, _| {
        let (polls, dispatches) = &mut *s.borrow_mut();
        let deployed = *polls >= 8;
        match (request.method.as_str(), route(&request.url)) {
            ("GET", "/version") => json(200, serde_json::json!({"version": "1.25.5"})),
            ("GET", "/repos/org/gitops") => json(
                200,
                serde_json::json!({"default_branch": "main", "html_url": "https://git.example.com/org/gitops"}),
            ),
            ("GET", "/repos/org/gitops/contents/.gitea/workflows/gitops-service.yaml") => {
                json(200, contents(WORKFLOW, ".gitea/workflows/gitops-service.yaml"))
            }
            ("GET", "/repos/org/gitops/contents/dev/Chart.yaml") => {
                let version = if deployed { "2.0.0" } else { "1.0.0" };
                json(200, contents(&format!("version: {version}\n"), "dev/Chart.yaml"))
            }
            ("POST", "/repos/org/gitops/actions/workflows/gitops-service.yaml/dispatches") => {
                *dispatches += 1;
                Ok(HttpResponse { status: 204, ..HttpResponse::default() })
            }
            ("GET", "/repos/org/gitops/actions/runs") => {
                json(403, serde_json::json!({"message": "user should be the owner of the repo", "url": ""}))
            }
            ("GET", "/repos/org/gitops/actions/tasks") => {
                *polls += 1;
                let ours = if *polls <= 2 { "running" } else { "cancelled" };
                let theirs = if deployed { "success" } else { "running" };
                let mut tasks = vec![task(41, 9, &format!("GitOps ({ID})"), ours)];
                if *polls > 2 {
                    tasks.insert(0, task(42, 10, "GitOps (org-web-3-1-build-bbbbbb)", theirs));
                }
                json(200, serde_json::json!({"workflow_runs": tasks, "total_count": tasks.len()}))
            }
            ("GET", "/repos/org/gitops/commits") => json(200, serde_json::json!([])),
            // No pull request opened by the run (routers/api/v1/repo/pull.go ListPullRequests).
            ("GET", "/repos/org/gitops/pulls") => json(200, serde_json::json!([])),
            ("POST", path) if path.starts_with("/repos/org/app/statuses/") => json(201, serde_json::json!({})),
            (method, path) => panic!("unexpected request {method} {path}"),
        }
    });
    let outcome = dispatch(&host, &[]);
    let log = host.log_text();
    assert_eq!(outcome.outputs["status"], "superseded", "{log}");
    assert!(outcome.ok);
    assert_eq!(state.borrow().1, 1, "no second dispatch: {log}");
    assert!(
        log.contains("waiting for 1 running run(s) of gitops-service.yaml on main to end before dispatching again"),
        "{log}"
    );
}
