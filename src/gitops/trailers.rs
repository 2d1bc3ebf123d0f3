//! The GitOps commit's message: the seed's subject, which files changed with which expression,
//! and trailers that let a dispatch find exactly its commit again.
//!
//! ```text
//! [skip ci] gitops: update version to 1.2.3
//!
//! Updated dev/Chart.yaml with: .version = "{{VERSION}}"
//!
//! Gitops-Dispatch-Id: niko-agent-platform-812-1-build-4f2a1c
//! Gitops-Source-Repo: niko/agent-platform
//! Gitops-Source-Commit: 8cc9155b8693ac36bcbfc30ee153056bb43898f5
//! Gitops-Tag-Prefix: docker/
//! ```

use std::fmt;

use super::version::newer_version;

/// The trailer that carries the dispatch id.
pub(crate) const DISPATCH_ID: &str = "Gitops-Dispatch-Id";
const SOURCE_REPO: &str = "Gitops-Source-Repo";
const SOURCE_COMMIT: &str = "Gitops-Source-Commit";
const TAG_PREFIX: &str = "Gitops-Tag-Prefix";
/// The subject after `[skip ci] `, before the version.
const SUBJECT: &str = "gitops: update version to ";
/// How each edited file is listed in the body.
const UPDATED: &str = "Updated ";
const WITH: &str = " with: ";

/// What a GitOps commit records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CommitMessage {
    /// The version written.
    pub version: String,
    /// Each edit: the file and the expression applied to it.
    pub edits: Vec<(String, String)>,
    /// The dispatcher's id.
    pub dispatch_id: Option<String>,
    /// The consumer repository, `owner/name`.
    pub source_repo: Option<String>,
    /// The consumer commit.
    pub source_commit: Option<String>,
    /// The component's tag prefix.
    pub tag_prefix: Option<String>,
}

impl fmt::Display for CommitMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[skip ci] {SUBJECT}{}\n\n", self.version)?;
        for (file, expression) in &self.edits {
            writeln!(f, "{UPDATED}{file}{WITH}{}", one_line(expression))?;
        }
        let trailers = [
            (DISPATCH_ID, &self.dispatch_id),
            (SOURCE_REPO, &self.source_repo),
            (SOURCE_COMMIT, &self.source_commit),
            (TAG_PREFIX, &self.tag_prefix),
        ];
        let mut first = true;
        for (name, value) in trailers {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                if first {
                    f.write_str("\n")?;
                    first = false;
                }
                writeln!(f, "{name}: {value}")?;
            }
        }
        Ok(())
    }
}

/// An expression on one line of the body (a multi-line expression's lines joined).
fn one_line(expression: &str) -> String {
    expression.trim().lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

impl CommitMessage {
    /// Reads a GitOps commit's message; `None` when its subject is not a GitOps update.
    pub fn parse(message: &str) -> Option<CommitMessage> {
        let subject = message.lines().next()?;
        let version = subject.split_once(SUBJECT)?.1.trim().to_string();
        let edits = message
            .lines()
            .filter_map(|line| line.strip_prefix(UPDATED)?.split_once(WITH))
            .map(|(file, expression)| (file.to_string(), expression.to_string()))
            .collect();
        let value = |name| trailer(message, name).map(str::to_string);
        Some(CommitMessage {
            version,
            edits,
            dispatch_id: value(DISPATCH_ID),
            source_repo: value(SOURCE_REPO),
            source_commit: value(SOURCE_COMMIT),
            tag_prefix: value(TAG_PREFIX),
        })
    }

    /// Reads the GitOps commit message a pull request's body ends with (update mode writes it
    /// after the diff); `None` when there is none.
    pub fn in_pull_body(body: &str) -> Option<CommitMessage> {
        let at = body.rfind(&format!("[skip ci] {SUBJECT}"))?;
        CommitMessage::parse(&body[at..])
    }

    /// The version a pull request's body proposes (the GitOps commit message it ends with), when
    /// it is newer than `than`.
    pub fn newer_in_pull_body(body: &str, than: &str) -> Option<String> {
        CommitMessage::in_pull_body(body).map(|m| m.version).filter(|version| newer_version(version, than))
    }

    /// What differs between this commit, made for the same dispatch id, and the update that
    /// `wanted` describes: the version, the files, or the source (`None` when they agree).
    pub fn difference(&self, wanted: &CommitMessage) -> Option<String> {
        if self.version != wanted.version {
            return Some(format!("version {} (this update: {})", self.version, wanted.version));
        }
        let files = |m: &CommitMessage| m.edits.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>();
        if files(self) != files(wanted) {
            return Some(format!("files {} (this update: {})", files(self).join(", "), files(wanted).join(", ")));
        }
        for (name, have, want) in [
            ("source repository", &self.source_repo, &wanted.source_repo),
            ("source commit", &self.source_commit, &wanted.source_commit),
        ] {
            if have != want {
                let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
                return Some(format!("{name} {} (this update: {})", show(have), show(want)));
            }
        }
        None
    }
}

/// The value of trailer `name` in a commit message (the last paragraph's `Name: value` lines).
pub(crate) fn trailer<'m>(message: &'m str, name: &str) -> Option<&'m str> {
    let last_paragraph = message.trim_end().rsplit("\n\n").next()?;
    last_paragraph.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// Whether a commit's subject is the seed's for `version` (GitOps repositories still on the
