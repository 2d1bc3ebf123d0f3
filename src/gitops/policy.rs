//! What the GitOps repository lets consumers change (`mode: update`'s `allow` and
//! `allow_paths`): files by glob, and data paths by yq path pattern. The path policy is checked
//! on what an edit actually changed (the diff of old and new data), never on the expression's
//! text, so no spelling of an expression gets around it.

/// The folders the servers read workflows from: never writable through a consumer's dispatch
/// unless a file pattern names the folder literally.
const WORKFLOW_DIRS: [&str; 3] = [".gitea/", ".github/", ".forgejo/"];

/// File globs (`dev/**/Chart.yaml`, `*/values.yaml`): `*` and `?` match within one path
/// segment, `**` any number of segments. Wildcards never match a segment that starts with `.`
/// (as shells do), so `**/*.yaml` does not reach `.gitea/workflows/`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilePolicy {
    patterns: Vec<String>,
}

impl FilePolicy {
    /// The globs in `text`, one per line or comma-separated; `Err` names a malformed one.
    pub fn parse(text: &str) -> Result<FilePolicy, String> {
        let patterns: Vec<String> =
            text.split(['\n', ',']).map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect();
        for p in &patterns {
            if p.starts_with('/') || p.split('/').any(|s| s == "..") || p.contains('\\') {
                return Err(format!("{p:?} is not a relative path pattern (no leading '/', no '..', no '\\')"));
            }
        }
        Ok(FilePolicy { patterns })
    }

    /// Why `file` may not be changed, or `None` when it may. With no patterns, anything outside
    /// dot-folders may be.
    pub fn refusal(&self, file: &str) -> Option<String> {
        if self.patterns.is_empty() {
            return file.split('/').any(|s| s.starts_with('.')).then(|| {
                format!(
                    "{file} is in a dot-folder (workflow folders .gitea/, .github/, .forgejo/ and others are never \
                     changed without input 'allow' naming them)"
                )
            });
        }
        let in_workflows = WORKFLOW_DIRS.iter().find(|d| file.starts_with(*d));
        let allowed = self.patterns.iter().any(|p| {
            glob_matches(p, file) && in_workflows.is_none_or(|d| p.starts_with(*d) && !p[..d.len()].contains('*'))
        });
        (!allowed).then(|| format!("{file} is not matched by input 'allow' ({})", self.patterns.join(", ")))
    }
}

/// Whether `path` matches `pattern` segment by segment.
fn glob_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    segments_match(&pattern, &path)
}

fn segments_match(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len())
            .any(|skip| path[..skip].iter().all(|s| !s.starts_with('.')) && segments_match(rest, &path[skip..])),
        Some((first, rest)) => path
            .split_first()
            .is_some_and(|(segment, tail)| segment_matches(first, segment) && segments_match(rest, tail)),
    }
}

/// `*` and `?` within one segment; a wildcard never matches a leading `.`.
fn segment_matches(pattern: &str, segment: &str) -> bool {
    if segment.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), segment.chars().collect());
    // Classic two-pointer wildcard match with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < s.len() {
        if i < p.len() && (p[i] == '?' || p[i] == s[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(at) = star {
            i = at + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// One step of a data path pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    /// `.name` or `."a.b"`.
    Key(String),
    /// `.*`: any key.
    AnyKey,
    /// `[3]`.
    Index(usize),
    /// `[]` or `[*]`: any index.
    AnyIndex,
}

/// Data path patterns in yq syntax (`.version`, `.image.tag`, `.images[].newTag`, `.*.tag`):
/// a changed value is allowed when its path matches one exactly; a change to a collection is
/// allowed when every value under it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathPolicy {
    patterns: Vec<(String, Vec<Step>)>,
}

impl PathPolicy {
    /// The patterns in `text`, one per line or comma-separated; `Err` names a malformed one.
    pub fn parse(text: &str) -> Result<PathPolicy, String> {
        let mut patterns = Vec::new();
        for raw in text.lines().flat_map(split_commas).map(str::trim).filter(|p| !p.is_empty()) {
            patterns.push((raw.to_string(), parse_path(raw)?));
        }
        Ok(PathPolicy { patterns })
    }

    /// Whether no patterns were given (every path may change).
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Why a change at `path` (an engine change path such as `.images[0].newTag`) is refused,
    /// or `None` when a pattern allows it.
    pub fn refusal(&self, path: &str) -> Option<String> {
        if self.patterns.is_empty() {
            return None;
        }
        let steps = match parse_path(path) {
            Ok(steps) => steps,
            Err(_) => return Some(format!("{path} cannot be checked against input 'allow_paths'")),
        };
        let allowed = self.patterns.iter().any(|(_, pattern)| {
            pattern.len() == steps.len()
                && pattern.iter().zip(&steps).all(|(p, s)| match (p, s) {
                    (Step::AnyKey, Step::Key(_)) | (Step::AnyIndex, Step::Index(_)) => true,
                    (p, s) => p == s,
                })
        });
        let list: Vec<&str> = self.patterns.iter().map(|(raw, _)| raw.as_str()).collect();
        (!allowed).then(|| format!("{path} is not matched by input 'allow_paths' ({})", list.join(", ")))
    }
}

/// Splits at commas outside double quotes.
fn split_commas(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&line[start..]);
    parts
}

