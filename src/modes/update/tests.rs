//! `mode: update` against scripted server answers. Each answer follows the server code cited
//! next to it; the full behaviour is exercised against the sandbox (tests/update/).

use std::cell::RefCell;
use std::rc::Rc;

use crate::forge::encode_base64;
use crate::host::{HttpError, HttpRequest, HttpResponse};
use crate::modes::{self, Outcome};
use crate::settings::Request;
use crate::testing::{block_on, json, route, FakeHost, TIMED_OUT};

const BLOB: &str = "0123456789abcdef0123456789abcdef01234567";
const COMMIT: &str = "89abcdef0123456789abcdef0123456789abcdef";
const CHART: &str = "apiVersion: v2\nname: app\nversion: 1.0.0 # bumped by CI\nappVersion: \"1.0.0\"\n";

/// What the scripted server holds and does.
struct Script {
    /// The file's content answer (`GET /contents/dev/Chart.yaml`).
    contents: serde_json::Value,
    /// The commits listed for the file.
    history: Vec<serde_json::Value>,
    /// Answers to the writes, in order; the last repeats.
    writes: Vec<Result<HttpResponse, HttpError>>,
    /// How many writes were answered.
    written: usize,
    /// The id `GET /user` answers: -2 for a run's own token (the Actions user).
    user_id: i64,
}

impl Script {
    fn new() -> Script {
        Script { contents: file(CHART), history: Vec::new(), writes: vec![written(COMMIT)], written: 0, user_id: 7 }
    }
}

/// `ContentsResponse` for a file (Gitea 1.25 and 1.26 carry `last_commit_sha`).
fn file(text: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "file", "sha": BLOB, "size": text.len(), "encoding": "base64", "content": encode_base64(text.as_bytes()),
        "html_url": "https://git.example.com/org/gitops/src/branch/main/dev/Chart.yaml",
        "last_commit_sha": "feedfacefeedfacefeedfacefeedfacefeedface"
    })
}

/// `FileResponse` of a write.
fn written(sha: &str) -> Result<HttpResponse, HttpError> {
    json(
        200,
        serde_json::json!({"commit": {"sha": sha, "html_url": format!("https://git.example.com/org/gitops/commit/{sha}")}}),
    )
}

fn error(status: u16, message: &str) -> Result<HttpResponse, HttpError> {
    json(status, serde_json::json!({"message": message, "url": "https://git.example.com/api/swagger"}))
}

fn serve(script: Rc<RefCell<Script>>) -> impl FnMut(&HttpRequest, f64) -> Result<HttpResponse, HttpError> {
    move |request, _| {
        let mut s = script.borrow_mut();
        match (request.method.as_str(), route(&request.url)) {
            ("GET", "/repos/org/gitops/contents/dev/Chart.yaml") => json(200, s.contents.clone()),
            ("GET", "/repos/org/gitops/commits") => json(200, serde_json::Value::Array(s.history.clone())),
            ("GET", "/repos/org/gitops") => json(
                200,
                serde_json::json!({"default_branch": "main", "html_url": "https://git.example.com/org/gitops"}),
            ),
            // routers/api/v1/user/user.go GetAuthenticatedUser (the Actions user for a run token).
            ("GET", "/user") => json(200, serde_json::json!({"id": s.user_id, "login": "someone"})),
            ("PUT", "/repos/org/gitops/contents/dev/Chart.yaml") => {
                let answer = s.writes[s.written.min(s.writes.len() - 1)].clone();
                s.written += 1;
                answer
            }
            ("POST", "/repos/org/gitops/statuses/89abcdef0123456789abcdef0123456789abcdef") => {
                json(201, serde_json::json!({}))
            }
            (method, path) => panic!("unexpected request {method} {path}"),
        }
    }
}

fn update(script: Script, extra: &[(&str, &str)]) -> (Outcome, FakeHost) {
    update_in(script, extra, "org/gitops")
}

