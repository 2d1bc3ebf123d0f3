//! Markdown for job summaries, safe for any text: a summary line, a server message or a file
//! value can neither break a table nor inject links, images or HTML.

/// The characters that start Markdown inside a line: emphasis, code, links and images, HTML and
/// entities, table cells, strikethrough and math.
const SPECIAL: &[char] = &['\\', '`', '*', '_', '[', ']', '<', '>', '|', '!', '&', '~', '$'];

/// `text` as plain text in a table cell: every character that could start Markdown inside a line
/// is backslash-escaped (CommonMark lets any ASCII punctuation be), so `[x](y)`, `![i](u)`,
/// `<b>`, `&amp;`, `*`, `https://…` and `|` show as typed; line breaks become spaces.
pub(crate) fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        let rest = &text[i + c.len_utf8()..];
        match c {
            '\r' | '\n' => out.push(' '),
            // Autolinks: `scheme://` and `www.` become links in GitHub-flavoured Markdown.
            ':' if rest.starts_with("//") => out.push_str("\\:"),
            '.' if text[..i].ends_with("www") && !text[..i - 3].ends_with(|p: char| p.is_alphanumeric()) => {
                out.push_str("\\.")
            }
            c if SPECIAL.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `text` as a code span in a table cell: fenced by more backticks than it holds in a row (so
/// it cannot end the span), `|` escaped (GitHub-flavoured tables split on it even in code),
/// line breaks as spaces. Nothing inside a code span is a link or HTML.
pub(crate) fn code(text: &str) -> String {
    let flat: String = text.chars().map(|c| if c == '\r' || c == '\n' { ' ' } else { c }).collect();
    let flat = flat.replace('|', "\\|");
    let longest_run = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    // A space on each side when the text starts or ends with a backtick (CommonMark strips one).
    let pad = if flat.starts_with('`') || flat.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

/// `text` as a fenced code block (info string `lang`), fenced by more backticks than any run
/// in it, so nothing in it can end the block.
pub(crate) fn fenced(lang: &str, text: &str) -> String {
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run.max(2) + 1);
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{lang}\n{text}{newline}{fence}\n")
}

/// A link whose label is `label` (plain text) and whose target is `url`; just the label when
/// the URL is not http(s). Characters that could end the target are percent-encoded.
pub(crate) fn link(label: &str, url: &str) -> String {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return text(label);
    }
    let mut target = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' | '<' | '>' | '(' | ')' | '|' | '"' | '`' | '[' | ']' | '\\' => {
                target.push_str(&format!("%{:02X}", c as u32))
            }
            c if c.is_control() => {}
            c => target.push(c),
        }
    }
    format!("[{}]({target})", text(label))
}

/// A link whose label is a code span (a short commit id): `` [`abc1234`](url) ``.
pub(crate) fn code_link(label: &str, url: &str) -> String {
    let link = link("x", url);
    match link.strip_prefix("[x]") {
        Some(target) => format!("[{}]{target}", code(label)),
        None => code(label),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_inject() {
        assert_eq!(text("a|b"), "a\\|b");
        assert_eq!(text("![x](https://evil/p.png)"), "\\!\\[x\\](https\\://evil/p.png)");
        assert_eq!(text("<img src=x onerror=y>"), "\\<img src=x onerror=y\\>");
        assert_eq!(text("&lt;"), "\\&lt;");
        assert_eq!(text("line\nbreak"), "line break");
        assert_eq!(text("committed to niko/app-gitops 1.2.3"), "committed to niko/app-gitops 1.2.3");
        assert_eq!(text("run_failed"), "run\\_failed");
        assert_eq!(
            text("failed: see https://x and www.evil.example, not awww.b"),
            "failed: see https\\://x and www\\.evil.example, not awww.b"
        );
    }

    #[test]
    fn code_spans_cannot_be_closed_early() {
        assert_eq!(code("1.2.3"), "`1.2.3`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b\nc"), "`a\\|b c`");
    }

    #[test]
    fn fences_are_longer_than_what_they_hold() {
        assert_eq!(fenced("diff", "+a\n"), "```diff\n+a\n```\n");
        assert_eq!(fenced("diff", "+```x\n-b"), "````diff\n+```x\n-b\n````\n");
    }

    #[test]
    fn links_keep_to_http_and_their_target() {
        assert_eq!(
            link("run", "https://git.example/o/r/actions/runs/3"),
            "[run](https://git.example/o/r/actions/runs/3)"
        );
        assert_eq!(link("run", "javascript:alert(1)"), "run");
        assert_eq!(link("x", "https://h/a) ![i](https://evil"), "[x](https://h/a%29%20!%5Bi%5D%28https://evil)");
        assert_eq!(code_link("abc1234", "https://h/c/abc"), "[`abc1234`](https://h/c/abc)");
        assert_eq!(code_link("abc1234", "ftp://h"), "`abc1234`");
    }
}
