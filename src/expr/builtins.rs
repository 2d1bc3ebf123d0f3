//! The built-in functions: one table of name, arities, usage and what each evaluates to. The
//! parser looks names up here (and in the list of yq functions this engine does not implement,
//! to say so), the evaluator dispatches on [`Func`].

use super::lex::Attr;

/// `envsubst`'s flags, as yq names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct EnvsubstFlags {
    /// `nu`: a name with no value (and no default) is an error.
    pub no_unset: bool,
    /// `ne`: a name whose value is empty is an error.
    pub no_empty: bool,
    /// `ff`: stop at the first such error rather than report them all.
    pub fail_fast: bool,
}

impl EnvsubstFlags {
    /// No flags: unset names read as empty.
    pub const NONE: EnvsubstFlags = EnvsubstFlags { no_unset: false, no_empty: false, fail_fast: false };
}

/// What a built-in does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Func {
    /// `select(cond)`
    Select,
    /// `has(key)`
    Has,
    /// `with(path; update)`
    With,
    /// `del(path)`
    Del,
    /// `sub(regex; replacement)`
    Sub,
    /// `test(regex)`
    Test,
    /// `match(regex)`
    Match,
    /// `capture(regex)`
    Capture,
    /// `split(separator)`
    Split,
    /// `join(separator)`
    Join,
    /// `upcase`, `ascii_upcase`
    Upcase,
    /// `downcase`, `ascii_downcase`
    Downcase,
    /// `trim`
    Trim,
    /// `to_string`
    ToString,
    /// `strenv(NAME)`
    Strenv,
    /// `env(NAME)`
    Env,
    /// `envsubst`, `envsubst(ne, nu, ff)`
    Envsubst(EnvsubstFlags),
    /// `not`
    Not,
    /// `map(f)`
    Map,
    /// `map_values(f)`
    MapValues,
    /// `first`, `first(cond)`
    First,
    /// `length`
    Length,
    /// `keys`
    Keys,
    /// `key`
    Key,
    /// `to_entries`
    ToEntries,
    /// `from_entries`
    FromEntries,
    /// `with_entries(f)`
    WithEntries,
    /// `sort_by(f)`
    SortBy,
    /// `sort`
    Sort,
    /// `unique`
    Unique,
    /// `unique_by(f)`
    UniqueBy,
    /// `reverse`
    Reverse,
    /// `flatten`, `flatten(depth)`
    Flatten,
    /// `any`
    Any,
    /// `any_c(cond)`
    AnyC,
    /// `all`
    All,
    /// `all_c(cond)`
    AllC,
    /// `min`
    Min,
    /// `max`
    Max,
    /// `add`
    Add,
    /// `collect(f)`: `[f]`
    Collect,
    /// `style`, `tag`, `line_comment`, `head_comment`, `foot_comment`: the attribute.
    Attribute(Attr),
}

/// One built-in function.
pub(crate) struct Builtin {
    /// Its names (yq spells some two ways).
    pub names: &'static [&'static str],
    /// How many arguments it takes (each accepted count).
    pub arities: &'static [usize],
    /// How to call it, for error messages.
    pub usage: &'static str,
    /// What it does.
    pub func: Func,
    /// Whether its one argument is a bare name (`strenv(VERSION)`) rather than an expression.
    pub takes_name: bool,
}

const fn builtin(
    names: &'static [&'static str],
    arities: &'static [usize],
    usage: &'static str,
    func: Func,
) -> Builtin {
    Builtin { names, arities, usage, func, takes_name: false }
}

