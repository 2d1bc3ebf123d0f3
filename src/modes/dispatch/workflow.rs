//! The GitOps workflow, checked before it is dispatched: it must be where the server looks for
//! it, have a `workflow_dispatch` trigger, and take the inputs sent.

use std::collections::BTreeMap;

use crate::forge::{Forge, Release};
use crate::host::{Clock, Http, Log};
use crate::sorting::string_map;
use crate::value::Value;
use crate::yaml::document::Stream;

/// A `workflow_dispatch` input as the workflow declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeclaredInput {
    /// `required: true` without a default.
    pub required: bool,
    /// A default that is not empty.
    pub has_default: bool,
}

/// What the workflow file declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Declaration {
    /// The `workflow_dispatch` inputs, in the file's order.
    pub inputs: Vec<(String, DeclaredInput)>,
    /// Whether its `run-name` carries `inputs.dispatch_id`, so Gitea 1.25+ titles its runs with
    /// the dispatch id.
    pub run_name_has_dispatch_id: bool,
}

impl Declaration {
    /// The declared input `name`.
    pub fn input(&self, name: &str) -> Option<&DeclaredInput> {
        self.inputs.iter().find(|(n, _)| n == name).map(|(_, d)| d)
    }
}

/// Reads a workflow file; `None` when it has no `workflow_dispatch` trigger.
pub(crate) fn declaration(workflow_yaml: &str) -> Option<Declaration> {
    let stream = Stream::parse(workflow_yaml).ok()?;
    let Value::Map(root) = stream.value_of(&stream.docs.first()?.root) else { return None };
    let run_name_has_dispatch_id =
        matches!(root.get("run-name"), Some(Value::String(s)) if s.contains("inputs.dispatch_id"));
    let declared = |inputs| Some(Declaration { inputs, run_name_has_dispatch_id });
    // YAML 1.1 readers turn the key `on` into `true`; 1.2 keeps it.
    let on = root.get("on").or_else(|| root.get("true"))?;
    let trigger = match on {
        Value::String(s) if s == "workflow_dispatch" => return declared(Vec::new()),
        Value::Seq(items) if items.contains(&Value::String("workflow_dispatch".into())) => return declared(Vec::new()),
        Value::Map(map) => map.get("workflow_dispatch")?,
        _ => return None,
    };
    let Value::Map(trigger) = trigger else { return declared(Vec::new()) };
    let Some(Value::Map(inputs)) = trigger.get("inputs") else { return declared(Vec::new()) };
    declared(
        inputs
            .iter()
            .map(|(name, spec)| {
                let default = match spec {
                    Value::Map(m) => m.get("default").filter(|d| !matches!(d, Value::Null) && d.to_string() != ""),
                    _ => None,
                };
                let required = matches!(spec, Value::Map(m) if m.get("required") == Some(&Value::Bool(true)) && m.get("default").is_none());
                (name.clone(), DeclaredInput { required, has_default: default.is_some() })
            })
            .collect(),
    )
}

/// Why the workflow cannot be dispatched as it is.
pub(crate) type Refusal = String;

/// Finds the workflow where the server reads workflows (only the first existing folder of
/// [`Release::workflow_dirs`]) and reads its declaration.
pub(crate) async fn find<H: Http + Clock + Log>(
    forge: &Forge<'_, H>,
    release: Release,
    repo: &str,
    workflow: &str,
    git_ref: &str,
) -> Result<(String, Declaration), Refusal> {
    let dirs = release.workflow_dirs();
    for dir in dirs {
        let path = format!("{dir}/{workflow}");
        match forge.file(repo, &path, Some(git_ref)).await {
            Ok(Some(file)) => {
                let text = String::from_utf8_lossy(&file.bytes);
                return declaration(&text).map(|d| (path.clone(), d)).ok_or_else(|| {
                    format!("{path} in {repo} has no workflow_dispatch trigger: add `on: workflow_dispatch` with its inputs")
                });
            }
            Ok(None) => match forge.is_directory(repo, dir, git_ref).await {
                Ok(true) => {
                    return Err(format!(
                        "workflow {workflow} not found in {dir} of {repo} at {git_ref}: {} reads workflows only from {dir} \
                         while it exists (a copy in another folder is not read): check input 'workflow', or move the file there",
                        release.name()
                    ))
                }
                Ok(false) => continue,
                Err(e) => return Err(format!("cannot read {dir} of {repo}: {e}")),
            },
            Err(e) => return Err(format!("cannot read {path} of {repo}: {e}")),
        }
    }
    Err(format!(
        "workflow {workflow} not found in {} of {repo} at {git_ref}: check inputs 'workflow' and 'ref'",
        dirs.join(" or ")
    ))
}

/// The inputs to send: every declared input this action has a value for (an empty value only
/// where the workflow requires the input); `Err` when the workflow requires one it does not send.
pub(crate) fn inputs_to_send(
    declaration: &Declaration,
    workflow: &str,
    ours: BTreeMap<String, String>,
    log: &impl Log,
) -> Result<BTreeMap<String, String>, Refusal> {
    if let Some((missing, _)) = declaration.inputs.iter().find(|(name, d)| d.required && !ours.contains_key(name)) {
        return Err(format!(
            "{workflow} requires input '{missing}', which gitops-action does not send; it sends {}",
            ours.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if declaration.inputs.is_empty() {
        return Ok(BTreeMap::new());
    }
    for name in ["dispatch_id", "file", "yq_tpl", "version"] {
        if declaration.input(name).is_none() {
            log.warning(&format!("{workflow} declares no input '{name}'; it is not sent"));
        }
    }
    Ok(string_map(ours.into_iter().filter(|(k, v)| declaration.input(k).is_some_and(|d| d.required || !v.is_empty()))))
}

/// How many inputs with values a dispatch carries as Forgejo counts them for its
/// `LIMIT_DISPATCH_INPUTS`: declared inputs that get a value or have a default
/// (services/actions/workflows.go Dispatch @v12.0.4).
pub(crate) fn counted_inputs(declaration: &Declaration, sent: &BTreeMap<String, String>) -> usize {
    declaration.inputs.iter().filter(|(name, d)| d.has_default || sent.get(name).is_some_and(|v| !v.is_empty())).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_inputs_are_read_from_any_on_form() {
        let wf = "run-name: \"GitOps (${{ inputs.dispatch_id }})\"\non:\n  workflow_dispatch:\n    inputs:\n      version: {required: true}\n      dispatch_id: {required: false, default: ''}\n      env: {default: dev}\n";
        let d = declaration(wf).unwrap();
        assert_eq!(d.input("version"), Some(&DeclaredInput { required: true, has_default: false }));
        assert_eq!(d.input("dispatch_id"), Some(&DeclaredInput { required: false, has_default: false }));
        assert!(d.input("env").unwrap().has_default);
        assert!(d.run_name_has_dispatch_id);
        assert_eq!(declaration("on: [push, workflow_dispatch]\n").map(|d| d.inputs.len()), Some(0));
        assert!(!declaration("on: workflow_dispatch\n").unwrap().run_name_has_dispatch_id);
        assert_eq!(declaration("on: push\n"), None);
    }

    #[test]
    fn forgejo_counts_inputs_with_values_or_defaults() {
        let wf = "on:\n  workflow_dispatch:\n    inputs:\n      a: {}\n      b: {default: x}\n      c: {}\n";
        let d = declaration(wf).unwrap();
        let sent = BTreeMap::from([("a".to_string(), "1".to_string()), ("c".to_string(), String::new())]);
        assert_eq!(counted_inputs(&d, &sent), 2);
    }
}
