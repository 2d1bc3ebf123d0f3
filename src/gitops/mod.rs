//! The GitOps domain the modes share: the pipeline summary line and its statuses, commit
//! trailers, component names, version ordering, and Markdown for job summaries. Pure data in,
//! data out; no mode imports another, they all import this.

pub(crate) mod markdown;
pub mod policy;
pub mod summary;
pub(crate) mod trailers;
pub(crate) mod version;

/// Whether `text` is a commit id: 7 to 64 hex digits (a short or full SHA-1 or SHA-256).
pub fn is_commit_sha(text: &str) -> bool {
    (7..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The first 7 characters of a commit id, as links and tables show it.
pub(crate) fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// The component a summary line names: the repository's name, plus `-prefix` for a tag prefix
/// (`docker/` gives `agent-platform-docker`).
pub fn component_name(repo: &str, prefix: Option<&str>) -> String {
    let name = repo.rsplit('/').next().unwrap_or(repo);
    match prefix.map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) {
        Some(prefix) => format!("{name}-{}", prefix.replace('/', "-")),
        None => name.to_string(),
    }
}

/// The head branches update mode proposes a component's versions on, `gitops/{component}/…`:
/// dispatch finds the component's pull requests by them.
pub(crate) fn pull_branch_prefix(component: &str) -> String {
    format!("gitops/{component}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_ids() {
        assert!(is_commit_sha("0123abc"));
        assert!(is_commit_sha(&"f".repeat(64)));
        assert!(!is_commit_sha("0123ab"));
        assert!(!is_commit_sha(&"f".repeat(65)));
        assert!(!is_commit_sha("0123abg"));
        assert_eq!(short_sha("0123456789"), "0123456");
        assert_eq!(short_sha("abc"), "abc");
    }

    #[test]
    fn component_names() {
        assert_eq!(component_name("niko/agent-platform-gitops", None), "agent-platform-gitops");
        assert_eq!(component_name("niko/agent-platform", Some("docker/")), "agent-platform-docker");
        assert_eq!(component_name("niko/app", Some("a/b/")), "app-a-b");
        assert_eq!(component_name("niko/app", Some("/")), "app");
    }
}
