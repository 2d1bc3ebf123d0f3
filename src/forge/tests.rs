use super::*;
use crate::host::HttpError;
use crate::testing::{block_on, json, FakeHost};

const BLOB: &str = "0123456789abcdef0123456789abcdef01234567";

fn secrets() -> Secrets {
    Secrets::new(["s3cr3t-token"])
}

#[test]
fn unreadable_bodies_are_told_apart() {
    let problem = |body: &str| {
        let Err(error) = serde_json::from_str::<ContentsResponse>(body) else { panic!("{body} was read") };
        body_problem(body, &error)
    };
    assert_eq!(problem(""), "its body is empty");
    assert_eq!(
        problem("{\"type\": \"file\", \"sha\": \"01"),
        "its JSON body ends early, after 27 bytes (cut off on the way?)"
    );
    assert_eq!(
        problem("<!DOCTYPE html>\n<html><title>Sign In</title></html>"),
        "its body is not JSON but starts with \"<!DOCTYPE html>\" (a proxy's or a login page instead of the API?)"
    );
    let shape = problem("[{\"sha\": 1}]");
    assert!(shape.starts_with("its JSON is not the shape the API documents ("), "{shape}");
    let syntax = problem("{\"type\": file}");
    assert!(syntax.starts_with("its body is not valid JSON ("), "{syntax}");
}

#[test]
fn backoff_is_capped_and_jittered() {
    assert_eq!(backoff_ms(1, 500, 5_000, 1000), 1_000);
    assert_eq!(backoff_ms(3, 500, 5_000, 1000), 4_000);
    assert_eq!(backoff_ms(10, 500, 5_000, 1000), 5_000);
    assert_eq!(backoff_ms(10, 500, 5_000, 0), 0);
    assert_eq!(backoff_ms(2, 500, 5_000, 500), 1_000);
}

#[test]
fn encoding_keeps_slashes_in_paths_only() {
    assert_eq!(encode_path("dev/my chart/Chart.yaml"), "dev/my%20chart/Chart.yaml");
    assert_eq!(encode_query("feature/x"), "feature%2Fx");
}

#[test]
fn retry_after_seconds() {
    let mut r = HttpResponse::default();
    r.headers.insert("retry-after".into(), "3".into());
    assert_eq!(retry_after_ms(&r), Some(3_000));
    r.headers.insert("retry-after".into(), "Wed, 21 Oct 2015 07:28:00 GMT".into());
    assert_eq!(retry_after_ms(&r), None);
}

#[test]
fn unknown_outcomes() {
    let net = ApiError::Network { call: "PUT x".into(), message: "reset".into() };
    assert!(net.outcome_unknown());
    let conflict = ApiError::Status { call: "PUT x".into(), status: 422, message: String::new() };
    assert!(!conflict.outcome_unknown());
    assert!(ApiError::Status { call: "PUT x".into(), status: 502, message: String::new() }.outcome_unknown());
    assert!(!ApiError::Deadline { call: "PUT x".into() }.outcome_unknown());
}

fn read(body: serde_json::Value) -> Result<Option<FileContent>, ApiError> {
    let host = FakeHost::new(move |_, _| json(200, body.clone()));
    let secrets = secrets();
    let forge = Forge::new("https://git.example/api/v1", "s3cr3t-token", &host, &secrets);
    block_on(forge.file("o/r", "dev/Chart.yaml", Some("main")))
}

#[test]
fn a_file_whose_content_is_left_out_is_an_error_not_an_empty_file() {
    // Gitea: above [api] DEFAULT_MAX_BLOB_SIZE, `content` and `encoding` are null, `size` real
    // (services/repository/files/content.go GetBlobBySHA @v1.25.5).
    let gitea =
        read(serde_json::json!({"type": "file", "sha": BLOB, "size": 12_000_000, "content": null, "encoding": null}));
    assert!(matches!(gitea, Err(ApiError::ContentWithheld { size: 12_000_000, received: 0, .. })), "{gitea:?}");
    // Forgejo: `content: ""` with encoding base64 (same function @v12.0.4).
    let forgejo =
        read(serde_json::json!({"type": "file", "sha": BLOB, "size": 12_000_000, "content": "", "encoding": "base64"}));
    let message = forgejo.unwrap_err().to_string();
    assert!(message.contains("DEFAULT_MAX_BLOB_SIZE"), "{message}");
    // Content that does not decode to `size` bytes is not trusted either.
    let short = read(serde_json::json!({"type": "file", "sha": BLOB, "size": 10, "content": encode_base64(b"abc")}));
    assert!(matches!(short, Err(ApiError::ContentWithheld { size: 10, received: 3, .. })));
    // A really empty file is fine.
    let empty = read(serde_json::json!({"type": "file", "sha": BLOB, "size": 0, "content": ""})).unwrap().unwrap();
    assert!(empty.bytes.is_empty());
    let text = read(serde_json::json!({"type": "file", "sha": BLOB, "size": 3, "content": encode_base64(b"a: ")}));
    assert_eq!(text.unwrap().unwrap().bytes, b"a: ");
}