/// An update run by a job of repository `job_repo`.
fn update_in(script: Script, extra: &[(&str, &str)], job_repo: &str) -> (Outcome, FakeHost) {
    let script = Rc::new(RefCell::new(script));
    let host = FakeHost::new(serve(script.clone()));
    let mut inputs = vec![
        ("mode", "update"),
        // The runner's address: internal, as act_runner's registration address often is.
        ("server_url", "http://gitea:3000"),
        ("repo", "org/gitops"),
        ("token", "s3cr3t-run-token"),
        ("file", "dev/Chart.yaml"),
        ("yq_tpl", ".version = \"{{VERSION}}\""),
        ("version", "1.2.3"),
        ("source_repo", "org/app"),
        ("source_commit", "8cc9155b8693ac36bcbfc30ee153056bb43898f5"),
        ("dispatch_id", "org-app-7-1-build-a1b2c3"),
    ];
    inputs.extend_from_slice(extra);
    let request = Request {
        inputs: inputs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        env: [("GITHUB_REPOSITORY".to_string(), job_repo.to_string())].into(),
        ..Request::default()
    };
    let outcome = block_on(modes::run(&request, &host));
    (outcome, host)
}

fn puts(host: &FakeHost) -> usize {
    host.calls().iter().filter(|c| c.starts_with("PUT")).count()
}

