//! `strategy: pull_request` against a scripted server that keeps pull requests. Its answers
//! follow the handlers cited next to them (routers/api/v1/repo/pull.go, file.go @v1.26.4); the
//! whole flow runs against the sandbox in tests/update/.

use std::cell::RefCell;
use std::rc::Rc;

use crate::forge::encode_base64;
use crate::host::{HttpError, HttpRequest, HttpResponse};
use crate::modes::{self, Outcome};
use crate::settings::Request;
use crate::testing::{block_on, json, route, FakeHost};

const WEB: &str = "https://git.example.com";
const BLOB: &str = "0123456789abcdef0123456789abcdef01234567";
const HEAD: &str = "89abcdef0123456789abcdef0123456789abcdef";
const MERGE: &str = "fedcba9876543210fedcba9876543210fedcba98";
const CHART: &str = "apiVersion: v2\nname: app\nversion: 1.0.0\n";
const ID: &str = "org-app-7-1-build-a1b2c3";

/// One pull request the server holds.
#[derive(Clone)]
struct Pull {
    number: u64,
    head: String,
    body: String,
    state: &'static str,
    merged: bool,
}

/// The server's state and how it answers merges.
struct Forge {
    pulls: Vec<Pull>,
    /// Answers to `POST /pulls/N/merge` without `merge_when_checks_succeed`, in order (the last repeats).
    merges: Vec<(u16, &'static str)>,
    merge_calls: usize,
    /// Merge a scheduled pull request when it is next read.
    scheduled: bool,
    comments: Vec<(u64, String)>,
    /// What happens elsewhere when pull request N is asked to merge, before the answer.
    on_merge: Option<fn(&mut Forge, u64)>,
    /// The blob sha of dev/Chart.yaml on main.
    blob: &'static str,
    /// The token is a run's own (`GET /user` names the Actions user).
    run_token: bool,
    /// Branches made by `POST /contents` with `new_branch`: name and head commit message.
    branches: Vec<(String, String)>,
    /// How many of those writes land with their answer lost (the connection drops).
    lost_answers: usize,
}

impl Forge {
    fn new() -> Forge {
        Forge {
            pulls: Vec::new(),
            merges: vec![(200, "")],
            merge_calls: 0,
            scheduled: false,
            comments: Vec::new(),
            on_merge: None,
            blob: BLOB,
            run_token: false,
            branches: Vec::new(),
            lost_answers: 0,
        }
    }

