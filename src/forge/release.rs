//! What a server release can do, from `GET /version`. Each capability cites the server code it
//! was read from (file @ tag; see tests/sandbox/sources/).

/// A server release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Release {
    /// Forgejo rather than Gitea.
    pub forgejo: bool,
    /// Major version (Gitea 1, Forgejo 11).
    pub major: u64,
    /// Minor version.
    pub minor: u64,
}

/// How a dispatch can learn the run it started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunDetails {
    /// Gitea 1.26+: `?return_run_details=true` answers 200 `{workflow_run_id, run_url, html_url}`
    /// (routers/api/v1/repo/action.go @v1.26.4 ActionsDispatchWorkflow).
    Query,
    /// Forgejo 11+: `"return_run_info": true` in the body answers 201 `{id, run_number, jobs}`
    /// (routers/api/v1/repo/action.go @v11.0.15 DispatchWorkflow).
    Body,
    /// Older servers answer 204 with nothing.
    None,
}

impl Release {
    /// Reads `1.26.4`, `1.25.0+dev-12-gabc`, `11.0.3+gitea-1.22.0`.
    pub fn parse(version: &str) -> Option<Release> {
        let forgejo = version.contains("+gitea-") || !version.trim_start_matches('v').starts_with("1.");
        let core = version.trim_start_matches('v').split(['+', '-']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        Some(Release { forgejo, major: parts.next()??, minor: parts.next().flatten().unwrap_or(0) })
    }

    fn at_least(self, major: u64, minor: u64) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// Whether the server has the workflow dispatch API (Gitea 1.24: routers/api/v1/api.go
    /// @v1.24.7 `/actions/workflows`; Forgejo 8).
    pub fn can_dispatch(self) -> bool {
        if self.forgejo {
            self.major >= 8
        } else {
            self.at_least(1, 24)
        }
    }

    /// How a dispatch can learn its run.
    pub fn run_details(self) -> RunDetails {
        match self.forgejo {
            false if self.at_least(1, 26) => RunDetails::Query,
            true if self.major >= 11 => RunDetails::Body,
            _ => RunDetails::None,
        }
    }

    /// Whether runs can be read by id (`/actions/runs/{id}`: Gitea 1.25, Forgejo 12;
    /// routers/api/v1/api.go @v1.25.5, @v12.0.4).
    pub fn reads_runs(self) -> bool {
        if self.forgejo {
            self.major >= 12
        } else {
            self.at_least(1, 25)
        }
    }

    /// Whether a run's title is its evaluated `run-name`, so a dispatch id in the run-name
    /// names the run in run and task listings (Gitea 1.25+: services/actions/workflow.go
    /// @v1.25.5 DispatchActionWorkflow; Forgejo titles dispatched runs with the workflow's `name`:
    /// services/actions/workflows.go @v12.0.4 Dispatch).
    pub fn titles_runs_by_run_name(self) -> bool {
        !self.forgejo && self.at_least(1, 25)
    }

    /// Whether a dispatch cancels the unfinished runs of the same workflow and ref (Gitea
    /// 1.24/1.25: services/actions/workflow.go @v1.25.5 CancelPreviousJobs; removed in 1.26).
    pub fn dispatch_cancels_earlier_runs(self) -> bool {
        !self.forgejo && self.major == 1 && self.minor <= 25
    }

    /// The folders the server reads workflows from, in order; only the first that exists is
    /// read (modules/actions/workflows.go ListWorkflows, Gitea @v1.25.5, Forgejo @v12.0.4).
    pub fn workflow_dirs(self) -> &'static [&'static str] {
        if self.forgejo {
            &[".forgejo/workflows", ".gitea/workflows", ".github/workflows"]
        } else {
            &[".gitea/workflows", ".github/workflows"]
        }
    }

    /// The most `workflow_dispatch` inputs with values a dispatch may carry (Forgejo's
    /// `[actions] LIMIT_DISPATCH_INPUTS`, default 10 up to v14, 100 from v15:
    /// modules/setting/actions.go @v12.0.4, @v15.0.3); `None` where there is no limit.
    pub fn dispatch_input_limit(self) -> Option<usize> {
        match (self.forgejo, self.major) {
            (true, ..=14) => Some(10),
            (true, _) => Some(100),
            _ => None,
        }
    }

    /// The server's name and version, for messages.
    pub fn name(self) -> String {
        if self.forgejo {
            format!("Forgejo {}", self.major)
        } else {
            format!("Gitea {}.{}", self.major, self.minor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        let gitea = Release::parse("1.26.4").unwrap();
        assert_eq!((gitea.forgejo, gitea.run_details(), gitea.reads_runs()), (false, RunDetails::Query, true));
        assert!(!gitea.dispatch_cancels_earlier_runs());
        let old = Release::parse("1.25.3").unwrap();
        assert_eq!((old.run_details(), old.reads_runs()), (RunDetails::None, true));
        assert!(old.titles_runs_by_run_name() && old.dispatch_cancels_earlier_runs());
        let oldest = Release::parse("1.24.6").unwrap();
        assert!(oldest.can_dispatch() && !oldest.reads_runs() && !oldest.titles_runs_by_run_name());
        assert!(!Release::parse("1.23.1").unwrap().can_dispatch());
        let forgejo = Release::parse("11.0.3+gitea-1.22.0").unwrap();
        assert_eq!((forgejo.forgejo, forgejo.run_details(), forgejo.reads_runs()), (true, RunDetails::Body, false));
        assert_eq!(forgejo.workflow_dirs()[0], ".forgejo/workflows");
        assert_eq!(forgejo.dispatch_input_limit(), Some(10));
        assert!(Release::parse("12.0.1+gitea-1.22.0").unwrap().reads_runs());
        assert_eq!(Release::parse("15.0.3+gitea-1.22.0").unwrap().dispatch_input_limit(), Some(100));
        assert_eq!(gitea.workflow_dirs(), &[".gitea/workflows", ".github/workflows"]);
        assert_eq!(gitea.name(), "Gitea 1.26");
    }
}
