//! Branches and pull requests: what promotion through a reviewed pull request needs. Statuses
//! and messages follow the servers' handlers (routers/api/v1/repo/pull.go, branch.go,
//! issue_comment.go @v1.24.7–v1.26.4, Forgejo @v11.0.15, @v12.0.4).

use serde::Deserialize;

use crate::host::{Clock, Http};

use super::model::{ChangeFileOperation, CommitRef};
use super::{call_name, encode_path, encode_query, parse_body, ApiError, Forge};

/// `Branch`: its head commit.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Branch {
    /// The branch's head commit.
    pub commit: BranchCommit,
}

/// `PayloadCommit`: a branch's head.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct BranchCommit {
    /// Its sha.
    pub id: String,
    /// Its message.
    #[serde(default)]
    pub message: String,
}

/// `PullRequest`: the fields promotion reads.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct PullRequest {
    /// The number (the issue index).
    pub number: u64,
    /// `open` or `closed` (a merged pull request is closed).
    #[serde(default)]
    pub state: String,
    /// Its body (trailers included).
    #[serde(default)]
    pub body: String,
    /// Its web page.
    #[serde(default)]
    pub html_url: String,
    /// Whether it was merged.
    #[serde(default)]
    pub merged: bool,
    /// The base branch's new head after the merge.
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    /// The head branch.
    pub head: PullBranch,
    /// The base branch.
    pub base: PullBranch,
}

impl PullRequest {
    /// Whether it is open (not closed, not merged).
    pub fn is_open(&self) -> bool {
        self.state == "open" && !self.merged
    }

    /// The merge commit, when merged.
    pub fn merge_commit(&self, web_base: &str, repo: &str) -> Option<CommitRef> {
        let sha = self.merge_commit_sha.clone().filter(|s| !s.is_empty())?;
        Some(CommitRef { html_url: format!("{web_base}/{repo}/commit/{sha}"), sha })
    }
}

/// A pull request as outputs, statuses and summaries name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PullLink {
    /// Its number.
    pub number: u64,
    /// Its web page.
    pub html_url: String,
}

impl PullLink {
    /// The link to `pull`.
    pub fn of(pull: &PullRequest) -> PullLink {
        PullLink { number: pull.number, html_url: pull.html_url.clone() }
    }
}

/// `PRBranchInfo`: one side of a pull request.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct PullBranch {
    /// The branch name (`label`), as created.
    #[serde(default)]
    pub label: String,
    /// Its head commit.
    #[serde(default)]
    pub sha: String,
}

/// How a merge request was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MergeAnswer {
    /// 200: merged now.
    Merged,
    /// 201: scheduled to merge once its checks and reviews pass.
    Scheduled,
}

/// The merge styles the servers take (`MergePullRequestOption.Do`).
pub(crate) const MERGE_STYLES: &[&str] = &["merge", "rebase", "rebase-merge", "squash", "fast-forward-only"];

