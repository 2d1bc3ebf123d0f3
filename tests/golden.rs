//! Golden tests: an input file, an expression and the exact bytes expected back.
//!
//! Each case is one formatting situation the engine must keep byte-exact (comments, quoting
//! styles, anchors, tags, CRLF, BOM, tabs, multi-document streams, flow style, insertions,
//! deletions, block scalars, JSON).

use gitops_action::engine::{edit, is_json, EditError};
use gitops_action::expr::{parse, Vars};

fn vars() -> Vars {
    [("VERSION", "1.2.4"), ("SOURCE_REPO", "niko/app")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn run(file: &str, input: &str, expression: &str) -> Result<String, EditError> {
    let expr = parse(expression).unwrap_or_else(|e| panic!("{}", e.render(expression)));
    let edited = edit(input.as_bytes(), &expr, &vars(), is_json(file))?;
    Ok(String::from_utf8(edited.bytes).unwrap())
}

fn check(file: &str, input: &str, expression: &str, expected: &str) {
    match run(file, input, expression) {
        Ok(out) => assert_eq!(out, expected, "\nexpression: {expression}\ninput:\n{input}"),
        Err(e) => panic!("{expression}: {e}\ninput:\n{input}"),
    }
}

#[test]
fn replaces_plain_scalar_keeping_comment_and_spacing() {
    check(
        "Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 1.2.3   # bumped by CI\nappVersion: \"1.2.3\"\n",
        ".version = \"{{VERSION}}\"",
        "apiVersion: v2\nname: app\nversion: 1.2.4   # bumped by CI\nappVersion: \"1.2.3\"\n",
    );
}

#[test]
fn plain_scalar_that_would_change_type_is_double_quoted() {
    for (value, written) in [
        ("1.10", "\"1.10\""),
        ("1e3", "\"1e3\""),
        ("007", "\"007\""),
        ("0755", "\"0755\""),
        ("on", "\"on\""),
        ("yes", "\"yes\""),
        ("~", "\"~\""),
        ("null", "\"null\""),
        ("true", "\"true\""),
        ("12:30", "\"12:30\""),
        ("", "\"\""),
        (" x", "\" x\""),
        ("a #b", "\"a #b\""),
        ("a: b", "\"a: b\""),
        ("1.2.3", "1.2.3"),
    ] {
        let expression = format!(".version = \"{value}\"");
        check("Chart.yaml", "version: 1.2.3\n", &expression, &format!("version: {written}\n"));
    }
}

#[test]
fn quoted_styles_are_kept() {
    check("v.yaml", "tag: '1.0'\n", ".tag = \"it's\"", "tag: 'it''s'\n");
    check("v.yaml", "tag: \"1.0\"\n", ".tag = \"{{VERSION}}\"", "tag: \"1.2.4\"\n");
    check("v.yaml", "tag: \"1.0\"\n", ".tag = \"a\\\"b\"", "tag: \"a\\\"b\"\n");
    check("v.yaml", "tag: 'x'\n", ".tag = \"a\\nb\"", "tag: \"a\\nb\"\n");
}

#[test]
fn new_non_string_is_plain() {
    check(
        "v.yaml",
        "replicas: \"1\"\nenabled: no\n",
        ".replicas = 3 | .enabled = true",
        "replicas: 3\nenabled: true\n",
    );
}

#[test]
fn anchors_and_tags_stay() {
    check(
        "v.yaml",
        "ref: &ref x\nbase: &img !!str 1.0.0\nother: *ref\n",
        ".base = \"{{VERSION}}\"",
        "ref: &ref x\nbase: &img !!str 1.2.4\nother: *ref\n",
    );
}

#[test]
fn anchors_that_aliases_repeat_are_not_edited_silently() {
    let err = run("v.yaml", "base: &img 1.0.0\nother: *img\n", ".base = \"{{VERSION}}\"").unwrap_err();
    assert!(err.to_string().contains(".base is an anchor"), "{err}");
}

#[test]
fn crlf_bom_and_tabs_are_preserved() {
    check(
        "v.yaml",
        "\u{feff}image:\r\n  repository: app\r\n  tag:\t1.0   # t\r\n",
        ".image.tag = \"{{VERSION}}\" | .image.pullPolicy = \"Always\"",
        "\u{feff}image:\r\n  repository: app\r\n  tag:\t1.2.4   # t\r\n  pullPolicy: Always\r\n",
    );
}

#[test]
fn lone_carriage_return_line_breaks_are_refused_for_edits() {
    // YAML reads a lone `\r` as a line break; the splicer's lines end with `\n`.
    let err = run("v.yaml", "a: 1\rb: 2\r", ".a = 3").unwrap_err();
    assert!(err.to_string().contains("carriage return alone"), "{err}");
    assert_eq!(run("v.yaml", "a: 1\rb: 2\r", ".a = 1").unwrap(), "a: 1\rb: 2\r");
    // Found by fuzzing: a key after a lone `\r` was taken for the first key of a `- ` item.
    let err = run("v.yaml", "ageVers)on: v\"lmRelease\nm   - name: &app\rnamme: 3 ", ".a| .version = \"{{VERSION}}\"")
        .unwrap_err();
    assert!(err.to_string().contains("carriage return alone"), "{err}");
    // The last entry of a mapping, not at the start of its line, is refused, not a panic.
    let err = run("v.yaml", "x: 1\n? a\n: 2\n", "del(.a)").unwrap_err();
    assert!(err.to_string().contains("does not start its line"), "{err}");
}

#[test]
fn multi_document_streams_edit_only_matching_documents() {
    let input = "---\n# first\nkind: Service\nmetadata:\n  name: app\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: repo/app:1.0\n...\n";
    let expected = input.replace("repo/app:1.0", "repo/app:1.2.4");
    check(
        "all.yaml",
        input,
        "select(.kind == \"Deployment\") | .spec.template.spec.containers[0].image = \"repo/app:\" + strenv(VERSION)",
        &expected,
    );
}

#[test]
fn flow_mappings_are_edited_in_flow_style() {
    check(
        "v.yaml",
        "image: {repository: app, tag: 1.0}\n",
        ".image.tag = \"{{VERSION}}\" | .image.pullPolicy = \"Always\"",
        "image: {repository: app, tag: 1.2.4, pullPolicy: Always}\n",
    );
    check("v.yaml", "image: {}\n", ".image.tag = \"1.10\"", "image: {tag: \"1.10\"}\n");
    check("v.yaml", "list: [a, b]\n", ".list[2] = \"c\"", "list: [a, b, c]\n");
}

#[test]
fn inserted_keys_follow_the_last_entry_before_trailing_comments() {
    check(
        "values.yaml",
        "image:\n  repository: app\n  tag: 1.0\n\n  # trailing notes\n\nservice:\n  port: 80\n",
        ".image.digest = \"sha256:abc\"",
        "image:\n  repository: app\n  tag: 1.0\n  digest: sha256:abc\n\n  # trailing notes\n\nservice:\n  port: 80\n",
    );
}

#[test]
fn new_nested_mappings_use_the_files_indent() {
    check("values.yaml", "a:\n    b: 1\n", ".x.w.z = \"{{VERSION}}\"", "a:\n    b: 1\nx:\n    w:\n        z: 1.2.4\n");
    check("values.yaml", "", ".image.tag = \"{{VERSION}}\"", "image:\n  tag: 1.2.4\n");
}

#[test]
fn edits_inside_sequence_items() {
    let input = "dependencies:\n  - name: common\n    version: 2.x.x\n  - name: redis\n    version: 19.0.0 # pinned\n    repository: oci://registry\n";
    check(
        "Chart.yaml",
        input,
        "(.dependencies[] | select(.name == \"redis\")).version = \"{{VERSION}}\"",
        &input.replace("19.0.0", "1.2.4"),
    );
    check(
        "Chart.yaml",
        input,
        "(.dependencies[] | select(.name == \"redis\")).alias = \"cache\"",
        &format!("{input}    alias: cache\n"),
    );
    check(
        "kustomization.yaml",
        "images:\n- name: app\n  newTag: 1.0\n- name: db\n  newTag: 2.0\n",
        "(.images[] | select(.name == \"app\")).newTag = \"{{VERSION}}\"",
        "images:\n- name: app\n  newTag: 1.2.4\n- name: db\n  newTag: 2.0\n",
    );
}

#[test]
fn deletions_remove_whole_entries() {
    check("v.yaml", "a: 1 # one\nb: 2\nc: 3\n", "del(.b)", "a: 1 # one\nc: 3\n");
    check("v.yaml", "a:\n  b: 1\nc: 3\n", "del(.a.b)", "a: {}\nc: 3\n");
    check("v.yaml", "l:\n  - x\n  - y\n  - z\n", "del(.l[1])", "l:\n  - x\n  - z\n");
    check("v.yaml", "l: [x, y, z]\n", "del(.l[0])", "l: [y, z]\n");
    check("v.yaml", "m: {a: 1, b: 2}\n", "del(.m.b)", "m: {a: 1}\n");
    check("v.yaml", "- name: x\n  v: 1\n", "del(.[0].name)", "- v: 1\n");
}

#[test]
fn block_sequences_get_appended_items() {
    check("v.yaml", "l:\n  - x\nk: 1\n", ".l[1] = \"z\"", "l:\n  - x\n  - z\nk: 1\n");
    check("v.yaml", "l:\n- x\n", ".l[1] = \"1.10\"", "l:\n- x\n- \"1.10\"\n");
    check("v.yaml", "l:\n  - name: a\n", ".l[1].name = \"b\"", "l:\n  - name: a\n  - name: b\n");
}

#[test]
fn block_scalars_keep_their_header() {
    check(
        "v.yaml",
        "notes: |\n  old\n  text\nnext: 1\n",
        ".notes = \"new\\nlines\\n\"",
        "notes: |\n  new\n  lines\nnext: 1\n",
    );
    check("v.yaml", "notes: |-\n  old\n\nnext: 1\n", ".notes = \"new\"", "notes: |-\n  new\n\nnext: 1\n");
    check("v.yaml", "notes: >\n  old\nnext: 1\n", ".notes = \"new\"", "notes: >-\n  new\nnext: 1\n");
}

#[test]
fn update_and_substitution_forms() {
    check(
        "v.yaml",
        "image: repo/app:1.0 # img\n",
        ".image |= sub(\":.*$\", \":{{VERSION}}\")",
        "image: repo/app:1.2.4 # img\n",
    );
    check("v.yaml", "a: x\nb: y\n", ".a = \"1\" | .b = \"2\"", "a: \"1\"\nb: \"2\"\n");
    check("v.yaml", "tag:\nnext: 1\n", ".tag = \"{{VERSION}}\"", "tag: 1.2.4\nnext: 1\n");
}

#[test]
fn json_files_use_json_quoting_and_commas() {
    check(
        "package.json",
        "{\n  \"name\": \"app\",\n  \"version\": \"1.2.3\"\n}\n",
        ".version = \"{{VERSION}}\" | .private = true",
        "{\n  \"name\": \"app\",\n  \"version\": \"1.2.4\",\n  \"private\": true\n}\n",
    );
    check("a.json", "{\"a\": {\"b\": 1}}", ".a.c = \"x\"", "{\"a\": {\"b\": 1, \"c\": \"x\"}}");
}

#[test]
fn no_op_and_empty_results_leave_bytes_alone() {
    let input = "# c\na:   1\n---\nb: 2\n";
    check("v.yaml", input, ".", input);
    check("v.yaml", input, "select(.a == 1) | .a = 1", input);
    check("v.yaml", input, "select(false)", input);
}

#[test]
fn paths_through_scalars_are_errors_and_write_nothing() {
    let err = run("values.yaml", "image: nginx\n", ".image.tag = \"1\"").unwrap_err();
    assert!(err.to_string().contains("tag"), "{err}");
}

#[test]
fn several_results_are_an_error() {
    let err = run("v.yaml", "a: 1\nb: 2\n", ".a, .b").unwrap_err();
    assert!(matches!(err, EditError::ManyResults { count: 2, .. }), "{err}");
}

#[test]
fn binary_and_invalid_files_are_refused() {
    let expr = parse(".").unwrap();
    assert_eq!(edit(b"a: \0", &expr, &vars(), false).unwrap_err(), EditError::Binary);
    assert_eq!(edit(&[0xff, 0xfe], &expr, &vars(), false).unwrap_err(), EditError::Binary);
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    assert!(matches!(edit(&big, &expr, &vars(), false).unwrap_err(), EditError::TooLarge { .. }));
    let err = edit(b"a: 1\n  b: 2\n", &expr, &vars(), false).unwrap_err();
    assert!(err.to_string().contains("line 2, column 4"), "{err}");
}

#[test]
fn changes_report_path_values_and_line() {
    let expr = parse(".image.tag = \"{{VERSION}}\"").unwrap();
    let edited = edit(b"# x\nimage:\n  tag: 1.0\n", &expr, &vars(), false).unwrap();
    assert_eq!(edited.changes.len(), 1);
    let change = &edited.changes[0];
    assert_eq!(
        (change.path.as_str(), change.old.as_deref(), change.new.as_deref(), change.line),
        (".image.tag", Some("1.0"), Some("1.2.4"), 3)
    );
}

#[test]
fn new_key_after_a_byte_order_mark() {
    check("v.yaml", "\u{feff}a: 1\n", ".b = 2", "\u{feff}a: 1\nb: 2\n");
    check("v.yaml", "\u{feff}- a\n", ".[1] = \"b\"", "\u{feff}- a\n- b\n");
}

#[test]
fn collections_replaced_or_emptied_whole() {
    // Every key deleted and new ones added: the mapping is rewritten.
    check("v.yaml", "a: 1\n", "del(.a) | .b = 1", "b: 1\n");
    // A block mapping whose last value is empty, replaced by a scalar.
    check("v.yaml", "- a: \n- b: 2\n", ".[0] = true", "- true \n- b: 2\n");
    // Every item or key deleted: an empty flow collection in its place, comments kept.
    check("v.yaml", "a: # list\n  - x\n  - y\nb: 1\n", "del(.a[])", "a: [] # list\nb: 1\n");
    check("v.yaml", "testMap:\n  x: 1\n  y: 2\n", "del(.testMap[])", "testMap: {}\n");
    check("v.yaml", "a: [1, 2, 3]\n", "del(.a[])", "a: []\n");
    // Neighbouring items of a flow sequence go with one comma each.
    check("v.yaml", "a: [1, 2, 3, 4]\n", "del(.a[1], .a[2])", "a: [1, 4]\n");
    check("v.yaml", "a: [1, 2, 3, 4]\n", ".a |= .[:2]", "a: [1, 2]\n");
}

#[test]
fn null_arithmetic_and_alternatives() {
    // yq: adding a missing value leaves the value as it is.
    check("v.yaml", "a: 1\n", ".a += .b.c", "a: 1\n");
    check("v.yaml", "b: 1\n", "(.a // (.a = 0)) += 1", "b: 1\na: 1\n");
    check("v.yaml", "a: 2021-01-01T00:00:00Z\n", ".a += \"3h10m\"", "a: 2021-01-01T03:10:00Z\n");
    check("v.yaml", "a: !horse 1.2\nb: !goat 2.3\n", ".a += .b", "a: !horse 3.5\nb: !goat 2.3\n");
}

#[test]
fn styles_tags_and_comments_are_written_in_place() {
    check(
        "Chart.yaml",
        "version: 1.0.0 # keep\nname: app\n",
        ".version style=\"double\"",
        "version: \"1.0.0\" # keep\nname: app\n",
    );
    check("v.yaml", "a: 1.0\n", ".a style=\"single\"", "a: '1.0'\n");
    check("v.yaml", "a: {b: 1, c: [x]}\n", ".a style=\"\"", "a:\n  b: 1\n  c: [x]\n");
    check("v.yaml", "a:\n  b: 1\n", ".a style=\"flow\"", "a: {b: 1}\n");
    check("v.yaml", "s: one line\n", ".s = \"two\\nlines\" | .s style=\"literal\"", "s: |-\n  two\n  lines\n");
    check("v.yaml", "a: x\n", ".a tag = \"!custom\"", "a: !custom x\n");
    check("v.yaml", "a: 5\n", ".a tag = \"!!str\"", "a: \"5\"\n");
    check(
        "values.yaml",
        "image: ghcr.io/app:1.0.0 # {\"$imagepolicy\": \"flux-system:app\"}\n",
        ".image = \"ghcr.io/app:{{VERSION}}\"",
        "image: ghcr.io/app:1.2.4 # {\"$imagepolicy\": \"flux-system:app\"}\n",
    );
    check(
        "v.yaml",
        "a: 1\nb: 2 # old\n",
        ".a line_comment = \"set by CI\" | .b line_comment = \"\"",
        "a: 1 # set by CI\nb: 2\n",
    );
    check("v.yaml", "a: 1\nb: 2\n", ".b head_comment = \"about b\"", "a: 1\n# about b\nb: 2\n");
    check("v.yaml", "a: 1\n# old\nb: 2\n", ".b head_comment = \"new\\nlines\"", "a: 1\n# new\n# lines\nb: 2\n");
    check("v.yaml", "a: 1\n", ". foot_comment = \"end\"", "a: 1\n# end\n");
    // A comment that would hide other values on its line is refused, nothing written.
    let err = run("v.yaml", "a: {b: 1, c: 2}\n", ".a.b line_comment = \"x\"").unwrap_err();
    assert!(err.to_string().contains("shares its line"), "{err}");
}
