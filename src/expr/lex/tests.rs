use super::*;

fn toks(src: &str) -> Vec<(Tok, Span)> {
    lex(src, 0..src.len()).unwrap().into_iter().map(|t| (t.tok, t.span)).collect()
}

fn kinds(src: &str) -> Vec<Tok> {
    lex(src, 0..src.len()).unwrap().into_iter().map(|t| t.tok).collect()
}

fn err(src: &str) -> (String, Span) {
    let e = lex(src, 0..src.len()).unwrap_err();
    (e.message, e.span)
}

fn text(s: &str) -> Part {
    Part::Text(s.into())
}

#[test]
fn paths_and_spans() {
    assert_eq!(
        toks(".a.b[0] | .[]"),
        vec![
            (Tok::Key("a".into()), 0..2),
            (Tok::Key("b".into()), 2..4),
            (Tok::LBracket, 4..5),
            (Tok::Num("0".into()), 5..6),
            (Tok::RBracket, 6..7),
            (Tok::Pipe, 8..9),
            (Tok::DotBracket, 10..12),
            (Tok::RBracket, 12..13),
        ]
    );
    assert_eq!(toks("."), vec![(Tok::Dot, 0..1)]);
    assert_eq!(toks(".."), vec![(Tok::DotDot, 0..2)]);
    assert_eq!(toks(".\"a.b\""), vec![(Tok::DotStr(vec![text("a.b")]), 0..6)]);
    assert_eq!(kinds(".a.\"b\""), vec![Tok::Key("a".into()), Tok::DotStr(vec![text("b")])]);
    assert_eq!(kinds(".a?.b"), vec![Tok::Key("a".into()), Tok::Question, Tok::Key("b".into())]);
    assert_eq!(kinds(".a[]?"), vec![Tok::Key("a".into()), Tok::LBracket, Tok::RBracket, Tok::Question]);
}

#[test]
fn keys_take_dashes_but_spaced_minus_subtracts() {
    assert_eq!(kinds(".a-b"), vec![Tok::Key("a-b".into())]);
    assert_eq!(kinds(".a - .b"), vec![Tok::Key("a".into()), Tok::Minus, Tok::Key("b".into())]);
    assert_eq!(kinds(".a -1"), vec![Tok::Key("a".into()), Tok::Minus, Tok::Num("1".into())]);
    assert_eq!(kinds(".x = -1"), vec![Tok::Key("x".into()), Tok::Assign, Tok::Num("-1".into())]);
    assert_eq!(kinds("(-1)"), vec![Tok::LParen, Tok::Num("-1".into()), Tok::RParen]);
    assert_eq!(kinds(".a==1"), vec![Tok::Key("a".into()), Tok::Eq, Tok::Num("1".into())]);
    assert_eq!(kinds(".a!=1"), vec![Tok::Key("a".into()), Tok::Ne, Tok::Num("1".into())]);
    assert_eq!(kinds(".app*"), vec![Tok::Key("app*".into())]);
    assert_eq!(kinds(".café"), vec![Tok::Key("café".into())]);
}

#[test]
fn operators() {
    assert_eq!(
        kinds("| |= = == != + += - -= // , ; ~ < <= > >= : { } $x"),
        vec![
            Tok::Pipe,
            Tok::UpdateAssign,
            Tok::Assign,
            Tok::Eq,
            Tok::Ne,
            Tok::Plus,
            Tok::AddAssign,
            Tok::Minus,
            Tok::SubAssign,
            Tok::Alt,
            Tok::Comma,
            Tok::Semi,
            Tok::Tilde,
            Tok::Lt,
            Tok::Le,
            Tok::Gt,
            Tok::Ge,
            Tok::Colon,
            Tok::LBrace,
            Tok::RBrace,
            Tok::Variable("x".into()),
        ]
    );
    let flags =
        |append, deep_arrays, only_existing, only_new| MergeFlags { append, deep_arrays, only_existing, only_new };
    assert_eq!(
        kinds(". * .a *+ .b *?d .c *= .d *=n .e"),
        vec![
            Tok::Dot,
            Tok::Star(MergeFlags::default()),
            Tok::Key("a".into()),
            Tok::Star(flags(true, false, false, false)),
            Tok::Key("b".into()),
            Tok::Star(flags(false, true, true, false)),
            Tok::Key("c".into()),
            Tok::MulAssign(MergeFlags::default()),
            Tok::Key("d".into()),
            Tok::MulAssign(flags(false, false, false, true)),
            Tok::Key("e".into()),
        ]
    );
    assert_eq!(
        kinds("select(.a) and not"),
        vec![
            Tok::Ident("select".into()),
            Tok::LParen,
            Tok::Key("a".into()),
            Tok::RParen,
            Tok::Ident("and".into()),
            Tok::Ident("not".into()),
        ]
    );
}

