//! The yq expression language: lexer, parser and evaluator.
