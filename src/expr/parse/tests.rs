use super::*;
use crate::expr::lex::lex;

/// The tree as an s-expression, to compare shapes compactly.
fn sx(node: &Node) -> String {
    let bin = |op: &str, a: &Node, b: &Node| format!("({op} {} {})", sx(a), sx(b));
    match &node.kind {
        Kind::Identity => ".".into(),
        Kind::Recurse => "..".into(),
        Kind::Key(k) => format!(".{k}"),
        Kind::Index { target, index } => format!("(idx {} {})", sx(target), sx(index)),
        Kind::Slice { target, from, to } => format!(
            "(slice {} {} {})",
            sx(target),
            from.as_deref().map_or("_".into(), sx),
            to.as_deref().map_or("_".into(), sx)
        ),
        Kind::Iterate(t) => format!("(iter {})", sx(t)),
        Kind::Optional(t) => format!("(? {})", sx(t)),
        Kind::Literal(v) => format!("{v}"),
        Kind::Str(parts) => {
            let text: String = parts
                .iter()
                .map(|p| match p {
                    StrPart::Text(t) => t.clone(),
                    StrPart::Var { name, .. } => format!("{{{{{name}}}}}"),
                    StrPart::Expr(e) => format!("\\({})", sx(e)),
                })
                .collect();
            format!("{text:?}")
        }
        Kind::Var(name) => format!("{{{{{name}}}}}"),
        Kind::Variable(name) => format!("${name}"),
        Kind::Paren(inner) => format!("(group {})", sx(inner)),
        Kind::Pipe(a, b) => bin("|", a, b),
        Kind::Union(a, b) => bin(",", a, b),
        Kind::Binary(op, a, b) => bin(op.text(), a, b),
        Kind::Assign(op, a, b) => {
            let text = match op {
                AssignOp::Set => "=",
                AssignOp::Update => "|=",
                AssignOp::Add => "+=",
                AssignOp::Sub => "-=",
                AssignOp::Mul(_) => "*=",
            };
            bin(text, a, b)
        }
        Kind::SetAttr { attr, update, target, value } => {
            format!("({attr:?}{} {} {})", if *update { "|=" } else { "=" }, sx(target), sx(value))
        }
        Kind::As { source, name, body } => format!("(as {} ${name} {})", sx(source), sx(body)),
        Kind::Collect(inner) => format!("[{}]", inner.as_deref().map_or(String::new(), sx)),
        Kind::Object(entries) => {
            let entries: Vec<String> = entries.iter().map(|(k, v)| format!("{}: {}", sx(k), sx(v))).collect();
            format!("{{{}}}", entries.join(", "))
        }
        Kind::Env { name, string, .. } => format!("({} {name})", if *string { "strenv" } else { "env" }),
        Kind::Call(func, args) => {
            let name = builtins::BUILTINS.iter().find(|b| b.func == *func).unwrap().names[0];
            if args.is_empty() {
                name.to_string()
            } else {
                format!("({name} {})", args.iter().map(sx).collect::<Vec<_>>().join(" "))
            }
        }
    }
}

fn tree(src: &str) -> Node {
    parse(src, lex(src, 0..src.len()).unwrap(), 0..src.len()).unwrap()
}

fn p(src: &str) -> String {
    sx(&tree(src))
}

fn err(src: &str) -> (String, Span) {
    let e = lex(src, 0..src.len()).and_then(|tokens| parse(src, tokens, 0..src.len())).unwrap_err();
    (e.message, e.span)
}

