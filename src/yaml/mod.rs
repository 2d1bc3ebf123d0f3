//! YAML/JSON documents with byte spans, and the format-preserving splice.

pub mod diff;
pub mod document;
pub mod scalar;
pub mod splice;
