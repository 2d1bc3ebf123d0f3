//! Version ordering for `monotonic` updates: a change that would lower a semantic version.

use crate::engine::Change;

/// A semantic version, from a value or the tag after its last `:` (`repo/app:v1.2.3`).
fn semver_of(value: &str) -> Option<semver::Version> {
    [value, value.rsplit(':').next().unwrap_or(value)]
        .into_iter()
        .find_map(|v| semver::Version::parse(v.strip_prefix('v').unwrap_or(v)).ok())
}

/// The newer value already in place when one of `changes` would lower a semantic version.
pub(crate) fn downgrade(changes: &[Change]) -> Option<String> {
    changes.iter().find_map(|c| {
        let (old, new) = (c.old.as_deref()?, c.new.as_deref()?);
        (semver_of(new)? < semver_of(old)?).then(|| old.to_string())
    })
}

/// Whether `a` is a newer semantic version than `b` (`false` when either is not one).
pub(crate) fn newer_version(a: &str, b: &str) -> bool {
    matches!((semver_of(a), semver_of(b)), (Some(a), Some(b)) if a > b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(old: &str, new: &str) -> Change {
        Change {
            path: ".version".into(),
            old: Some(old.into()),
            new: Some(new.into()),
            line: 1,
            document: 0,
            leaves: Vec::new(),
        }
    }

    #[test]
    fn downgrades_are_detected_on_semver_values_only() {
        assert_eq!(downgrade(&[change("1.2.4", "1.2.3")]), Some("1.2.4".into()));
        assert_eq!(downgrade(&[change("repo/app:v2.0.0", "repo/app:v1.9.9")]), Some("repo/app:v2.0.0".into()));
        assert_eq!(downgrade(&[change("1.2.3", "1.2.4")]), None);
        assert_eq!(downgrade(&[change("latest", "1.0.0")]), None);
        assert_eq!(downgrade(&[change("1.2.3", "1.2.3-rc.1")]), Some("1.2.3".into()));
    }

    #[test]
    fn newer_versions() {
        assert!(newer_version("1.10.0", "1.9.0"));
        assert!(!newer_version("1.9.0", "1.9.0"));
        assert!(!newer_version("latest", "1.0.0"));
    }
}