#[test]
fn paths() {
    assert_eq!(p("."), ".");
    assert_eq!(p(".a.b"), "(| .a .b)");
    assert_eq!(p(".a[0].b"), "(| (idx .a 0) .b)");
    assert_eq!(p(".a[-1]"), "(idx .a -1)");
    assert_eq!(p(".a[]"), "(iter .a)");
    assert_eq!(p(".[]"), "(iter .)");
    assert_eq!(p(".[0][1]"), "(idx (idx . 0) 1)");
    assert_eq!(p(".[\"a b\"]"), "(idx . \"a b\")");
    assert_eq!(p(".\"a.b\""), "(idx . \"a.b\")");
    assert_eq!(p(".a.\"b\""), "(| .a (idx . \"b\"))");
    assert_eq!(p(".a-b"), ".a-b");
    assert_eq!(p(".a - .b"), "(- .a .b)");
    assert_eq!(p(".a.b.c"), "(| (| .a .b) .c)");
    // Index expressions belong to their own segment, as in yq: `.j` is read from `.x[.i]`.
    assert_eq!(p(".x[.i].y[.j]"), "(| (idx .x .i) (idx .y .j))");
    assert_eq!(p(".a.[0]"), "(| .a (idx . 0))");
    assert_eq!(p("(.a | .b).c"), "(| (group (| .a .b)) .c)");
    assert_eq!(p("select(.a)[0]"), "(idx (select .a) 0)");
    assert_eq!(p(".a[1:3]"), "(slice .a 1 3)");
    assert_eq!(p(".[:-1]"), "(slice . _ -1)");
    assert_eq!(p(".a[2:]"), "(slice .a 2 _)");
    assert_eq!(p(".a[0, 2]"), "(idx .a (, 0 2))");
    assert_eq!(p(".a?.b"), "(| (? .a) .b)");
    assert_eq!(p(".. | .a"), "(| .. .a)");
    assert_eq!(p("$x.a"), "(| $x .a)");
}

#[test]
fn chains_flatten_to_their_members() {
    let spine = |src: &str| tree(src).spine().into_iter().map(sx).collect::<Vec<_>>();
    assert_eq!(spine(".a | .b | .c"), [".a", ".b", ".c"]);
    assert_eq!(spine(".a.b | .c"), [".a", ".b", ".c"]);
    assert_eq!(spine(".a, (.b, .c), .d"), [".a", "(group (, .b .c))", ".d"]);
    assert_eq!(spine(".a, .b | .c"), [".a", "(| .b .c)"]);
    assert_eq!(spine(".a"), [".a"]);
}

#[test]
fn spans() {
    let t = tree(".image.tag = \"x\"");
    assert_eq!(t.span, 0..16);
    let Kind::Assign(_, lhs, rhs) = t.kind else { panic!() };
    assert_eq!(lhs.span, 0..10);
    let Kind::Pipe(a, b) = lhs.kind else { panic!() };
    assert_eq!((a.span, b.span), (0..6, 6..10));
    assert_eq!(rhs.span, 13..16);
    assert_eq!(tree("strenv(VERSION) + \"x\"").span, 0..21);
}

#[test]
fn literals_collections_and_strings() {
    assert_eq!(p("\"x\""), "\"x\"");
    assert_eq!(p("1.10"), "1.10");
    assert_eq!(p("TRUE, false, Null, ~"), "(, true (, false (, null null)))");
    assert_eq!(p("{{VERSION}}"), "{{VERSION}}");
    assert_eq!(p("\"v{{VERSION}}\""), "\"v{{VERSION}}\"");
    assert_eq!(p("[]"), "[]");
    assert_eq!(p("[.a, .b]"), "[(, .a .b)]");
    assert_eq!(p("{}"), "{}");
    assert_eq!(
        p("{a: .b, \"c\": 1 | . + 1, (.k): $v, $w}"),
        "{\"a\": .b, \"c\": (| 1 (+ . 1)), (group .k): $v, \"w\": $w}"
    );
    assert!(err("\"a\": 1").0.contains("outside `{…}` is not supported"));
    assert_eq!(p("\"v\\(.a | . + 1)!\""), "\"v\\\\((| .a (+ . 1)))!\"");
}