/// Parses `.a.b[0]."c.d"[].*` into steps.
fn parse_path(text: &str) -> Result<Vec<Step>, String> {
    let bad = |why: &str| format!("{text:?} is not a path pattern ({why}); write e.g. .image.tag or .images[].newTag");
    if !text.starts_with('.') && !text.starts_with('[') {
        return Err(bad("it must start with '.'"));
    }
    let chars: Vec<char> = text.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    if text == "." {
        return Ok(steps);
    }
    while i < chars.len() {
        match chars[i] {
            '.' if chars.get(i + 1) == Some(&'"') => {
                let (key, next) = quoted(&chars, i + 1).ok_or_else(|| bad("an unclosed quote"))?;
                steps.push(Step::Key(key));
                i = next;
            }
            '.' if chars.get(i + 1) == Some(&'*') => {
                steps.push(Step::AnyKey);
                i += 2;
            }
            '.' if chars.get(i + 1) == Some(&'[') => i += 1,
            '.' => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && !matches!(chars[end], '.' | '[') {
                    end += 1;
                }
                if end == start {
                    return Err(bad("an empty key"));
                }
                steps.push(Step::Key(chars[start..end].iter().collect()));
                i = end;
            }
            '[' => {
                let close =
                    chars[i..].iter().position(|c| *c == ']').map(|p| i + p).ok_or_else(|| bad("an unclosed '['"))?;
                let inner: String = chars[i + 1..close].iter().collect();
                let inner = inner.trim();
                if inner.is_empty() || inner == "*" {
                    steps.push(Step::AnyIndex);
                } else if let Ok(n) = inner.parse::<usize>() {
                    steps.push(Step::Index(n));
                } else if inner.starts_with('"') {
                    let inner_chars: Vec<char> = inner.chars().collect();
                    let (key, end) = quoted(&inner_chars, 0).ok_or_else(|| bad("an unclosed quote"))?;
                    if end != inner_chars.len() {
                        return Err(bad("text after a quoted key"));
                    }
                    steps.push(Step::Key(key));
                } else {
                    return Err(bad("an index must be a number, '*' or empty"));
                }
                i = close + 1;
            }
            _ => return Err(bad("unexpected text")),
        }
    }
    Ok(steps)
}

/// A double-quoted key starting at `chars[at]`: its text and the index after the quote.
fn quoted(chars: &[char], at: usize) -> Option<(String, usize)> {
    let mut key = String::new();
    let mut i = at + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let c = *chars.get(i + 1)?;
                key.push(match c {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
                i += 2;
            }
            '"' => return Some((key, i + 1)),
            c => {
                key.push(c);
                i += 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_allow_dot_folders_are_refused() {
        let none = FilePolicy::default();
        assert_eq!(none.refusal("dev/Chart.yaml"), None);
        assert!(none.refusal(".gitea/workflows/gitops-service.yaml").is_some());
        assert!(none.refusal("apps/.secret/values.yaml").is_some());
    }

    #[test]
    fn globs_match_by_segment_and_never_reach_dot_folders() {
        let policy = FilePolicy::parse("dev/**/Chart.yaml\n*/values.yaml, **/*.json").unwrap();
        assert_eq!(policy.refusal("dev/Chart.yaml"), None);
        assert_eq!(policy.refusal("dev/a/b/Chart.yaml"), None);
        assert_eq!(policy.refusal("prod/values.yaml"), None);
        assert_eq!(policy.refusal("x/y/z.json"), None);
        assert!(policy.refusal("prod/Chart.yaml").unwrap().contains("not matched by input 'allow'"));
        assert!(policy.refusal("a/b/values.yaml").is_some());
        assert!(policy.refusal(".gitea/x.json").is_some());
        assert!(policy.refusal("dev/.hidden/Chart.yaml").is_some());
        let all = FilePolicy::parse("**").unwrap();
        assert!(all.refusal(".gitea/workflows/gitops-service.yaml").is_some());
        assert!(all.refusal(".github/workflows/a.yml").is_some());
        let wild = FilePolicy::parse(".*/**").unwrap();
        assert!(wild.refusal(".gitea/workflows/a.yml").is_some(), "workflow folders need their literal name");
        let named = FilePolicy::parse(".gitea/workflows/versions.yaml").unwrap();
        assert_eq!(named.refusal(".gitea/workflows/versions.yaml"), None);
        assert!(FilePolicy::parse("../x").is_err());
    }

    #[test]
    fn wildcards_within_segments() {
        assert!(segment_matches("*.yaml", "values.yaml"));
        assert!(segment_matches("v?lues.yaml", "values.yaml"));
        assert!(segment_matches("a*b*c", "aXXbYYc"));
        assert!(!segment_matches("a*b", "aXXc"));
        assert!(!segment_matches("*", ".git"));
    }

    #[test]
    fn data_paths_match_exactly_with_wildcards() {
        let policy =
            PathPolicy::parse(".version, .image.tag\n.images[].newTag\n.\"app.kubernetes.io/version\"\n.*.tag")
                .unwrap();
        for ok in [
            ".version",
            ".image.tag",
            ".images[0].newTag",
            ".images[12].newTag",
            ".\"app.kubernetes.io/version\"",
            ".web.tag",
        ] {
            assert_eq!(policy.refusal(ok), None, "{ok}");
        }
        for refused in [".appVersion", ".image", ".image.tag.x", ".images[0].name", ".env", "."] {
            assert!(policy.refusal(refused).is_some(), "{refused}");
        }
        assert_eq!(PathPolicy::default().refusal(".anything"), None);
        assert!(PathPolicy::parse("version").is_err());
        assert!(PathPolicy::parse(".a[x]").is_err());
        assert_eq!(PathPolicy::parse(".a[\"b\"]").unwrap(), PathPolicy::parse(".a.b").unwrap().with_raw(".a[\"b\"]"));
    }

    impl PathPolicy {
        fn with_raw(mut self, raw: &str) -> Self {
            self.patterns[0].0 = raw.to_string();
            self
        }
    }
}