impl<H: Http + Clock> Forge<'_, H> {
    /// `GET /repos/{repo}/branches/{branch}`; `None` when there is no such branch.
    pub async fn branch(&self, repo: &str, branch: &str) -> Result<Option<Branch>, ApiError> {
        match self.get_json(&format!("/repos/{repo}/branches/{}", encode_path(branch))).await {
            Ok(branch) => Ok(Some(branch)),
            Err(ApiError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /repos/{repo}/contents` with `new_branch`: the files committed on a new branch made
    /// from `base` (the base branch's protection does not apply: services/repository/files/
    /// update.go ChangeRepoFiles skips it when the branches differ, every release).
    pub async fn commit_to_new_branch(
        &self,
        repo: &str,
        base: &str,
        new_branch: &str,
        message: &str,
        files: &[ChangeFileOperation],
    ) -> Result<CommitRef, ApiError> {
        self.change_files(repo, Some(base), Some(new_branch), message, files).await
    }

    /// `POST /repos/{repo}/pulls`. An open pull request for the same branches already exists:
    /// 409 `pull request already exists for these targets [id: …, issue_id: N, …]`, where N is
    /// its number (routers/api/v1/repo/pull.go CreatePullRequest, every release).
    pub async fn create_pull(
        &self,
        repo: &str,
        base: &str,
        head: &str,
        title: &str,
        body: &str,
    ) -> Result<PullRequest, ApiError> {
        let (title, body) = (self.secrets.redact(title), self.secrets.redact(body));
        let request = serde_json::json!({ "base": base, "head": head, "title": title, "body": body });
        let path = format!("/repos/{repo}/pulls");
        let response = self.request("POST", &path, Some(request.to_string())).await?;
        parse_body(&call_name("POST", &path), &response)
    }

    /// `GET /repos/{repo}/pulls/{number}`.
    pub async fn pull(&self, repo: &str, number: u64) -> Result<PullRequest, ApiError> {
        self.get_json(&format!("/repos/{repo}/pulls/{number}")).await
    }

    /// `GET /repos/{repo}/pulls?state=…`: one page of 50, newest first. `all` is sent as no
    /// state, which the servers read as every state (models/issues/pull_list.go
    /// listPullRequestStatement filters only on open and closed).
    pub async fn pulls(&self, repo: &str, state: &str, page: u32) -> Result<Vec<PullRequest>, ApiError> {
        let mut path = format!("/repos/{repo}/pulls?sort=recentupdate&page={page}&limit=50");
        if state != "all" {
            path.push_str(&format!("&state={}", encode_query(state)));
        }
        self.get_json(&path).await
    }

    /// `PATCH /repos/{repo}/pulls/{number}` with `state: closed` (answered 201 by every release).
    pub async fn close_pull(&self, repo: &str, number: u64) -> Result<(), ApiError> {
        let body = serde_json::json!({ "state": "closed" }).to_string();
        self.request("PATCH", &format!("/repos/{repo}/pulls/{number}"), Some(body)).await.map(|_| ())
    }

    /// `POST /repos/{repo}/issues/{number}/comments`: a comment on a pull request.
    pub async fn comment(&self, repo: &str, number: u64, text: &str) -> Result<(), ApiError> {
        let body = serde_json::json!({ "body": self.secrets.redact(text) }).to_string();
        self.request("POST", &format!("/repos/{repo}/issues/{number}/comments"), Some(body)).await.map(|_| ())
    }

    /// `POST /repos/{repo}/pulls/{number}/merge`: merges now (200), or with `when_checks_succeed`
    /// schedules the merge for when checks and reviews pass (201). The field names are the
    /// ones every release reads (`Do`, untagged before Gitea 1.26; 1.26 reads both spellings).
    pub async fn merge_pull(
        &self,
        repo: &str,
        number: u64,
        style: &str,
        when_checks_succeed: bool,
    ) -> Result<MergeAnswer, ApiError> {
        let mut body = serde_json::json!({ "Do": style, "delete_branch_after_merge": true });
        if when_checks_succeed {
            body["merge_when_checks_succeed"] = true.into();
        }
        let response =
            self.request("POST", &format!("/repos/{repo}/pulls/{number}/merge"), Some(body.to_string())).await?;
        Ok(if response.status == 201 { MergeAnswer::Scheduled } else { MergeAnswer::Merged })
    }
}

/// The number of the open pull request a 409 from `create_pull` names (`issue_id: N`).
pub(crate) fn existing_pull_number(error: &ApiError) -> Option<u64> {
    let message = error.server_message();
    if error.status() != Some(409) || !message.contains("already exists") {
        return None;
    }
    let rest = &message[message.find("issue_id:")? + "issue_id:".len()..];
    rest.trim_start().split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_existing_pull_request_of_a_409() {
        let error = ApiError::Status {
            call: "POST /repos/o/r/pulls".into(),
            status: 409,
            message: "pull request already exists for these targets [id: 12, issue_id: 7, head_repo_id: 3, base_repo_id: 3, head_branch: gitops/app/1.2.3, base_branch: main]".into(),
        };
        assert_eq!(existing_pull_number(&error), Some(7));
        let other = ApiError::Status { call: "POST /x".into(), status: 422, message: "issue_id: 7".into() };
        assert_eq!(existing_pull_number(&other), None);
    }
}