#[test]
fn attribute_assignments() {
    assert_eq!(
        kinds(".a style=\"double\""),
        vec![
            Tok::Key("a".into()),
            Tok::AttrAssign { attr: Attr::Style, update: false },
            Tok::Str(vec![text("double")])
        ]
    );
    assert_eq!(
        kinds(". line_comment |= ."),
        vec![Tok::Dot, Tok::AttrAssign { attr: Attr::LineComment, update: true }, Tok::Dot]
    );
    assert_eq!(kinds("tag == \"x\""), vec![Tok::Ident("tag".into()), Tok::Eq, Tok::Str(vec![text("x")])]);
    assert_eq!(kinds("headComment"), vec![Tok::Ident("headComment".into())]);
}

#[test]
fn numbers_keep_their_text() {
    for n in ["0", "12", "1.10", "0x1F", "0X12", "0o17", "1e3", "2.5E-3", "-7", "-0.5"] {
        assert_eq!(kinds(n), vec![Tok::Num(n.into())], "{n}");
    }
    assert_eq!(err(".v = 1.2.3").0, "malformed number `1.2.3` (to write a string, quote it: \"1.2.3\")");
    assert_eq!(err("1abc").1, 0..4);
    assert_eq!(err("0x").1, 0..2);
    assert_eq!(err("-0x1F").1, 0..5);
}

#[test]
fn strings_escapes_and_interpolation() {
    assert_eq!(kinds(r#""a\"b\\c\nd\te""#), vec![Tok::Str(vec![text("a\"b\\c\nd\te")])]);
    // Unknown escapes keep their backslash, as in yq, so regexes read naturally.
    assert_eq!(kinds(r#""\d+\.""#), vec![Tok::Str(vec![text(r"\d+\.")])]);
    assert_eq!(kinds(r#""""#), vec![Tok::Str(vec![text("")])]);
    assert_eq!(toks("\"é\" +"), vec![(Tok::Str(vec![text("é")]), 0..4), (Tok::Plus, 5..6)]);
    assert_eq!(kinds(r#""v\(.a + ")")!""#), vec![Tok::Str(vec![text("v"), Part::Interpolation(4..12), text("!")])]);
    assert_eq!(err(r#""\(.a""#).0, "unclosed `\\(` in a string");
}

#[test]
fn templates_inside_strings_are_parts() {
    assert_eq!(
        toks(r#""repo/app:{{VERSION}}-x""#),
        vec![(
            Tok::Str(vec![text("repo/app:"), Part::Var { name: "VERSION".into(), span: 10..21 }, text("-x"),]),
            0..24
        )]
    );
    assert_eq!(
        kinds(r#""{{ A }}{{B_2}}""#),
        vec![Tok::Str(
            vec![Part::Var { name: "A".into(), span: 1..8 }, Part::Var { name: "B_2".into(), span: 8..15 },]
        )]
    );
    // `{{` not followed by a name is ordinary text (Helm templates as values).
    assert_eq!(kinds(r#""{{ .Values.x }}""#), vec![Tok::Str(vec![text("{{ .Values.x }}")])]);
    assert_eq!(
        err(r#""{{VERSION}""#).0,
        "malformed template: expected {{NAME}} with NAME made of letters, digits and `_`"
    );
}

#[test]
fn templates_outside_strings_are_tokens() {
    assert_eq!(
        toks(".version = {{VERSION}}"),
        vec![(Tok::Key("version".into()), 0..8), (Tok::Assign, 9..10), (Tok::Var("VERSION".into()), 11..22),]
    );
    assert_eq!(err("{{ 1 }}").1, 0..3);
}

#[test]
fn comments_are_skipped() {
    assert_eq!(kinds(".a # the a key\n| .b"), vec![Tok::Key("a".into()), Tok::Pipe, Tok::Key("b".into())]);
}

#[test]
fn errors_name_what_and_where() {
    assert_eq!(err("\"abc"), ("unterminated string literal".into(), 0..4));
    assert_eq!(err("\"abc\\"), ("unterminated string literal".into(), 0..5));
    assert_eq!(err(".a | ..."), ("`...` (recursive descent including keys) is not supported".into(), 5..8));
    assert_eq!(err(".a / 2"), ("`/` (divide) is not supported".into(), 3..4));
    assert_eq!(err("'x'").0, "single-quoted strings are not supported; use double quotes");
    assert_eq!(err(".a =c .b").0, "`=c` (assigning without comments) is not supported");
    assert_eq!(
        err(".a+1").0,
        "ambiguous `.a+1`: yq reads it as the key \"a+1\"; put spaces around `+` if it is an \
         operator, or write .[\"a+1\"] if it is part of the key"
    );
    assert_eq!(
        err(".a-=1").0,
        "ambiguous `.a-=`: yq reads it as the key \"a-\" followed by `=`; write `.a -= …` to subtract"
    );
    assert_eq!(err("! .a").0, "`!` is not supported; negate with `| not`");
    assert_eq!(
        err(".a[\"x\"]|.b\"c"),
        (
            "ambiguous `.b\"c`: yq reads it as the key \"b\\\"c\"; put spaces around `\"` if it \
             is an operator, or write .[\"b\\\"c\"] if it is part of the key"
                .into(),
            8..12
        )
    );
}