#[test]
fn a_directory_named_as_a_file_says_so() {
    let host = FakeHost::new(|_, _| json(200, serde_json::json!([{"type": "file", "name": "a"}])));
    let secrets = secrets();
    let forge = Forge::new("https://git.example/api/v1", "t", &host, &secrets);
    let err = block_on(forge.file("o/r", "dev", None)).unwrap_err();
    assert!(err.to_string().contains("dev is a directory, not a file"), "{err}");
}

#[test]
fn a_write_answered_without_a_commit_sha_is_an_error() {
    for sha in ["", "not-a-sha", "12345"] {
        let host = FakeHost::new(move |_, _| json(200, serde_json::json!({"commit": {"sha": sha, "html_url": ""}})));
        let secrets = secrets();
        let forge = Forge::new("https://git.example/api/v1", "t", &host, &secrets);
        let err = block_on(forge.update_file("o/r", "a.yaml", None, "m", b"a: 1\n", BLOB)).unwrap_err();
        assert!(matches!(err, ApiError::Malformed { .. }), "{err:?}");
    }
}

#[test]
fn server_messages_are_redacted_and_shortened() {
    let host = FakeHost::new(|request, _| {
        let echoed = request.headers["authorization"].clone();
        json(500, serde_json::json!({"message": format!("bad header {echoed} {}", "x".repeat(1000))}))
    });
    let secrets = secrets();
    let forge = Forge::new("https://git.example/api/v1", "s3cr3t-token", &host, &secrets);
    let err = block_on(forge.request("POST", "/repos/o/r/statuses/abc", Some("{}".into()))).unwrap_err();
    let text = err.to_string();
    assert!(!text.contains("s3cr3t-token") && text.contains("token ***"), "{text}");
    assert!(text.chars().count() < 400, "{}", text.len());
}

#[test]
fn network_errors_are_redacted() {
    let host = FakeHost::new(|_, _| Err(HttpError("invalid header value \"token s3cr3t-token\"".into())));
    let secrets = secrets();
    let forge = Forge::new("https://git.example/api/v1", "s3cr3t-token", &host, &secrets);
    let err = block_on(forge.request("GET", "/version", None)).unwrap_err();
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
}

#[test]
fn redirects_are_not_followed_and_name_their_target() {
    let host = FakeHost::new(|_, _| {
        let mut r = HttpResponse { status: 301, ..HttpResponse::default() };
        r.headers.insert("location".into(), "https://other.example/api/v1/version".into());
        Ok(r)
    });
    let secrets = secrets();
    let forge = Forge::new("http://git.example/api/v1", "t", &host, &secrets);
    let err = block_on(forge.version()).unwrap_err();
    assert_eq!(err.status(), Some(301));
    assert!(err.to_string().contains("https://other.example/api/v1/version"), "{err}");
    assert_eq!(host.requests.borrow().len(), 1);
}

#[test]
fn requests_never_outlast_the_deadline_and_none_start_after_it() {
    // A server that never answers: every request ends at its timeout.
    let host = FakeHost::new(|_, _| Err(HttpError("timed out".into())));
    let secrets = secrets();
    let start = host.now.get();
    let forge = Forge::new("https://git.example/api/v1", "t", &host, &secrets).with_deadline(start + 10_000.0);
    let timeouts: Vec<u64> = {
        let result = block_on(async {
            let r = forge.get("/version").await;
            // each request "takes" its whole timeout
            r
        });
        assert!(result.is_err());
        host.requests.borrow().iter().map(|(_, r)| r.timeout_ms).collect()
    };
    assert_eq!(timeouts[0], 10_000, "the first request may take the whole time left, not 30 s");
    host.now.set(start + 10_001.0);
    let late = block_on(forge.get("/version")).unwrap_err();
    assert!(matches!(late, ApiError::Deadline { .. }));
    assert!(!block_on(forge.pause(1_000)));
}

#[test]
fn retries_stop_before_the_deadline() {
    let host = FakeHost::new(|_, _| json(503, serde_json::json!({"message": "busy"})));
    let secrets = secrets();
    let start = host.now.get();
    let forge = Forge::new("https://git.example/api/v1", "t", &host, &secrets).with_deadline(start + 1_200.0);
    let err = block_on(forge.get("/version")).unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(host.now.get() <= start + 1_200.0, "no retry waits past the deadline");
    assert!(host.requests.borrow().iter().all(|(at, _)| *at < start + 1_200.0));
}