/// Every built-in.
pub(crate) static BUILTINS: &[Builtin] = &[
    builtin(&["select"], &[1], "select(condition)", Func::Select),
    builtin(&["has"], &[1], "has(key)", Func::Has),
    builtin(&["with"], &[2], "with(path; update)", Func::With),
    builtin(&["del"], &[1], "del(path)", Func::Del),
    builtin(&["sub"], &[2], "sub(regex; replacement)", Func::Sub),
    builtin(&["test"], &[1, 2], "test(regex) or test(regex; flags)", Func::Test),
    builtin(&["match"], &[1, 2], "match(regex) or match(regex; \"g\")", Func::Match),
    builtin(&["capture"], &[1, 2], "capture(regex) or capture(regex; \"g\")", Func::Capture),
    builtin(&["split"], &[1], "split(separator)", Func::Split),
    builtin(&["join"], &[1], "join(separator)", Func::Join),
    builtin(&["upcase", "ascii_upcase"], &[0], "upcase", Func::Upcase),
    builtin(&["downcase", "ascii_downcase"], &[0], "downcase", Func::Downcase),
    builtin(&["trim"], &[0], "trim", Func::Trim),
    builtin(&["to_string"], &[0], "to_string", Func::ToString),
    Builtin { names: &["strenv"], arities: &[1], usage: "strenv(NAME)", func: Func::Strenv, takes_name: true },
    Builtin { names: &["env"], arities: &[1], usage: "env(NAME)", func: Func::Env, takes_name: true },
    builtin(&["envsubst"], &[0], "envsubst or envsubst(nu, ne, ff)", Func::Envsubst(EnvsubstFlags::NONE)),
    builtin(&["not"], &[0], "not", Func::Not),
    builtin(&["map"], &[1], "map(f)", Func::Map),
    builtin(&["map_values"], &[1], "map_values(f)", Func::MapValues),
    builtin(&["first"], &[0, 1], "first or first(condition)", Func::First),
    builtin(&["length"], &[0], "length", Func::Length),
    builtin(&["keys"], &[0], "keys", Func::Keys),
    builtin(&["key"], &[0], "key", Func::Key),
    builtin(&["to_entries"], &[0], "to_entries", Func::ToEntries),
    builtin(&["from_entries"], &[0], "from_entries", Func::FromEntries),
    builtin(&["with_entries"], &[1], "with_entries(f)", Func::WithEntries),
    builtin(&["sort_by"], &[1], "sort_by(f)", Func::SortBy),
    builtin(&["sort"], &[0], "sort", Func::Sort),
    builtin(&["unique"], &[0], "unique", Func::Unique),
    builtin(&["unique_by"], &[1], "unique_by(f)", Func::UniqueBy),
    builtin(&["reverse"], &[0], "reverse", Func::Reverse),
    builtin(&["flatten"], &[0, 1], "flatten or flatten(depth)", Func::Flatten),
    builtin(&["any"], &[0], "any", Func::Any),
    builtin(&["any_c"], &[1], "any_c(condition)", Func::AnyC),
    builtin(&["all"], &[0], "all", Func::All),
    builtin(&["all_c"], &[1], "all_c(condition)", Func::AllC),
    builtin(&["min"], &[0], "min", Func::Min),
    builtin(&["max"], &[0], "max", Func::Max),
    builtin(&["add"], &[0], "add", Func::Add),
    builtin(&["collect"], &[1], "collect(f)", Func::Collect),
    builtin(&["style"], &[0], "style, or style = \"double\"", Func::Attribute(Attr::Style)),
    builtin(&["tag"], &[0], "tag, or tag = \"!!str\"", Func::Attribute(Attr::Tag)),
    builtin(&["line_comment", "lineComment"], &[0], "line_comment", Func::Attribute(Attr::LineComment)),
    builtin(&["head_comment", "headComment"], &[0], "head_comment", Func::Attribute(Attr::HeadComment)),
    builtin(&["foot_comment", "footComment"], &[0], "foot_comment", Func::Attribute(Attr::FootComment)),
];

/// The built-in named `name`.
pub(crate) fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.names.contains(&name))
}

/// yq operators and common jq words this engine does not implement, compared lowercase and
/// without `_` (yq accepts both `sort_by` and `sortBy`).
const UNSUPPORTED: &[&str] = &[
    "alias",
    "anchor",
    "arraytomap",
    "catch",
    "column",
    "comments",
    "contains",
    "debug",
    "def",
    "delpaths",
    "di",
    "documentindex",
    "elif",
    "else",
    "empty",
    "end",
    "endswith",
    "error",
    "eval",
    "explode",
    "fi",
    "fileindex",
    "filename",
    "filter",
    "foreach",
    "formatdatetime",
    "fromcsv",
    "fromjson",
    "fromprops",
    "fromtsv",
    "fromunix",
    "fromxml",
    "fromyaml",
    "getpath",
    "groupby",
    "gsub",
    "if",
    "input",
    "inputs",
    "ireduce",
    "iskey",
    "kind",
    "label",
    "limit",
    "line",
    "load",
    "loadbase64",
    "loadprops",
    "loadstr",
    "loadxml",
    "ltrimstr",
    "now",
    "omit",
    "parent",
    "parents",
    "path",
    "paths",
    "pick",
    "pivot",
    "range",
    "recurse",
    "reduce",
    "ref",
    "root",
    "rtrimstr",
    "setpath",
    "shuffle",
    "sortkeys",
    "splitdoc",
    "splits",
    "startswith",
    "strload",
    "system",
    "then",
    "tocsv",
    "tojson",
    "tonumber",
    "toprops",
    "totsv",
    "tounix",
    "toxml",
    "toyaml",
    "try",
    "type",
    "tz",
    "until",
    "while",
    "withdtf",
    "xmlload",
];

/// Whether `word` names a yq function this engine does not implement.
pub(crate) fn is_unsupported(word: &str) -> bool {
    UNSUPPORTED.contains(&word.replace('_', "").to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_found_once_and_none_is_also_unsupported() {
        for builtin in BUILTINS {
            for name in builtin.names {
                assert!(std::ptr::eq(find(name).unwrap(), builtin), "{name}");
                assert!(!is_unsupported(name), "{name} is both implemented and listed unsupported");
            }
            assert!(!builtin.arities.is_empty());
        }
        assert!(is_unsupported("sortKeys") && is_unsupported("to_json"));
    }
}
