//! The action's modes, one module each, and what every mode hands back to the shim. Modes do
//! not import each other: what they share is the GitOps domain ([`crate::gitops`]), the forge
//! client ([`crate::forge`]) and the helpers here.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::EditError;
use crate::expr::Expr;
use crate::host::{Clock, Files, Http, Log, Redacting};
use crate::secrets::Secrets;
use crate::settings::{Request, Settings};

pub mod apply;
pub(crate) mod dispatch;
pub(crate) mod report;
pub(crate) mod update;

/// Runs the step `request` describes: parses its inputs into the settings of its mode, runs the
/// mode, and returns the outcome with every secret redacted (from the log too).
pub async fn run<H: Http + Clock + Log + Files>(request: &Request, host: &H) -> Outcome {
    let secrets = request.secrets();
    let host = Redacting { host, secrets: &secrets };
    // The network modes' futures are boxed: their state machines are then functions of their
    // own, which the wasm engine compiles when first called, rather than part of this one,
    // which every run (apply and report too) compiles at start-up.
    let outcome = match Settings::parse(request) {
        Ok(Settings::Apply(settings)) => apply::run(&settings, &host, &host),
        Ok(Settings::Update(settings)) => Box::pin(update::run(&settings, &host, &secrets)).await,
        Ok(Settings::Dispatch(settings)) => Box::pin(dispatch::run(&settings, &host, &secrets)).await,
        Ok(Settings::Report(settings)) => report::run(&settings, &host),
        Err(e) => Outcome::failed(Failure::message(e.to_string())),
    };
    outcome.finish(&secrets)
}

/// The most bytes one output (`diff`, `changes`) or the job summary holds; runners keep all
/// outputs of a step in memory and pass them on, so a huge edit must not make huge outputs.
pub const MAX_OUTPUT_BYTES: usize = 256 * 1024;

/// The action's outputs, as action.yml declares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// `changed`
    Changed,
    /// `diff`
    Diff,
    /// `changes`
    Changes,
    /// `status`
    Status,
    /// `commit_sha`
    CommitSha,
    /// `commit_url`
    CommitUrl,
    /// `run_url`
    RunUrl,
    /// `dispatch_id`
    DispatchId,
    /// `pr_url`
    PrUrl,
    /// `pr_number`
    PrNumber,
    /// `summary`
    Summary,
    /// `rows`
    Rows,
    /// `malformed`
    Malformed,
}

impl Output {
    /// Every output, in action.yml's order.
    pub const ALL: [Output; 13] = [
        Output::Changed,
        Output::Diff,
        Output::Changes,
        Output::Status,
        Output::CommitSha,
        Output::CommitUrl,
        Output::RunUrl,
        Output::DispatchId,
        Output::PrUrl,
        Output::PrNumber,
        Output::Summary,
        Output::Rows,
        Output::Malformed,
    ];

    /// The name as action.yml spells it.
    pub fn name(self) -> &'static str {
        match self {
            Output::Changed => "changed",
            Output::Diff => "diff",
            Output::Changes => "changes",
            Output::Status => "status",
            Output::CommitSha => "commit_sha",
            Output::CommitUrl => "commit_url",
            Output::RunUrl => "run_url",
            Output::DispatchId => "dispatch_id",
            Output::PrUrl => "pr_url",
            Output::PrNumber => "pr_number",
            Output::Summary => "summary",
            Output::Rows => "rows",
            Output::Malformed => "malformed",
        }
    }
}

/// Where an error points in a file, for an `::error file=…,line=…::` annotation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// What went wrong and how to fix it.
    pub message: String,
    /// The file the error is in, relative to the workspace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub col: Option<usize>,
}

impl Failure {
    /// A failure with no file position.
    pub fn message(message: impl Into<String>) -> Self {
        Failure { message: message.into(), ..Failure::default() }
    }
}

/// What a mode produced: step outputs, a job summary, and whether the step failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Whether the step succeeded.
    pub ok: bool,
    /// Step outputs by name (written even when the step fails).
    pub outputs: BTreeMap<String, String>,
    /// Markdown for the job summary (empty for none).
    pub summary: String,
    /// Why the step failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

impl Outcome {
    /// A failed step with no outputs.
    pub fn failed(failure: Failure) -> Self {
        Outcome { ok: false, error: Some(failure), ..Outcome::default() }
    }

    /// Sets an output, cut to [`MAX_OUTPUT_BYTES`] with a note of what was cut.
    pub(crate) fn output(&mut self, output: Output, value: impl Into<String>) {
        self.outputs.insert(output.name().to_string(), capped(value.into(), MAX_OUTPUT_BYTES));
    }

    /// The outcome as it leaves the core: every secret redacted from its outputs, summary and
    /// error, and the summary cut to [`MAX_OUTPUT_BYTES`].
    pub fn finish(mut self, secrets: &Secrets) -> Outcome {
        for value in self.outputs.values_mut() {
            *value = secrets.redact(value).into_owned();
        }
        self.summary = capped(secrets.redact(&self.summary).into_owned(), MAX_OUTPUT_BYTES);
        if let Some(error) = &mut self.error {
            error.message = secrets.redact(&error.message).into_owned();
        }
        self
    }
}

/// `text` cut at a line break before `max` bytes, with a last line saying how much was cut.
pub(crate) fn capped(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = text[..cut].rfind('\n').map_or(cut, |at| at + 1);
    let rest = &text[cut..];
    format!("{}… cut: {} more lines ({} bytes) not shown\n", &text[..cut], rest.lines().count(), rest.len())
}

/// An engine error as a step failure, pointing at the file where it has a position there.
pub(crate) fn edit_failure(file: &str, expression: &Expr, error: EditError) -> Failure {
    match error {
        EditError::Syntax(e) => Failure {
            message: format!("{file}: invalid YAML at line {}, column {}: {}", e.line, e.col, e.message),
            file: Some(file.to_string()),
            line: Some(e.line),
            col: Some(e.col),
        },
        EditError::Expression { error, .. } => {
            Failure::message(format!("{file}: the expression failed: {}", expression.render_error(&error)))
        }
        other => Failure { file: Some(file.to_string()), ..Failure::message(format!("{file}: {other}")) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_outputs_are_cut_at_a_line_with_a_note() {
        let text: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let cut = capped(text.clone(), 40);
        assert!(cut.starts_with("line 0\nline 1\n"));
        assert!(cut.ends_with("more lines (") || cut.contains("more lines ("), "{cut}");
        assert!(cut.len() < 120);
        assert_eq!(capped(text.clone(), 10_000), text);
    }
}