    fn pull_json(&self, pull: &Pull) -> serde_json::Value {
        serde_json::json!({
            "number": pull.number, "state": pull.state, "body": pull.body, "merged": pull.merged,
            "html_url": format!("{WEB}/org/gitops/pulls/{}", pull.number),
            "merge_commit_sha": if pull.merged { Some(MERGE) } else { None },
            "head": {"label": pull.head, "ref": pull.head, "sha": HEAD},
            "base": {"label": "main", "ref": "main", "sha": BLOB},
        })
    }
}

fn error(status: u16, message: &str) -> Result<HttpResponse, HttpError> {
    json(status, serde_json::json!({"message": message, "url": format!("{WEB}/api/swagger")}))
}

fn serve(forge: Rc<RefCell<Forge>>) -> impl FnMut(&HttpRequest, f64) -> Result<HttpResponse, HttpError> {
    move |request, _| {
        let mut f = forge.borrow_mut();
        let body: serde_json::Value =
            request.body.as_deref().and_then(|b| serde_json::from_str(b).ok()).unwrap_or_default();
        let path = route(&request.url).to_string();
        let number = |prefix: &str| {
            path.strip_prefix(prefix).and_then(|r| r.split('/').next()).and_then(|n| n.parse::<u64>().ok())
        };
        match (request.method.as_str(), path.as_str()) {
            ("GET", "/repos/org/gitops") => {
                json(200, serde_json::json!({"default_branch": "main", "html_url": format!("{WEB}/org/gitops")}))
            }
            ("GET", "/repos/org/gitops/contents/dev/Chart.yaml") => json(
                200,
                serde_json::json!({
                    "type": "file", "sha": f.blob, "size": CHART.len(), "encoding": "base64", "content": encode_base64(CHART.as_bytes()),
                    "html_url": format!("{WEB}/org/gitops/src/branch/main/dev/Chart.yaml"),
                }),
            ),
            ("GET", p) if p.starts_with("/repos/org/gitops/branches/") => {
                let name = p.trim_start_matches("/repos/org/gitops/branches/").replace("%2F", "/");
                match f.branches.iter().find(|(b, _)| *b == name) {
                    Some((_, message)) => {
                        json(200, serde_json::json!({"name": name, "commit": {"id": HEAD, "message": message}}))
                    }
                    None => error(404, "branch not found"),
                }
            }
            // models/user/user_system.go NewActionsUser: id -2.
            ("GET", "/user") if f.run_token => json(200, serde_json::json!({"id": -2, "login": "gitea-actions"})),
            ("GET", "/user") => json(200, serde_json::json!({"id": 1, "login": "niko"})),
            // models/issues/pull_list.go: no state lists every state.
            ("GET", "/repos/org/gitops/pulls") => {
                let open_only = request.url.contains("state=open");
                let list: Vec<_> =
                    f.pulls.iter().rev().filter(|p| !open_only || p.state == "open").map(|p| f.pull_json(p)).collect();
                json(200, serde_json::Value::Array(list))
            }
            // services/repository/files/update.go ChangeRepoFiles with new_branch: 201 FilesResponse.
            ("POST", "/repos/org/gitops/contents") => {
                assert_eq!(body["branch"], "main");
                let name = body["new_branch"].as_str().unwrap().to_string();
                assert!(name.starts_with("gitops/app/"));
                // services/repository/files/update.go ChangeRepoFiles: an existing new_branch is
                // ErrBranchAlreadyExists, 422 (routers/api/v1/repo/file.go).
                if f.branches.iter().any(|(b, _)| *b == name) {
                    return error(422, &format!("branch already exists [name: {name}]"));
                }
                f.branches.push((name, body["message"].as_str().unwrap().to_string()));
                if f.lost_answers > 0 {
                    f.lost_answers -= 1;
                    return Err(HttpError("connection reset (ECONNRESET)".into()));
                }
                json(
                    201,
                    serde_json::json!({"commit": {"sha": HEAD, "html_url": format!("{WEB}/org/gitops/commit/{HEAD}")}}),
                )
            }
            ("POST", "/repos/org/gitops/pulls") => {
                let head = body["head"].as_str().unwrap().to_string();
                if let Some(open) = f.pulls.iter().find(|p| p.head == head && p.state == "open") {
                    let message = format!("pull request already exists for these targets [id: 99, issue_id: {}, head_repo_id: 1, base_repo_id: 1, head_branch: {head}, base_branch: main]", open.number);
                    return error(409, &message);
                }
                let pull = Pull {
                    number: f.pulls.len() as u64 + 1,
                    head,
                    body: body["body"].as_str().unwrap().into(),
                    state: "open",
                    merged: false,
                };
                f.pulls.push(pull.clone());
                json(201, f.pull_json(&pull))
            }
            ("POST", p) if p.starts_with("/repos/org/gitops/statuses/") => json(201, serde_json::json!({})),
            ("POST", p) if p.ends_with("/comments") => {
                let n = number("/repos/org/gitops/issues/").unwrap();
                f.comments.push((n, body["body"].as_str().unwrap().into()));
                json(201, serde_json::json!({}))
            }
            // PATCH answers 201 (routers/api/v1/repo/pull.go EditPullRequest).
            ("PATCH", p) if p.starts_with("/repos/org/gitops/pulls/") => {
                let n = number("/repos/org/gitops/pulls/").unwrap();
                let pull = f.pulls.iter_mut().find(|p| p.number == n).unwrap();
                pull.state = "closed";
                let pull = pull.clone();
                json(201, f.pull_json(&pull))
            }
            ("POST", p) if p.ends_with("/merge") => {
                let n = number("/repos/org/gitops/pulls/").unwrap();
                if body["merge_when_checks_succeed"] == true {
                    // services/automerge ScheduleAutoMerge: 201, empty body.
                    f.scheduled = true;
                    return Ok(HttpResponse { status: 201, headers: Default::default(), body: String::new() });
                }
                if let Some(elsewhere) = f.on_merge {
                    elsewhere(&mut f, n);
                }
                let (status, message) = f.merges[f.merge_calls.min(f.merges.len() - 1)];
                f.merge_calls += 1;
                if status == 200 {
                    let pull = f.pulls.iter_mut().find(|p| p.number == n).unwrap();
                    pull.merged = true;
                    pull.state = "closed";
                    return Ok(HttpResponse { status: 200, headers: Default::default(), body: String::new() });
                }
                error(status, message)
            }
            ("GET", p) if p.starts_with("/repos/org/gitops/pulls/") => {
                let n = number("/repos/org/gitops/pulls/").unwrap();
                let scheduled = f.scheduled;
                let pull = f.pulls.iter_mut().find(|p| p.number == n).unwrap();
                if scheduled {
                    pull.merged = true;
                    pull.state = "closed";
                }
                let pull = pull.clone();
                json(200, f.pull_json(&pull))
            }
            (method, path) => panic!("unexpected request {method} {path}"),
        }
    }
}

fn update(forge: &Rc<RefCell<Forge>>, version: &str, extra: &[(&str, &str)]) -> (Outcome, FakeHost) {
    let host = FakeHost::new(serve(forge.clone()));
    let mut inputs = vec![
        ("mode", "update"),
        ("server_url", "http://gitea:3000"),
        ("repo", "org/gitops"),
        ("token", "s3cr3t"),
        ("file", "dev/Chart.yaml"),
        ("yq_tpl", ".version = \"{{VERSION}}\""),
        ("version", version),
        ("source_repo", "org/app"),
        ("source_commit", "8cc9155b8693ac36bcbfc30ee153056bb43898f5"),
        ("dispatch_id", ID),
        ("strategy", "pull_request"),
    ];
    inputs.extend_from_slice(extra);
    let request =
        Request { inputs: inputs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Request::default() };
    (block_on(modes::run(&request, &host)), host)
}

fn writes(host: &FakeHost) -> usize {
    host.calls().iter().filter(|c| c.as_str() == "POST /repos/org/gitops/contents").count()
}

#[test]
fn a_pull_request_is_opened_once_per_dispatch() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    let (outcome, host) = update(&forge, "1.2.3", &[]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.outputs["status"], "pr_opened");
    assert_eq!(outcome.outputs["pr_number"], "1");
    assert_eq!(outcome.outputs["pr_url"], format!("{WEB}/org/gitops/pulls/1"));
    assert_eq!(outcome.outputs["summary"], format!("app|1.2.3|pr_opened|{HEAD}|org/gitops"));
    assert_eq!(writes(&host), 1);
    assert!(!host.calls().iter().any(|c| c.ends_with("/merge")), "no merge without auto_merge");
    let pull = forge.borrow().pulls[0].clone();
    assert!(pull.head.starts_with("gitops/app/1.2.3-"), "{}", pull.head);
    assert!(pull.body.contains(&format!("Gitops-Dispatch-Id: {ID}")), "{}", pull.body);
    assert!(pull.body.contains("-version: 1.0.0\n+version: 1.2.3"), "the diff is in the body: {}", pull.body);
    // The same dispatch again finds its pull request and writes nothing.
    let (again, host) = update(&forge, "1.2.3", &[]);
    assert_eq!(again.outputs["status"], "pr_opened");
    assert_eq!(again.outputs["pr_number"], "1");
    assert_eq!(writes(&host), 0);
    assert_eq!(forge.borrow().pulls.len(), 1);
}

