//! `mode: report`: renders pipeline summaries (`component|version|status|commit_sha|repo` lines,
//! as `dispatch` writes them) as a Markdown table in the job summary.

use crate::host::Log;
use crate::settings::ReportSettings;

use super::Outcome;

/// The header line of the summary format; accepted and skipped in the input.
pub const HEADER: &str = "component|version|status|commit_sha|repo";

/// One parsed summary line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The component (consumer repo name, plus `-prefix`).
    pub component: String,
    /// The version deployed.
    pub version: String,
    /// `success`, `unchanged`, `superseded`, `failure`, …
    pub status: String,
    /// The GitOps commit, if one was made.
    pub commit_sha: String,
    /// The GitOps repository (`owner/name`).
    pub repo: String,
}

/// Parses one line, or says why it is malformed.
pub fn parse_line(line: &str) -> Result<Row, String> {
    let fields: Vec<&str> = line.split('|').map(str::trim).collect();
    if fields.len() != 5 {
        return Err(format!("has {} fields, expected 5 ({HEADER})", fields.len()));
    }
    if fields[0].is_empty() || fields[2].is_empty() {
        return Err("has an empty component or status".into());
    }
    let sha = fields[3];
    let hex_sha = (7..=64).contains(&sha.len()) && sha.bytes().all(|b| b.is_ascii_hexdigit());
    if !sha.is_empty() && !hex_sha {
        return Err(format!("has commit_sha {sha:?}, which is not a hex commit id"));
    }
    let repo = fields[4];
    if !repo.is_empty() && (repo.split('/').count() != 2 || repo.contains(char::is_whitespace)) {
        return Err(format!("has repo {repo:?}, expected owner/name"));
    }
    Ok(Row {
        component: fields[0].into(),
        version: fields[1].into(),
        status: fields[2].into(),
        commit_sha: sha.into(),
        repo: repo.into(),
    })
}

/// The icon shown for a status.
pub fn icon(status: &str) -> &'static str {
    match status {
        "success" => "✅",
        "unchanged" => "➖",
        "superseded" => "⏭️",
        "pending" | "queued" | "in_progress" => "⏳",
        "cancelled" => "🚫",
        "timed_out" | "timeout" => "⌛",
        "failure" | "run_failed" | "dispatch_rejected" | "error" => "❌",
        _ => "❔",
    }
}

/// Renders the summary table; malformed lines are shown as such and logged as warnings.
pub fn run(settings: &ReportSettings, log: &impl Log) -> Outcome {
    let server = &settings.server_url;
    let mut table = String::from("### GitOps deployments\n\n| | Component | Version | Status | Commit | Repository |\n|---|---|---|---|---|---|\n");
    let mut rows = 0;
    let mut malformed = 0;
    for (number, line) in settings.lines.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.eq_ignore_ascii_case(HEADER) {
            continue;
        }
        match parse_line(line) {
            Ok(row) => {
                rows += 1;
                let commit = match (row.commit_sha.is_empty(), row.repo.is_empty() || server.is_empty()) {
                    (true, _) => "—".to_string(),
                    (false, true) => format!("`{}`", short(&row.commit_sha)),
                    (false, false) => {
                        format!("[`{}`]({server}/{}/commit/{})", short(&row.commit_sha), row.repo, row.commit_sha)
                    }
                };
                let repo = match (row.repo.is_empty(), server.is_empty()) {
                    (true, _) => "—".to_string(),
                    (false, true) => row.repo.clone(),
                    (false, false) => format!("[{}]({server}/{})", row.repo, row.repo),
                };
                table.push_str(&format!(
                    "| {} | {} | `{}` | {} | {commit} | {repo} |\n",
                    icon(&row.status),
                    escape(&row.component),
                    escape(&row.version),
                    escape(&row.status)
                ));
            }
            Err(why) => {
                malformed += 1;
                log.warning(&format!("gitops line {} {why}: {line}", number + 1));
                table.push_str(&format!(
                    "| ⚠️ | malformed line {} | | {} | | `{}` |\n",
                    number + 1,
                    escape(&why),
                    escape(line)
                ));
            }
        }
    }
    if rows + malformed == 0 {
        table.push_str("| ❔ | no summaries given | | | | |\n");
        log.warning("input 'gitops' has no summary lines; pass the dispatch steps' 'summary' outputs, one per line");
    }
    let mut outcome = Outcome { ok: true, summary: table, ..Outcome::default() };
    outcome.outputs.insert("rows".into(), rows.to_string());
    outcome.outputs.insert("malformed".into(), malformed.to_string());
    outcome
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
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
            lines: format!("{HEADER}\nagent-platform|1.2.3|success|0123456789abcdef|niko/gitops\napi-helm|1.0.0|superseded||niko/gitops\nbroken line\n"),
            server_url: "https://git.example".into(),
        };
        let log = Lines::default();
        let out = run(&settings, &log);
        assert!(out.ok);
        assert!(out.summary.contains("| ✅ | agent-platform | `1.2.3` | success | [`0123456`](https://git.example/niko/gitops/commit/0123456789abcdef) | [niko/gitops](https://git.example/niko/gitops) |"), "{}", out.summary);
        assert!(out.summary.contains("| ⏭️ | api-helm |"));
        assert!(out.summary.contains("malformed line 4"));
        assert_eq!(out.outputs["rows"], "2");
        assert_eq!(out.outputs["malformed"], "1");
        assert_eq!(log.0.borrow().len(), 1);
    }

    #[test]
    fn line_validation() {
        assert!(parse_line("a|1|success|xyz|o/r").unwrap_err().contains("commit_sha"));
        assert!(parse_line("a|1|success||o").unwrap_err().contains("owner/name"));
        assert!(parse_line("a|1|success|").is_err());
        assert_eq!(icon("failure"), "❌");
        assert_eq!(icon("dispatch_rejected"), "❌");
        assert_eq!(icon("run_failed"), "❌");
        assert_eq!(icon("timed_out"), "⌛");
        assert_eq!(icon("something_else"), "❔");
    }
}
