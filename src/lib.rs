//! gitops-action's core: a format-preserving YAML/JSON editor driven by yq expressions, and the
//! action's modes built on it. Compiled natively for tests and to WebAssembly for the action.

pub mod expr;
pub mod value;
pub mod yaml;