#[test]
fn auto_merge_merges_at_once_when_it_may() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    let (outcome, _) = update(&forge, "1.2.3", &[("auto_merge", "true"), ("merge_style", "squash")]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.outputs["status"], "success");
    assert_eq!(outcome.outputs["commit_sha"], MERGE);
    assert_eq!(outcome.outputs["commit_url"], format!("{WEB}/org/gitops/commit/{MERGE}"));
    assert!(forge.borrow().pulls[0].merged);
}

#[test]
fn unmet_checks_schedule_the_merge() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    // services/pull/merge.go CheckPullBranchProtections.
    forge.borrow_mut().merges = vec![(405, "Not all required status checks successful")];
    let (outcome, host) = update(&forge, "1.2.3", &[("auto_merge", "true")]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.outputs["status"], "success", "{}", host.log_text());
    assert!(host.log_text().contains("merges once it may"), "{}", host.log_text());
}

#[test]
fn a_pull_request_that_cannot_be_merged_stays_open() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    forge.borrow_mut().merges = vec![(405, "User not allowed to merge PR")];
    let (outcome, host) = update(&forge, "1.2.3", &[("auto_merge", "true")]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.outputs["status"], "pr_opened");
    assert!(host.log_text().contains("cannot be merged by this token"), "{}", host.log_text());
}

