//! Secrets never leave: every text the core produces (log lines, outputs, the job summary,
//! status descriptions, commit messages, error messages) passes through [`Secrets::redact`],
//! which replaces each token input's value, and the credentials of any URL, by `***`.

use std::borrow::Cow;

use crate::sorting::sort_by;

/// What must never be shown.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    values: Vec<String>,
}

/// Shorter values are not treated as secrets: masking them would garble every message, and a
/// token that short is no secret anyway.
const MIN_SECRET_LEN: usize = 4;

impl Secrets {
    /// The secrets among `values` (token inputs), each also in its trimmed form.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut secrets = Secrets::default();
        for value in values {
            for line in value.lines().map(str::trim).chain([value.trim()]) {
                secrets.add(line);
            }
        }
        secrets
    }

    fn add(&mut self, value: &str) {
        if value.len() >= MIN_SECRET_LEN && !self.values.iter().any(|v| v == value) {
            self.values.push(value.to_string());
            // Longest first, so a secret that contains another is masked whole.
            sort_by(&mut self.values, |a, b| b.len().cmp(&a.len()));
        }
    }

    /// `text` with every secret, and the `user:password@` part of every URL, replaced by `***`.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), "***"));
            }
        }
        match strip_url_credentials(&out) {
            Some(clean) => Cow::Owned(clean),
            None => out,
        }
    }
}

/// `text` with the credentials of each `scheme://user[:password]@host` replaced by `***`, or
/// `None` when it has none.
fn strip_url_credentials(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail.find(['/', '?', '#', ' ', '\n', '"', '\'', '<', '>']).unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(user_end) if user_end > 0 => {
                out.push_str("***");
                out.push_str(&tail[user_end..authority_end]);
                changed = true;
            }
            _ => out.push_str(&tail[..authority_end]),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Whether a URL carries credentials (`https://user:pass@host`).
pub fn url_has_credentials(url: &str) -> bool {
    strip_url_credentials(url).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_url_credentials_are_masked() {
        let secrets = Secrets::new(["  0123456789abcdef  ", "tok"]);
        assert_eq!(secrets.redact("Authorization: token 0123456789abcdef"), "Authorization: token ***");
        assert_eq!(secrets.redact("tok is short"), "tok is short");
        assert_eq!(secrets.redact("see https://bot:s3cr3t@git.example/o/r.git"), "see https://***@git.example/o/r.git");
        assert_eq!(secrets.redact("mail a@b.c, https://git.example/a@b"), "mail a@b.c, https://git.example/a@b");
        assert!(matches!(secrets.redact("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_secret_containing_another_is_masked_whole() {
        let secrets = Secrets::new(["abcd", "abcdefgh"]);
        assert_eq!(secrets.redact("x abcdefgh y abcd"), "x *** y ***");
    }

    #[test]
    fn multi_line_values_mask_each_line() {
        let secrets = Secrets::new(["line-one\nline-two"]);
        assert_eq!(secrets.redact("got line-two"), "got ***");
    }

    #[test]
    fn credentials_in_urls_are_detected() {
        assert!(url_has_credentials("https://user:pw@git.example"));
        assert!(url_has_credentials("https://token@git.example/api/v1"));
        assert!(!url_has_credentials("https://git.example/api/v1"));
    }
}
