//! The expression language alone: parse arbitrary text, render any error, and evaluate what
//! parses against a small fixed document. Errors are fine; a panic or a hang is a finding.
#![no_main]

use std::sync::OnceLock;

use gitops_action::expr::{evaluate, parse, Vars};
use gitops_action::value::Value;
use gitops_action::yaml::document::Stream;
use libfuzzer_sys::fuzz_target;

const DOC: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, labels: {app: web, tier: \"1\"}}
image:
  repository: repo/app
  tag: \"1.2.3\"
  digest: ~
replicas: 2
ratio: 1.5
enabled: true
list: [a, b, 3]
items:
- name: x
  version: 1.10
- name: y
  version: v2.0.0
empty: {}
";

fn doc() -> &'static Value {
    static DOC_VALUE: OnceLock<Value> = OnceLock::new();
    DOC_VALUE.get_or_init(|| {
        let stream = Stream::parse(DOC).expect("fixed document parses");
        stream.value_of(&stream.docs[0].root)
    })
}

fn vars() -> &'static Vars {
    static VARS: OnceLock<Vars> = OnceLock::new();
    VARS.get_or_init(|| {
        [("VERSION", "1.2.4"), ("SOURCE_REPO", "niko/app"), ("EMPTY", ""), ("NUM", "42"), ("RE", "(\\d+)\\.(\\d+)")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    match parse(src) {
        Ok(expr) => match evaluate(&expr, doc().clone(), vars()) {
            Ok(results) => {
                for value in &results {
                    let _ = value.to_string();
                }
            }
            Err(e) => {
                let _ = e.render(src);
            }
        },
        Err(e) => {
            let _ = e.render(src);
        }
    }
});