#[test]
fn a_newer_pull_request_closes_older_ones_and_an_older_version_is_superseded() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    let (first, _) = update(&forge, "1.2.3", &[("dispatch_id", "first")]);
    assert_eq!(first.outputs["status"], "pr_opened");
    let (second, _) = update(&forge, "1.3.0", &[("dispatch_id", "second")]);
    assert_eq!(second.outputs["status"], "pr_opened");
    {
        let f = forge.borrow();
        assert_eq!(f.pulls[0].state, "closed", "the older pull request is closed");
        assert_eq!(f.comments, [(1, "Superseded by #2 (version 1.3.0).".to_string())]);
    }
    // An older version than an open pull request proposes is not proposed.
    let (third, host) = update(&forge, "1.2.9", &[("dispatch_id", "third")]);
    assert!(third.ok, "{third:?}");
    assert_eq!(third.outputs["status"], "superseded");
    assert_eq!(writes(&host), 0);
    assert_eq!(forge.borrow().pulls.len(), 2);
}

#[test]
fn pull_request_inputs_are_checked() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    let (outcome, host) = update(&forge, "1.2.3", &[("strategy", "commit"), ("auto_merge", "true")]);
    assert!(!outcome.ok);
    assert!(outcome.error.unwrap().message.contains("input 'auto_merge': is true, but strategy is commit"));
    assert!(host.calls().is_empty());
    let (outcome, _) = update(&forge, "1.2.3", &[("merge_style", "octopus")]);
    assert!(outcome.error.unwrap().message.contains("input 'merge_style': \"octopus\" is not a merge style"));
    let (outcome, _) = update(&forge, "1.2.3", &[("strategy", "push")]);
    assert!(outcome.error.unwrap().message.contains("input 'strategy'"));
}

/// A newer update's step closes pull request `n` and opens its own (version 1.3.0).
fn closed_by_a_newer_update(f: &mut Forge, n: u64) {
    f.pulls.iter_mut().find(|p| p.number == n).unwrap().state = "closed";
    let number = f.pulls.len() as u64 + 1;
    let body = "---\n\n[skip ci] gitops: update version to 1.3.0\n\nUpdated dev/Chart.yaml with: .version = \"1.3.0\"\n\nGitops-Dispatch-Id: newer\n";
    f.pulls.push(Pull {
        number,
        head: "gitops/app/1.3.0-newer".into(),
        body: body.into(),
        state: "open",
        merged: false,
    });
}

#[test]
fn a_pull_request_closed_by_a_newer_update_while_merging_ends_superseded() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    {
        let mut f = forge.borrow_mut();
        f.on_merge = Some(closed_by_a_newer_update);
        // routers/api/v1/repo/pull.go MergePullRequest: a closed pull request is 404.
        f.merges = vec![(404, "not found")];
    }
    let (outcome, host) = update(&forge, "1.2.3", &[("auto_merge", "true")]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.outputs["status"], "superseded", "{}", host.log_text());
    assert_eq!(outcome.outputs["pr_number"], "1", "the pull request this step opened");
    assert!(
        host.log_text().contains("pull request #1 was closed: pull request #2 proposes the newer version 1.3.0"),
        "{}",
        host.log_text()
    );
    assert_eq!(writes(&host), 1, "not proposed again");
}

#[test]
fn a_pull_request_closed_by_a_person_while_merging_is_a_failure() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    {
        let mut f = forge.borrow_mut();
        f.on_merge = Some(|f, n| f.pulls.iter_mut().find(|p| p.number == n).unwrap().state = "closed");
        f.merges = vec![(404, "not found")];
    }
    let (outcome, host) = update(&forge, "1.2.3", &[("auto_merge", "true")]);
    assert!(!outcome.ok);
    assert_eq!(outcome.outputs["status"], "failure");
    let message = outcome.error.unwrap().message;
    assert!(
        message.contains("pull request #1 (https://git.example.com/org/gitops/pulls/1) was closed without merging"),
        "{message}"
    );
    assert_eq!(writes(&host), 1);
}

