//! The pipeline summary line, `component|version|status|commit_sha|repo`: what dispatch and
//! update write as their `summary` output, on failure too, and what report mode renders.

use std::fmt;
use std::str::FromStr;

use super::is_commit_sha;

/// The header line of the format; report mode accepts and skips it.
pub const HEADER: &str = "component|version|status|commit_sha|repo";

/// How a deployment ended: the `status` output and the summary line's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The GitOps commit landed (or an earlier run of the same dispatch made it).
    Success,
    /// The file already held the version; no commit.
    Unchanged,
    /// A pull request proposes the version; it is not merged (yet).
    PrOpened,
    /// A newer version is in place; no commit.
    Superseded,
    /// The server refused the dispatch.
    DispatchRejected,
    /// The GitOps run failed.
    RunFailed,
    /// The GitOps run was cancelled, and dispatching again did not help.
    Cancelled,
    /// The run or its commit did not appear within the timeout.
    TimedOut,
    /// Anything else that went wrong.
    Failure,
}

impl Status {
    /// Every status, in the order README lists them.
    pub const ALL: [Status; 9] = [
        Status::Success,
        Status::Unchanged,
        Status::PrOpened,
        Status::Superseded,
        Status::DispatchRejected,
        Status::RunFailed,
        Status::Cancelled,
        Status::TimedOut,
        Status::Failure,
    ];

    /// The name in outputs and summary lines.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Unchanged => "unchanged",
            Status::PrOpened => "pr_opened",
            Status::Superseded => "superseded",
            Status::DispatchRejected => "dispatch_rejected",
            Status::RunFailed => "run_failed",
            Status::Cancelled => "cancelled",
            Status::TimedOut => "timed_out",
            Status::Failure => "failure",
        }
    }

    /// Whether the deployment reached its goal: the version is in the GitOps repository, or
    /// proposed there for review.
    pub fn is_deployed(self) -> bool {
        matches!(self, Status::Success | Status::Unchanged | Status::PrOpened | Status::Superseded)
    }

    /// The icon report mode shows.
    pub fn icon(self) -> &'static str {
        match self {
            Status::Success => "✅",
            Status::Unchanged => "➖",
            Status::PrOpened => "🔀",
            Status::Superseded => "⏭️",
            Status::Cancelled => "🚫",
            Status::TimedOut => "⌛",
            Status::DispatchRejected | Status::RunFailed | Status::Failure => "❌",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        Status::ALL.into_iter().find(|s| s.as_str() == text).ok_or(())
    }
}

/// One summary line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryLine {
    /// The component: the consumer repository's name, plus `-prefix` for a tag prefix.
    pub component: String,
    /// The version deployed.
    pub version: String,
    /// How it ended: a [`Status`] name, or another tool's word (report mode shows it as is).
    pub status: String,
    /// The GitOps commit, if there is one.
    pub commit_sha: String,
    /// The GitOps repository, `owner/name`.
    pub repo: String,
}

impl fmt::Display for SummaryLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}|{}|{}|{}", self.component, self.version, self.status, self.commit_sha, self.repo)
    }
}

impl FromStr for SummaryLine {
    /// Why the line is malformed.
    type Err = String;

    fn from_str(line: &str) -> Result<Self, String> {
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        let [component, version, status, commit_sha, repo] = fields[..] else {
            return Err(format!("has {} fields, expected 5 ({HEADER})", fields.len()));
        };
        if component.is_empty() || status.is_empty() {
            return Err("has an empty component or status".into());
        }
        if !commit_sha.is_empty() && !is_commit_sha(commit_sha) {
            return Err("has a commit_sha that is not a hex commit id".into());
        }
        let valid_repo = repo.split('/').count() == 2 && !repo.split('/').any(str::is_empty);
        if !repo.is_empty() && (!valid_repo || repo.contains(char::is_whitespace)) {
            return Err("has a repo that is not owner/name".into());
        }
        Ok(SummaryLine {
            component: component.into(),
            version: version.into(),
            status: status.into(),
            commit_sha: commit_sha.into(),
            repo: repo.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        let line = SummaryLine {
            component: "agent-platform-docker".into(),
            version: "1.2.3".into(),
            status: Status::Success.to_string(),
            commit_sha: "0123456789abcdef0123456789abcdef01234567".into(),
            repo: "niko/gitops".into(),
        };
        let text = line.to_string();
        assert_eq!(text, "agent-platform-docker|1.2.3|success|0123456789abcdef0123456789abcdef01234567|niko/gitops");
        assert_eq!(text.parse::<SummaryLine>(), Ok(line));
        assert_eq!("a|1|failure||o/r".parse::<SummaryLine>().unwrap().commit_sha, "");
    }

    #[test]
    fn malformed_lines_say_why() {
        assert!("a|1|success|xyz1234|o/r".parse::<SummaryLine>().unwrap_err().contains("commit_sha"));
        assert!("a|1|success||o".parse::<SummaryLine>().unwrap_err().contains("owner/name"));
        assert!("a|1|success||o/".parse::<SummaryLine>().unwrap_err().contains("owner/name"));
        assert!("a|1|success|".parse::<SummaryLine>().unwrap_err().contains("4 fields"));
        assert!("|1|success||o/r".parse::<SummaryLine>().unwrap_err().contains("empty"));
    }

    #[test]
    fn statuses() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
        }
        assert!("pending".parse::<Status>().is_err());
        assert!(Status::Superseded.is_deployed() && !Status::TimedOut.is_deployed());
        assert_eq!(Status::RunFailed.icon(), "❌");
    }
}
