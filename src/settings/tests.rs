use super::*;

fn request(inputs: &[(&str, &str)]) -> Request {
    Request {
        inputs: inputs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        env: [("GITHUB_WORKSPACE".to_string(), "/w".to_string())].into_iter().collect(),
        cwd: "/cwd".into(),
    }
}

fn update(extra: &[(&str, &str)]) -> Result<UpdateSettings, SettingsError> {
    let mut inputs = vec![
        ("mode", "update"),
        ("server_url", "https://git.example"),
        ("repo", "org/gitops"),
        ("token", "t0k3n-value"),
        ("file", "dev/Chart.yaml"),
        ("yq_tpl", ".version = \"{{VERSION}}\""),
        ("version", "1.2.3"),
    ];
    inputs.extend_from_slice(extra);
    match Settings::parse(&request(&inputs))? {
        Settings::Update(s) => Ok(*s),
        other => panic!("{other:?}"),
    }
}

#[test]
fn apply_reads_upper_case_seed_inputs() {
    let r = request(&[
        ("mode", "apply"),
        ("GITOPS_FILE", "dev/Chart.yaml"),
        ("gitops_yq_tpl", ".version = \"{{VERSION}}\""),
        ("version", " 1.2.3 "),
    ]);
    let Settings::Apply(s) = Settings::parse(&r).unwrap() else { panic!() };
    assert_eq!(s.workspace, "/w");
    assert_eq!(s.edits[0].file, "dev/Chart.yaml");
    assert_eq!(s.vars.get("VERSION").map(String::as_str), Some("1.2.3"));
}

#[test]
fn updates_list_in_yaml_or_json() {
    let yaml = "- file: a.yaml\n  yq_tpl: .a = 1\n- {file: b.json, yq_tpl: '.b = 2'}\n";
    let r = request(&[("mode", "apply"), ("updates", yaml)]);
    let Settings::Apply(s) = Settings::parse(&r).unwrap() else { panic!() };
    assert_eq!(s.edits.len(), 2);
    assert!(s.edits[1].json);
    let err = Settings::parse(&request(&[("mode", "apply"), ("updates", "[{file: a}]")])).unwrap_err();
    assert_eq!(err.input, "updates");
    assert!(err.message.contains("yq_tpl"), "{err}");
}

#[test]
fn errors_name_the_input_and_the_fix() {
    let err = Settings::parse(&request(&[])).unwrap_err();
    assert_eq!(err.input, "mode");
    let err = Settings::parse(&request(&[("mode", "sync")])).unwrap_err();
    assert!(err.to_string().contains("\"sync\" is not a mode"), "{err}");
    let err = Settings::parse(&request(&[("mode", "apply"), ("file", "a.yaml")])).unwrap_err();
    assert_eq!(err.input, "yq_tpl");
    let err = Settings::parse(&request(&[("mode", "apply"), ("file", "a"), ("yq_tpl", ".a ="), ("version", "1")]))
        .unwrap_err();
    assert_eq!(err.input, "yq_tpl");
    assert!(err.message.contains('^'), "{err}");
    let err =
        Settings::parse(&request(&[("mode", "apply"), ("file", "a"), ("yq_tpl", "."), ("version", "1.2.3; rm -rf")]))
            .unwrap_err();
    assert_eq!(err.input, "version");
}

#[test]
fn version_rule() {
    for ok in ["1.2.3", "v1.2.3-rc.1+build.5", "sha-abc", "0"] {
        assert!(validate_version(ok).is_ok(), "{ok}");
    }
    for bad in ["", "-1", ".1", "1 2", "1\"", "a/b", &"1".repeat(129)] {
        assert!(validate_version(bad).is_err(), "{bad}");
    }
}

#[test]
fn invalid_inputs_are_quoted_shortened() {
    let long = "x".repeat(5_000);
    let err = validate_version(&long).unwrap_err();
    assert!(err.message.len() < 300, "{}", err.message.len());
    assert!(err.message.contains("…"));
}

#[test]
fn repositories_that_reach_other_routes_are_refused() {
    for repo in ["..", "../user", "org/..", "./x", "org/gitops/extra", "org", "org/a b"] {
        let err = update(&[("repo", repo)]).unwrap_err();
        assert_eq!(err.input, "repo", "{repo}");
    }
    assert_eq!(update(&[("repo", "org/gitops.git")]).unwrap().repo, "org/gitops");
    assert_eq!(update(&[("repo", "my-org/app.config")]).unwrap().repo, "my-org/app.config");
}

#[test]
fn file_paths_are_normalised_or_refused() {
    assert_eq!(update(&[("file", "./dev//Chart.yaml")]).unwrap().edits[0].file, "dev/Chart.yaml");
    for (file, why) in [
        ("dev\\Chart.yaml", "backslash"),
        ("/etc/passwd", "absolute"),
        ("dev/../../x", "'..'"),
        ("./", "names no file"),
    ] {
        let err = update(&[("file", file)]).unwrap_err();
        assert_eq!(err.input, "file");
        assert!(err.message.contains(why), "{file}: {err}");
    }
}

#[test]
fn a_server_url_with_credentials_is_refused_without_showing_them() {
    let err = update(&[("server_url", "https://bot:hunter2-secret@git.example")]).unwrap_err();
    assert_eq!(err.input, "server_url");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let err = Settings::parse(&request(&[
        ("mode", "dispatch"),
        ("env_json", r#"{"GITEA_API_URL": "https://x:hunter2-secret@git.example/api/v1"}"#),
        ("GITOPS_REPO", "o/g"),
        ("GITOPS_FILE", "a.yaml"),
        ("GITOPS_YQ_TPL", ".a = 1"),
        ("version", "1"),
        ("token", "tok"),
        ("source_repo", "o/app"),
        ("source_commit", "0123456789abcdef"),
    ]))
    .unwrap_err();
    assert_eq!(err.input, "env_json");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[test]
fn policy_inputs() {
    let s = update(&[("allow", "dev/**/Chart.yaml"), ("allow_paths", ".version")]).unwrap();
    assert!(s.allow.refusal("dev/Chart.yaml").is_none());
    assert!(s.allow_paths.refusal(".appVersion").is_some());
    assert_eq!(update(&[("allow", "../x")]).unwrap_err().input, "allow");
    assert_eq!(update(&[("allow_paths", "version")]).unwrap_err().input, "allow_paths");
}

#[test]
fn timeouts_default_by_mode() {
    assert_eq!(update(&[]).unwrap().timeout_ms, 300_000);
    assert_eq!(update(&[("timeout", "90s")]).unwrap().timeout_ms, 90_000);
    assert_eq!(update(&[("timeout", "soon")]).unwrap_err().input, "timeout");
}

#[test]
fn secrets_are_the_token_inputs() {
    let r = request(&[("token", "tok-abc-123"), ("status_token", "status-456"), ("version", "1.2.3")]);
    let secrets = r.secrets();
    assert_eq!(secrets.redact("tok-abc-123 status-456 1.2.3"), "*** *** 1.2.3");
}