#[test]
fn an_update_takes_four_calls_and_links_to_the_public_url() {
    let (outcome, host) = update(Script::new(), &[]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(
        host.calls(),
        [
            "GET /repos/org/gitops/contents/dev/Chart.yaml",
            "GET /repos/org/gitops/commits",
            "PUT /repos/org/gitops/contents/dev/Chart.yaml",
            "POST /repos/org/gitops/statuses/89abcdef0123456789abcdef0123456789abcdef"
        ]
    );
    assert_eq!(outcome.outputs["summary"], format!("app|1.2.3|success|{COMMIT}|org/gitops"));
    assert_eq!(outcome.outputs["commit_url"], format!("https://git.example.com/org/gitops/commit/{COMMIT}"));
    let status = host.requests.borrow()[3].1.body.clone().unwrap();
    assert!(status.contains("https://git.example.com/org/app/commit/8cc9155b"), "{status}");
    for text in [outcome.summary.as_str(), &status, &outcome.outputs["commit_url"]] {
        assert!(!text.contains("gitea:3000"), "a link for people uses the runner's address: {text}");
    }
    assert!(outcome.outputs["diff"].contains("+version: 1.2.3 # bumped by CI"));
}

#[test]
fn a_file_whose_content_the_server_leaves_out_is_never_replaced() {
    let mut script = Script::new();
    // Gitea 1.26 above [api] DEFAULT_MAX_BLOB_SIZE (services/repository/files/content.go @v1.26.4).
    script.contents =
        serde_json::json!({"type": "file", "sha": BLOB, "size": 11_000_000, "content": null, "encoding": null});
    let (outcome, host) = update(script, &[]);
    assert!(!outcome.ok);
    assert_eq!(puts(&host), 0);
    assert!(outcome.error.unwrap().message.contains("cannot be edited through the API"));
    assert_eq!(outcome.outputs["status"], "failure");
}

#[test]
fn a_protected_branch_is_named_and_nothing_is_retried() {
    // services/repository/files/update.go VerifyBranchProtection → 403 (every release), and
    // Gitea 1.26's pre-receive hook (routers/private/hook_pre_receive.go @v1.26.4).
    for message in ["user cannot commit to repo [user: gitea-actions]", "Not allowed to push to protected branch main"]
    {
        let mut script = Script::new();
        script.writes = vec![error(403, message)];
        let (outcome, host) = update(script, &[]);
        assert!(!outcome.ok);
        assert_eq!(puts(&host), 1);
        let message = outcome.error.unwrap().message;
        assert!(message.starts_with("branch main of org/gitops is protected"), "{message}");
    }
}

#[test]
fn a_lost_race_for_the_branch_is_retried_like_a_conflict() {
    // Gitea 1.26 maps git.ErrPushRejected to 403 with the `remote:` lines, or `push is rejected`
    // (routers/api/v1/repo/file.go, modules/git/error.go @v1.26.4).
    let mut script = Script::new();
    script.writes = vec![
        error(403, "push is rejected"),
        error(403, "cannot lock ref 'refs/heads/main': is at 1111111 but expected 2222222"),
        error(422, "sha does not match [given: x, expected: y]"),
        written(COMMIT),
    ];
    let (outcome, host) = update(script, &[]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(puts(&host), 4);
}

#[test]
fn a_hook_that_refuses_the_push_is_named_with_its_text_and_not_retried() {
    let mut script = Script::new();
    script.writes = vec![error(403, "the deploy freeze is on until Monday")];
    let (outcome, host) = update(script, &[("branch", "release")]);
    assert!(!outcome.ok);
    assert_eq!(puts(&host), 1);
    let message = outcome.error.unwrap().message;
    assert!(
        message.starts_with(
            "the server refused the push to branch release of org/gitops: a git hook (pre-receive or update) or the \
             branch's protection said \"the deploy freeze is on until Monday\""
        ),
        "{message}"
    );
    assert!(message.contains("nothing was written"), "{message}");
}

#[test]
fn a_run_token_without_write_is_told_apart_from_a_personal_token() {
    // Gitea 1.26: a job whose `permissions:` lack contents write (services/actions/permission_parser.go
    // @v1.26.4) is refused by the route's write check (routers/api/v1/repo/file.go @v1.26.4 L334).
    let refused = || error(403, "user should have a permission to write to the target branch");
    let mut script = Script::new();
    script.writes = vec![refused()];
    script.user_id = -2;
    let (outcome, _) = update(script, &[]);
    let message = outcome.error.unwrap().message;
    assert!(message.contains("the job's `permissions:` block must give `contents: write`"), "{message}");
    // The run's token of another repository (Gitea 1.26 lets it read a public one).
    let mut script = Script::new();
    script.writes = vec![refused()];
    script.user_id = -2;
    let (outcome, _) = update_in(script, &[], "org/app");
    let message = outcome.error.unwrap().message;
    assert!(
        message.starts_with("org/gitops is not this run's repository, and the run's own token cannot use it"),
        "{message}"
    );
    // A personal token.
    let mut script = Script::new();
    script.writes = vec![refused()];
    let (outcome, _) = update(script, &[]);
    let message = outcome.error.unwrap().message;
    assert!(message.starts_with("the token cannot write to org/gitops"), "{message}");
    assert!(!message.contains("permissions:"), "{message}");
}

#[test]
fn the_same_dispatch_id_with_other_content_is_a_failure() {
    let mut script = Script::new();
    let message =
        "[skip ci] gitops: update version to 1.2.4\n\nUpdated dev/Chart.yaml with: .version = \"{{VERSION}}\"\n\n\
                   Gitops-Dispatch-Id: org-app-7-1-build-a1b2c3\nGitops-Source-Repo: org/app\n";
    script.history = vec![serde_json::json!({"sha": COMMIT, "html_url": "", "commit": {"message": message}})];
    let (outcome, host) = update(script, &[]);
    assert!(!outcome.ok);
    assert_eq!(puts(&host), 0);
    let message = outcome.error.unwrap().message;
    assert!(message.contains("was already used by commit 89abcde for a different update: version 1.2.4"), "{message}");
}

#[test]
fn the_same_dispatch_again_reports_its_commit_and_writes_nothing() {
    let mut script = Script::new();
    let message =
        "[skip ci] gitops: update version to 1.2.3\n\nUpdated dev/Chart.yaml with: .version = \"{{VERSION}}\"\n\n\
                   Gitops-Dispatch-Id: org-app-7-1-build-a1b2c3\nGitops-Source-Repo: org/app\n\
                   Gitops-Source-Commit: 8cc9155b8693ac36bcbfc30ee153056bb43898f5\n";
    script.history = vec![serde_json::json!({"sha": COMMIT, "html_url": "", "commit": {"message": message}})];
    let (outcome, host) = update(script, &[]);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(puts(&host), 0);
    assert_eq!(outcome.outputs["commit_sha"], COMMIT);
}

#[test]
fn a_write_answered_without_a_commit_is_not_a_success() {
    let mut script = Script::new();
    script.writes = vec![json(200, serde_json::json!({"commit": {"sha": ""}}))];
    let (outcome, host) = update(script, &[]);
    assert!(!outcome.ok);
    assert_eq!(outcome.outputs["commit_sha"], "");
    assert_eq!(puts(&host), 8);
}

#[test]
fn a_write_whose_answer_never_came_is_not_reported_as_nothing_written() {
    let mut script = Script::new();
    // The write is sent and its answer never comes before the deadline: it may have landed.
    script.writes = vec![Err(HttpError(TIMED_OUT.into()))];
    let (outcome, host) = update(script, &[("timeout", "8s")]);
    assert!(!outcome.ok);
    assert_eq!(puts(&host), 1);
    let message = outcome.error.unwrap().message;
    assert!(
        message.starts_with(
            "gave up after 8 s (input 'timeout'), and the last write's outcome is unknown: it may have landed"
        ),
        "{message}"
    );
    assert!(!message.contains("nothing was committed"), "{message}");
}

#[test]
fn an_update_never_outlasts_its_timeout() {
    let host = FakeHost::new(|_, _| Err(HttpError(TIMED_OUT.into())));
    let request = Request {
        inputs: [
            ("mode", "update"),
            ("server_url", "https://git.example.com"),
            ("repo", "org/gitops"),
            ("token", "t0k3n-value"),
            ("file", "dev/Chart.yaml"),
            ("yq_tpl", ".version = \"{{VERSION}}\""),
            ("version", "1.2.3"),
            ("timeout", "20s"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        ..Request::default()
    };
    let started = host.now.get();
    let outcome = block_on(modes::run(&request, &host));
    assert!(!outcome.ok);
    assert!(host.now.get() - started <= 20_000.0, "took {} ms", host.now.get() - started);
}

#[test]
fn the_policy_refuses_files_and_paths_outside_it_before_writing() {
    let (outcome, host) = update(Script::new(), &[("allow", "prod/**/Chart.yaml")]);
    assert!(!outcome.ok);
    assert!(host.calls().is_empty(), "a refused file is not even read");
    assert!(outcome.error.unwrap().message.contains("dev/Chart.yaml is not matched by input 'allow'"));

    let (outcome, host) = update(
        Script::new(),
        &[("allow_paths", ".appVersion"), ("yq_tpl", ".version = \"{{VERSION}}\" | .appVersion = \"x\"")],
    );
    assert!(!outcome.ok);
    assert_eq!(puts(&host), 0);
    assert!(outcome.error.unwrap().message.contains(".version is not matched by input 'allow_paths'"));

    let (outcome, _) = update(
        Script::new(),
        &[("yq_tpl", ".version = \"{{VERSION}}\""), ("file", ".gitea/workflows/gitops-service.yaml")],
    );
    assert!(outcome.error.unwrap().message.contains("dot-folder"));
}

#[test]
fn a_server_message_echoing_the_token_is_redacted_everywhere() {
    let mut script = Script::new();
    script.writes = vec![error(400, "bad request: Authorization: token s3cr3t-run-token")];
    let (outcome, host) = update(script, &[]);
    assert!(!outcome.ok);
    let everything = format!("{outcome:?}{}", host.log_text());
    assert!(!everything.contains("s3cr3t-run-token"), "{everything}");
    assert!(everything.contains("token ***"));
}
