//! gitops-action's core: a format-preserving YAML/JSON editor driven by yq expressions, and the
//! action's modes built on it. Compiled natively for tests and to WebAssembly for the action.
//!
//! The stages: [`yaml::document`] reads a file into a tree with byte spans, [`expr`] evaluates a
//! yq expression over its [`value`]s, [`yaml::diff`] finds the changed values, [`yaml::splice`]
//! rewrites only their bytes, and [`engine`] runs the pipeline and verifies the result.
//! [`settings`] parses the action's inputs; [`modes`] holds one module per mode; [`host`] is the
//! seam to files and the log, implemented over the Node shim in `wasm`.

#![warn(missing_docs)]

pub mod engine;
pub mod expr;
pub(crate) mod forge;
pub(crate) mod gitops;
pub mod host;
pub mod modes;
pub(crate) mod secrets;
pub mod settings;
pub(crate) mod sorting;
#[cfg(test)]
mod testing;
pub(crate) mod unified_diff;
pub mod value;
#[cfg(target_arch = "wasm32")]
mod wasm;
pub mod yaml;