#[test]
fn a_pull_request_whose_base_changed_its_file_is_proposed_again_at_once() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    {
        let mut f = forge.borrow_mut();
        // Another update landed on main: the server will not merge #1 (a conflict).
        f.on_merge = Some(|f, _| f.blob = "1111111111111111111111111111111111111111");
        f.merges = vec![(405, "Please try again later"), (200, "")];
    }
    let (outcome, host) = update(&forge, "1.2.3", &[("auto_merge", "true")]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.outputs["status"], "success", "{}", host.log_text());
    assert_eq!(outcome.outputs["pr_number"], "2");
    let f = forge.borrow();
    assert_eq!(f.merge_calls, 2, "no waiting on a pull request that cannot merge: {:?}", host.calls());
    assert_eq!(f.pulls[0].state, "closed");
    assert!(f.pulls[1].head.ends_with("-2"), "{}", f.pulls[1].head);
    assert_eq!(f.comments, [(1, "Replaced by #2: this one no longer merges into main.".to_string())]);
}

#[test]
fn a_pull_request_merged_meanwhile_is_success() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    {
        let mut f = forge.borrow_mut();
        f.on_merge = Some(|f, n| {
            let pull = f.pulls.iter_mut().find(|p| p.number == n).unwrap();
            (pull.merged, pull.state) = (true, "closed");
        });
        // routers/api/v1/repo/pull.go MergePullRequest ErrHasMerged @v1.25.5, @v1.26.4.
        f.merges = vec![(405, "The PR is already merged")];
    }
    let (outcome, host) = update(&forge, "1.2.3", &[("auto_merge", "true")]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.outputs["status"], "success", "{}", host.log_text());
    assert_eq!(outcome.outputs["commit_sha"], MERGE);
}

#[test]
fn a_pull_request_closed_by_a_newer_update_that_merged_before_the_base_was_read_ends_superseded() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    {
        let mut f = forge.borrow_mut();
        // The newer pull request is merged already when this step looks, and (in this server)
        // the base still reads as before: the list of pull requests tells.
        f.on_merge = Some(|f, n| {
            closed_by_a_newer_update(f, n);
            let newer = f.pulls.last_mut().unwrap();
            (newer.merged, newer.state) = (true, "closed");
        });
        f.merges = vec![(404, "not found")];
    }
    let (outcome, host) = update(&forge, "1.2.3", &[("auto_merge", "true")]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.outputs["status"], "superseded", "{}", host.log_text());
    assert!(host.log_text().contains("pull request #1 was closed: pull request #2 proposes the newer version 1.3.0"));
}

#[test]
fn a_run_token_does_not_schedule_an_auto_merge_that_would_never_happen() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    {
        let mut f = forge.borrow_mut();
        f.run_token = true;
        f.merges = vec![(405, "Not all required status checks successful")];
    }
    let (outcome, host) = update(&forge, "1.2.3", &[("auto_merge", "true")]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.outputs["status"], "pr_opened");
    assert!(!forge.borrow().scheduled, "nothing scheduled");
    let log = host.log_text();
    assert!(log.contains("auto-merge is not scheduled: the server merges a scheduled pull request as the user who scheduled it, and the run's own token has no user"), "{log}");
    assert!(outcome.summary.contains("auto-merge needs a personal or bot token"), "{}", outcome.summary);
}

#[test]
fn a_branch_made_by_a_write_whose_answer_was_lost_is_used_not_left_behind() {
    let forge = Rc::new(RefCell::new(Forge::new()));
    forge.borrow_mut().lost_answers = 1;
    let (outcome, host) = update(&forge, "1.2.3", &[]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.outputs["status"], "pr_opened", "{}", host.log_text());
    let f = forge.borrow();
    assert_eq!(f.branches.len(), 1, "one branch: {:?}", f.branches);
    assert_eq!(f.pulls.len(), 1);
    assert_eq!(f.pulls[0].head, f.branches[0].0, "the pull request comes from the branch the lost write made");
}
