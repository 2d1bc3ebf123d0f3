//! `mode: report`: renders pipeline summaries (`component|version|status|commit_sha|repo` lines,
//! as `dispatch` and `update` write them) as a Markdown table in the job summary. Every cell is
//! escaped: no summary line can inject Markdown links, images or HTML.

use crate::gitops::markdown;
use crate::gitops::short_sha;
use crate::gitops::summary::{Status, SummaryLine, HEADER};
use crate::host::{Files, Level, Log};
use crate::settings::{LinkBase, ReportSettings};

use super::{Outcome, Output};

/// The icon shown for a status: [`Status::icon`], or one for other tools' words.
pub fn icon(status: &str) -> &'static str {
    match status.parse::<Status>() {
        Ok(status) => status.icon(),
        Err(()) => match status {
            "pending" | "queued" | "in_progress" => "⏳",
            "timeout" => "⌛",
            "error" => "❌",
            _ => "❔",
        },
    }
}

/// The web base links point at: input `server_url`; else the public base of the event
/// payload's `repository.html_url`, which the server builds on its public URL (`convert.ToRepo`
/// → `repo.HTMLURL`: Gitea services/actions/workflow.go DispatchActionWorkflow, models/repo/repo.go
/// @v1.25.5, `setting.AppURL` or the dispatching request's proxy headers; Forgejo
/// services/actions/workflows.go Dispatch, models/repo/repo.go @v12.0.4, `setting.AppURL`); else
/// the runner's `GITHUB_SERVER_URL`, which is the address the runner registered with (act_runner
/// `client.Address()`), often an internal one.
pub fn link_base(base: &LinkBase, host: &(impl Files + Log)) -> String {
    let (event_path, repository, runner_url) = match base {
        LinkBase::Given(url) => return url.clone(),
        LinkBase::Event { event_path: None, runner_url, .. } => return runner_url.clone(),
        LinkBase::Event { event_path: Some(path), repository, runner_url } => (path, repository, runner_url),
    };
    let from_event = host
        .read(event_path)
        .map_err(|e| format!("cannot read the event payload {event_path}: {e}"))
        .and_then(|bytes| public_base(&bytes, repository.as_deref()));
    from_event.unwrap_or_else(|why| {
        host.log(Level::Debug, &format!("{why}; links use GITHUB_SERVER_URL {runner_url}"));
        runner_url.clone()
    })
}

/// The web base in an event payload: `repository.html_url` without its `/{owner}/{name}`.
fn public_base(payload: &[u8], repository: Option<&str>) -> Result<String, String> {
    let payload: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| format!("the event payload is not JSON: {e}"))?;
    let repo = &payload["repository"];
    let html_url = repo["html_url"].as_str().ok_or("the event payload has no repository.html_url")?;
    let name = repo["full_name"].as_str().or(repository).ok_or("the event payload has no repository.full_name")?;
    html_url
        .trim_end_matches('/')
        .strip_suffix(&format!("/{name}"))
        .filter(|base| base.starts_with("http://") || base.starts_with("https://"))
        .map(str::to_string)
        .ok_or_else(|| format!("repository.html_url {html_url:?} does not end with /{name}"))
}

