//! YAML/JSON documents with byte spans, and the format-preserving splice.

pub mod diff;
pub mod document;
pub mod presentation;
pub mod render;
pub mod scalar;
pub mod source;
pub mod splice;
