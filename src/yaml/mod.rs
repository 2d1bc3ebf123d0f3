//! YAML/JSON documents with byte spans, and the format-preserving splice.