/// seed's script write that subject without trailers).
pub(crate) fn is_seed_subject(message: &str, version: &str) -> bool {
    message.lines().next().is_some_and(|s| s.ends_with(&format!("{SUBJECT}{version}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> CommitMessage {
        CommitMessage {
            version: "1.2.3".into(),
            edits: vec![("dev/Chart.yaml".into(), ".version = \"{{VERSION}}\"".into())],
            dispatch_id: Some("r1-2-x".into()),
            source_repo: Some("o/app".into()),
            source_commit: Some("8cc9155b".into()),
            tag_prefix: None,
        }
    }

    #[test]
    fn messages_render_and_parse_back() {
        let text = message().to_string();
        assert_eq!(
            text,
            "[skip ci] gitops: update version to 1.2.3\n\nUpdated dev/Chart.yaml with: .version = \"{{VERSION}}\"\n\n\
             Gitops-Dispatch-Id: r1-2-x\nGitops-Source-Repo: o/app\nGitops-Source-Commit: 8cc9155b\n"
        );
        assert_eq!(CommitMessage::parse(&text), Some(message()));
        assert_eq!(CommitMessage::parse("fix typo"), None);
        assert!(is_seed_subject("[skip ci] gitops: update version to 1.2.3", "1.2.3"));
        assert!(!is_seed_subject("[skip ci] gitops: update version to 1.2.3", "1.2"));
    }

    #[test]
    fn trailers_are_read_from_the_last_paragraph() {
        assert_eq!(trailer(&message().to_string(), DISPATCH_ID), Some("r1-2-x"));
        assert_eq!(trailer("subject\n\nGitops-Dispatch-Id: a\n\nbody", DISPATCH_ID), None);
    }

    #[test]
    fn a_pull_body_proposes_the_version_its_message_records() {
        let body = format!("```diff\n-version: 1.2.2\n+version: 1.2.3\n```\n\n{}", message());
        assert_eq!(CommitMessage::newer_in_pull_body(&body, "1.2.2"), Some("1.2.3".into()));
        assert_eq!(CommitMessage::newer_in_pull_body(&body, "1.2.3"), None);
        assert_eq!(CommitMessage::newer_in_pull_body(&body, "1.10.0"), None);
        assert_eq!(CommitMessage::newer_in_pull_body("Bump the chart.", "0.0.1"), None);
    }

    #[test]
    fn the_same_id_with_other_content_is_a_difference() {
        assert_eq!(message().difference(&message()), None);
        let other_version = CommitMessage { version: "1.2.4".into(), ..message() };
        assert_eq!(other_version.difference(&message()).unwrap(), "version 1.2.4 (this update: 1.2.3)");
        let other_file = CommitMessage { edits: vec![("prod/Chart.yaml".into(), ".version = 1".into())], ..message() };
        assert!(other_file.difference(&message()).unwrap().starts_with("files prod/Chart.yaml"));
        let other_source = CommitMessage { source_commit: Some("ffff".into()), ..message() };
        assert!(other_source.difference(&message()).unwrap().starts_with("source commit ffff"));
    }
}
