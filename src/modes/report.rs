//! `mode: report`: renders pipeline summaries (`component|version|status|commit_sha|repo` lines,
//! as `dispatch` and `update` write them) as a Markdown table in the job summary. Every cell is
//! escaped: no summary line can inject Markdown links, images or HTML.

use crate::gitops::markdown;
use crate::gitops::short_sha;
use crate::gitops::summary::{Status, SummaryLine, HEADER};
use crate::host::Log;
use crate::settings::ReportSettings;

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

/// Renders the summary table; malformed lines are shown as such and logged as warnings.
pub fn run(settings: &ReportSettings, log: &impl Log) -> Outcome {
    let server = &settings.server_url;
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
                table.push_str(&format!(
                    "| {} | {} | {} | {} | {commit} | {repo} |\n",
                    icon(&row.status),
                    markdown::text(&row.component),
                    markdown::code(&row.version),
                    markdown::text(&row.status)
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
    use std::cell::RefCell;

    #[derive(Default)]
    struct Lines(RefCell<Vec<String>>);
    impl Log for Lines {
        fn log(&self, _: crate::host::Level, message: &str) {
            self.0.borrow_mut().push(message.to_string());
        }
    }

    #[test]
    fn renders_rows_with_links_and_reports_malformed_lines() {
        let settings = ReportSettings {
            lines: format!(
                "{HEADER}\nagent-platform|1.2.3|success|0123456789abcdef|niko/gitops\napi-helm|1.0.0|superseded||niko/gitops\nbroken line\n"
            ),
            server_url: "https://git.example".into(),
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
    fn no_line_can_inject_markdown_or_html() {
        let settings = ReportSettings {
            lines: "![x](https://evil.example/p.png)|<img src=x onerror=alert(1)>|[click](https://evil.example)||o/r\n\
                    a|`1` [l](https://evil)|success||o/r\n"
                .into(),
            server_url: "https://git.example".into(),
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