#[test]
fn precedence_follows_yq() {
    // Assignment binds tighter than pipe.
    assert_eq!(p(".a = \"x\" | .b = \"y\""), "(| (= .a \"x\") (= .b \"y\"))");
    // Pipe binds tighter than `,`.
    assert_eq!(p(".a, .b | .c"), "(, .a (| .b .c))");
    // `==` binds tighter than `and`/`or`, which bind looser than `|`.
    assert_eq!(p(".a == \"x\" and .b == \"y\""), "(and (== .a \"x\") (== .b \"y\"))");
    assert_eq!(p(".a | .b and .c"), "(and (| .a .b) .c)");
    assert_eq!(p(".a or .b and .c"), "(or .a (and .b .c))");
    // `+` binds tighter than assignment; paths tighter than `+`.
    assert_eq!(p(".x = \"a:\" + strenv(V)"), "(= .x (+ \"a:\" (strenv V)))");
    assert_eq!(p(".a + .b.c"), "(+ .a (| .b .c))");
    assert_eq!(p(".a |= sub(\":.*$\"; \":1\")"), "(|= .a (sub \":.*$\" \":1\"))");
    // yq takes `sub(a, b)` as `sub(a; b)`.
    assert_eq!(p(".a |= sub(\":.*$\", \":1\")"), "(|= .a (sub \":.*$\" \":1\"))");
    assert_eq!(p(".a // \"d\""), "(// .a \"d\")");
    // Same level groups to the right, as in yq.
    assert_eq!(p(".a = .b == 1"), "(= .a (== .b 1))");
    assert_eq!(p("1 + 2 + 3"), "(+ 1 (+ 2 3))");
    assert_eq!(p(".a // .b // .c"), "(// .a (// .b .c))");
    assert_eq!(p("(1 - 2) - 3"), "(- (group (- 1 2)) 3)");
    assert_eq!(p(".a | not"), "(| .a not)");
    assert_eq!(p(".a < 2 and .b >= 3"), "(and (< .a 2) (>= .b 3))");
    assert_eq!(p(".a * .b"), "(* .a .b)");
    assert_eq!(p(".a style=\"double\" | .b tag = \"!!str\""), "(| (Style= .a \"double\") (Tag= .b \"!!str\"))");
    assert_eq!(p(".a as $x | .b = $x"), "(as .a $x (= .b $x))");
    assert_eq!(p(".a as $x | .b, .c"), "(, (as .a $x .b) .c)");
}

#[test]
fn real_world_forms() {
    assert_eq!(
        p("(.dependencies[] | select(.name == \"redis\")).version = \"{{VERSION}}\""),
        "(= (| (group (| (iter .dependencies) (select (== .name \"redis\")))) .version) \"{{VERSION}}\")"
    );
    assert_eq!(
        p(".spec.template.spec.containers[0].image = \"repo/app:\" + strenv(VERSION)"),
        "(= (| (| (| (| .spec .template) .spec) (idx .containers 0)) .image) (+ \"repo/app:\" (strenv VERSION)))"
    );
    assert_eq!(p("with(.a; .b = 1 | .c = 2)"), "(with .a (| (= .b 1) (= .c 2)))");
    assert_eq!(p("del(.a[0], .b)"), "(del (, (idx .a 0) .b))");
    assert_eq!(p(".a += 1, .b -= 2"), "(, (+= .a 1) (-= .b 2))");
    assert_eq!(p("has(\"k\") | not"), "(| (has \"k\") not)");
    assert_eq!(p("env(N) | test(\"^v\")"), "(| (env N) (test \"^v\"))");
    assert!(p(".images |= map(select(.name == \"app\").newTag = \"1\")").len() > 10);
}

#[test]
fn ambiguous_groupings_are_rejected() {
    assert_eq!(
        err("5 - 2 - 1"),
        (
            "ambiguous: yq reads `a - b - c` as `a - (b - c)`; add parentheses to say which grouping you mean".into(),
            2..3
        )
    );
    assert_eq!(err(".a - 1 + 2").1, 3..4);
    assert_eq!(err(".a + .b // \"x\"").1, 3..4);
    assert_eq!(err(".a // .b + 1").1, 3..5);
    assert_eq!(
        err(".a and .b or .c").0,
        "ambiguous: yq reads `a and b or c` as `a and (b or c)`; add parentheses to say which grouping you mean"
    );
    assert_eq!(p("(.a and .b) or .c"), "(or (group (and .a .b)) .c)");
    assert_eq!(p(".a - (1 + 2)"), "(- .a (group (+ 1 2)))");
}