/// Renders the summary table; malformed lines are shown as such and logged as warnings.
pub fn run(settings: &ReportSettings, host: &(impl Files + Log)) -> Outcome {
    let log = host;
    let server = &link_base(&settings.link_base, host);
    let mut table = String::from(
        "### GitOps deployments\n\n| | Component | Version | Status | Commit | Repository |\n|---|---|---|---|---|---|\n",
    );
    let mut rows = 0;
    let mut malformed = 0;
    for (number, line) in settings.lines.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.eq_ignore_ascii_case(HEADER) {
            continue;
        }
        match line.parse::<SummaryLine>() {
            Ok(row) => {
                rows += 1;
                let linked = !row.repo.is_empty() && !server.is_empty();
                let commit = match (row.commit_sha.is_empty(), linked) {
                    (true, _) => "—".to_string(),
                    (false, false) => markdown::code(short_sha(&row.commit_sha)),
                    (false, true) => markdown::code_link(
                        short_sha(&row.commit_sha),
                        &format!("{server}/{}/commit/{}", row.repo, row.commit_sha),
                    ),
                };
                let repo = match (row.repo.is_empty(), linked) {
                    (true, _) => "—".to_string(),
                    (false, false) => markdown::text(&row.repo),
                    (false, true) => markdown::link(&row.repo, &format!("{server}/{}", row.repo)),
                };
                // A summary line names no pull request: a proposed version links to the
                // repository's open pull requests, where it waits.
                let status = if linked && row.status == Status::PrOpened.as_str() {
                    markdown::link(&row.status, &format!("{server}/{}/pulls", row.repo))
                } else {
                    markdown::text(&row.status)
                };
                table.push_str(&format!(
                    "| {} | {} | {} | {status} | {commit} | {repo} |\n",
                    icon(&row.status),
                    markdown::text(&row.component),
                    markdown::code(&row.version),
                ));
            }
            Err(why) => {
                malformed += 1;
                log.warning(&format!("gitops line {} {why}: {}", number + 1, crate::forge::shorten(line, 200)));
                table.push_str(&format!(
                    "| ⚠️ | malformed line {} | | {} | | {} |\n",
                    number + 1,
                    markdown::text(&why),
                    markdown::code(&crate::forge::shorten(line, 200))
                ));
            }
        }
    }
    if rows + malformed == 0 {
        table.push_str("| ❔ | no summaries given | | | | |\n");
        log.warning("input 'gitops' has no summary lines; pass the dispatch steps' 'summary' outputs, one per line");
    }
    let mut outcome = Outcome { ok: true, summary: table, ..Outcome::default() };
    outcome.output(Output::Rows, rows.to_string());
    outcome.output(Output::Malformed, malformed.to_string());
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::IoError;
    use std::cell::RefCell;

    /// A log that keeps warnings, and files from a list.
    #[derive(Default)]
    struct Lines(RefCell<Vec<String>>, Vec<(&'static str, String)>);
    impl Log for Lines {
        fn log(&self, level: Level, message: &str) {
            if level == Level::Warning {
                self.0.borrow_mut().push(message.to_string());
            }
        }
    }
    impl Files for Lines {
        fn read(&self, path: &str) -> Result<Vec<u8>, IoError> {
            self.1
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, text)| text.clone().into_bytes())
                .ok_or(IoError { code: "ENOENT".into(), message: format!("ENOENT: no such file {path}") })
        }
        fn write(&self, _: &str, _: &[u8]) -> Result<(), IoError> {
            unreachable!("report writes no files")
        }
        fn real_path(&self, path: &str) -> Result<String, IoError> {
            Ok(path.to_string())
        }
    }

    fn event(event_path: Option<&str>, runner_url: &str) -> LinkBase {
        LinkBase::Event {
            event_path: event_path.map(str::to_string),
            repository: Some("niko/app".into()),
            runner_url: runner_url.into(),
        }
    }

    #[test]
    fn links_use_the_public_base_of_the_event_payload_not_the_runner_address() {
        let payload = r#"{"repository": {"full_name": "niko/app", "html_url": "https://git.example/sub/niko/app"}}"#;
        let host = Lines(RefCell::default(), vec![("/e.json", payload.into())]);
        assert_eq!(link_base(&event(Some("/e.json"), "http://gitea:3000"), &host), "https://git.example/sub");
        // No payload, one without html_url, or one for another repository: the runner's address.
        assert_eq!(link_base(&event(None, "http://gitea:3000"), &host), "http://gitea:3000");
        assert_eq!(link_base(&event(Some("/missing.json"), "http://gitea:3000"), &host), "http://gitea:3000");
        let other = r#"{"repository": {"full_name": "niko/app", "html_url": "https://git.example/niko/other"}}"#;
        let host = Lines(RefCell::default(), vec![("/e.json", other.into()), ("/bad.json", "{".into())]);
        assert_eq!(link_base(&event(Some("/e.json"), "http://gitea:3000"), &host), "http://gitea:3000");
        assert_eq!(link_base(&event(Some("/bad.json"), "http://gitea:3000"), &host), "http://gitea:3000");
        // Input server_url wins.
        assert_eq!(link_base(&LinkBase::Given("https://given".into()), &host), "https://given");
        assert!(host.0.borrow().is_empty(), "a fallback is no warning");
        // full_name missing: GITHUB_REPOSITORY names the repository.
        let no_name = r#"{"repository": {"html_url": "https://git.example/niko/app/"}}"#;
        let host = Lines(RefCell::default(), vec![("/e.json", no_name.into())]);
        assert_eq!(link_base(&event(Some("/e.json"), "http://gitea:3000"), &host), "https://git.example");
    }

    #[test]
    fn renders_rows_with_links_and_reports_malformed_lines() {
        let settings = ReportSettings {
            lines: format!(
                "{HEADER}\nagent-platform|1.2.3|success|0123456789abcdef|niko/gitops\napi-helm|1.0.0|superseded||niko/gitops\nbroken line\n"
            ),
            link_base: LinkBase::Given("https://git.example".into()),
        };
        let log = Lines::default();
        let out = run(&settings, &log);
        assert!(out.ok);
        assert!(
            out.summary.contains(
                "| ✅ | agent-platform | `1.2.3` | success | [`0123456`](https://git.example/niko/gitops/commit/0123456789abcdef) | [niko/gitops](https://git.example/niko/gitops) |"
            ),
            "{}",
            out.summary
        );
        assert!(out.summary.contains("| ⏭️ | api-helm |"));
        assert!(out.summary.contains("malformed line 4"));
        assert_eq!(out.outputs["rows"], "2");
        assert_eq!(out.outputs["malformed"], "1");
        assert_eq!(log.0.borrow().len(), 1);
    }

    #[test]
    fn a_proposed_version_links_to_the_open_pull_requests() {
        let settings = ReportSettings {
            lines: "app|1.2.3|pr_opened||niko/gitops\n".into(),
            link_base: LinkBase::Given("https://git.example".into()),
        };
        let out = run(&settings, &Lines::default());
        assert!(
            out.summary.contains("| 🔀 | app | `1.2.3` | [pr\\_opened](https://git.example/niko/gitops/pulls) | — |"),
            "{}",
            out.summary
        );
    }

    #[test]
    fn no_line_can_inject_markdown_or_html() {
        let settings = ReportSettings {
            lines: "![x](https://evil.example/p.png)|<img src=x onerror=alert(1)>|[click](https://evil.example)||o/r\n\
                    a|`1` [l](https://evil)|success||o/r\n"
                .into(),
            link_base: LinkBase::Given("https://git.example".into()),
        };
        let out = run(&settings, &Lines::default());
        assert_eq!(out.outputs["rows"], "2", "{}", out.summary);
        assert!(!out.summary.contains("![x]("), "{}", out.summary);
        assert!(out.summary.contains("| `<img src=x onerror=alert(1)>` |"), "only as code: {}", out.summary);
        assert!(!out.summary.contains("[click]("), "{}", out.summary);
        assert!(out.summary.contains("`` `1` [l](https://evil) ``"), "{}", out.summary);
    }

    #[test]
    fn icons() {
        assert_eq!(icon("failure"), "❌");
        assert_eq!(icon("dispatch_rejected"), "❌");
        assert_eq!(icon("run_failed"), "❌");
        assert_eq!(icon("timed_out"), "⌛");
        assert_eq!(icon("pending"), "⏳");
        assert_eq!(icon("something_else"), "❔");
    }
}
