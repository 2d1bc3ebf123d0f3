//! The action's modes, one module each, and what every mode hands back to the shim.

use std::collections::BTreeMap;

use serde::Serialize;

pub mod apply;
pub mod dispatch;
pub mod report;
pub mod update;

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
}