#[test]
fn assignment_needs_a_path() {
    assert_eq!(
        err("\"x\" = 1"),
        ("the left side of `=` must be a path (like .a.b or .items[0]), not a string literal".into(), 0..3)
    );
    assert_eq!(
        err(".a + .b |= 1").0,
        "the left side of `|=` must be a path (like .a.b or .items[0]), not the result of `+`"
    );
    assert_eq!(
        err("strenv(X) += 1").0,
        "the left side of `+=` must be a path (like .a.b or .items[0]), not a call to `strenv`"
    );
    assert_eq!(
        err("(.a | \"x\") = 1").0,
        "the left side of `=` must be a path (like .a.b or .items[0]), not a string literal"
    );
    assert_eq!(err("del(1)").0, "the first argument of `del` must be a path (like .a.b or .items[0]), not a number");
    assert_eq!(p("(.a // .b) = 1"), "(= (group (// .a .b)) 1)");
    assert_eq!(p("select(.a) = 1"), "(= (select .a) 1)");
}

#[test]
fn function_errors() {
    assert_eq!(err("foo(1)"), ("unknown function 'foo'".into(), 0..3));
    assert_eq!(err(".a | sort_keys(.b)"), ("`sort_keys` is not supported".into(), 5..14));
    assert_eq!(err("reduce(.a)").0, "`reduce` is not supported");
    assert_eq!(err("select(.a; .b)").0, "`select` takes 1 argument, as in select(condition); got 2");
    assert_eq!(err("select()").0, "`select` takes 1 argument, as in select(condition); got 0");
    assert_eq!(err("with(.a)").0, "`with` takes 2 arguments, as in with(path; update); got 1");
    assert_eq!(err("select").0, "`select` takes 1 argument, as in select(condition); got 0");
    assert_eq!(err("select(.a").0, "unclosed `(` of `select`: the expression ends before its `)`");
    assert_eq!(err("strenv(\"X\")").0, "`strenv` takes a bare name, as in strenv(VERSION)");
    assert_eq!(err("env()").0, "`env` takes a bare name, as in env(VERSION)");
    assert_eq!(err("not(.a)").0, "`not` takes 0 arguments, as in not; got 1");
}

#[test]
fn syntax_errors() {
    assert_eq!(err("(.a"), ("unclosed `(`: the expression ends before its match".into(), 0..1));
    assert_eq!(err(".a[0"), ("unclosed `[`: the expression ends before its match".into(), 2..3));
    assert_eq!(err(".a[0,"), ("unexpected end of the expression: expected a value or a path".into(), 5..5));
    assert_eq!(err("(.a]").0, "expected `)`, found `]`");
    assert_eq!(err(".a |").1, 4..4);
    assert_eq!(
        err(".a .b c").0,
        "unexpected `c`: expected an operator (like `|`, `,` or `=`) or the end of the expression"
    );
    assert_eq!(err(".a as").0, "`as` must be followed by a variable, as in `.a as $x | …`");
    assert_eq!(err(".a as $x").0, "`as $x` must be followed by `|` and what uses it");
    assert_eq!(err("| .a").0, "expected a value or a path, found `|`");
    assert_eq!(err("and").0, "expected a value before `and`");
    assert_eq!(err("").0, "empty expression");
    assert_eq!(err("  # only a comment").0, "empty expression");
    assert_eq!(err("{a}").0, "a map entry needs `key: value`");
}

#[test]
fn nesting_is_limited() {
    let deep = format!("{}.a{}", "(".repeat(200), ")".repeat(200));
    assert!(err(&deep).0.starts_with("expression nests too deeply (limit 100)"));
    let long = ".a".repeat(200);
    assert!(err(&long).0.starts_with("expression nests too deeply"));
    let chain = vec![".a"; 200].join(" | ");
    assert!(err(&chain).0.starts_with("expression nests too deeply"));
    // Operators that build to the left nest without recursion; the tree height catches them.
    let left = format!("{}.a{}", "(".repeat(60), ") + .a == .a".repeat(60));
    assert!(err(&left).0.starts_with("expression nests too deeply (limit 64)"));
    // Long chains of `|` and `,` are flat for evaluation and stay accepted.
    let assignments: Vec<String> = (0..90).map(|i| format!(".k{i} = {i}")).collect();
    for src in [assignments.join(" | "), assignments.join(", ")] {
        assert!(parse(&src, lex(&src, 0..src.len()).unwrap(), 0..src.len()).is_ok());
    }
    let fine = format!("{}.a{}", "(".repeat(20), ")".repeat(20));
    assert_eq!(p(&fine), format!("{}.a{}", "(group ".repeat(20), ")".repeat(20)));
}
