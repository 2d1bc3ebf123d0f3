//! Assignments: `=`, `|=`, `+=`, `-=`, `*=`, and the attribute assignments `style=`, `tag=`,
//! `line_comment=`, `head_comment=`, `foot_comment=`.

use crate::value::{resolve_plain, Value};

use super::super::error::{ErrorKind, ExprError};
use super::super::lex::Attr;
use super::super::parse::{AssignOp, BinOp, Node};
use super::super::AttributeChange;
use super::ops::{arithmetic, scalar_text, Tagged};
use super::{Cx, Place};

/// The styles `style=` takes (yq's names; `""` is plain, or the default for collections).
const STYLES: &[&str] = &["", "tagged", "double", "single", "literal", "folded", "flow"];

impl Cx<'_> {
    /// Assignments. `=`: for each place the left side names (in order), the right side is
    /// evaluated against the assignment's input and its last output stored (no output: no
    /// change). `|=`: for each place (last first, as yq), the right side is evaluated with that
    /// place as `.` and its first output stored. `+=`/`-=`/`*=`: the old value and the right
    /// side's output, the right side evaluated against the assignment's input.
    pub(crate) fn assign(&mut self, op: AssignOp, lhs: &Node, rhs: &Node, input: &Place) -> Result<(), ExprError> {
        let targets = self.eval(lhs, input)?.places;
        match op {
            AssignOp::Set => {
                for target in &targets {
                    if let Some(value) = self.values(rhs, input)?.pop() {
                        self.set(target, value, &lhs.span)?;
                    }
                }
            }
            AssignOp::Update => {
                for target in targets.iter().rev() {
                    let out = self.eval(rhs, target)?;
                    if let Some(first) = out.places.first() {
                        let value = self.get(first).clone();
                        self.set(target, value, &lhs.span)?;
                    }
                }
            }
            AssignOp::Add | AssignOp::Sub | AssignOp::Mul(_) => {
                let bin = match op {
                    AssignOp::Add => BinOp::Add,
                    AssignOp::Sub => BinOp::Sub,
                    AssignOp::Mul(flags) => BinOp::Mul(flags),
                    _ => unreachable!("arithmetic assignments"),
                };
                for target in &targets {
                    let old = self.get(target).clone();
                    let old_tag = self.tag_of(target);
                    let mut new = None;
                    for right in self.eval(rhs, input)?.places {
                        let right_value = self.get(&right).clone();
                        let l = Tagged { value: &old, tag: old_tag.clone() };
                        let r = Tagged { value: &right_value, tag: self.tag_of(&right) };
                        let (value, _) = arithmetic(bin, &l, &r).map_err(|m| self.type_error(&rhs.span, m))?;
                        new = Some(value);
                    }
                    if let Some(value) = new {
                        self.set(target, value, &lhs.span)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// `path attr = value` (`|=`: the value evaluated at each place): records the attribute of
    /// each place of the input for the engine to write. Computed values have no presentation to
    /// change; setting theirs does nothing. As in yq's output, a core tag converts the value
    /// (`tag = "!!str"` makes `5` the string `"5"`), and quoting or block style on a number,
    /// boolean or null writes it as a string.
    pub(crate) fn set_attribute(
        &mut self,
        attr: Attr,
        update: bool,
        target: &Node,
        value: &Node,
        input: &Place,
    ) -> Result<(), ExprError> {
        let places = self.eval(target, input)?.places;
        for place in places {
            let context = if update { place.clone() } else { input.clone() };
            let Some(new) = self.values(value, &context)?.pop() else { continue };
            let comment = matches!(attr, Attr::LineComment | Attr::HeadComment | Attr::FootComment);
            let text = match &new {
                // yq takes a node's scalar text: none for null or a collection.
                Value::Null | Value::Map(_) | Value::Seq(_) if comment => String::new(),
                _ => scalar_text(&new).ok_or_else(|| {
                    self.type_error(&value.span, format!("{attr} must be set to a string, not {}", new.type_name()))
                })?,
            };
            match attr {
                Attr::Style if text == "tagged" => {
                    return Err(self.error(ErrorKind::Unsupported, &value.span, "style \"tagged\" is not supported"))
                }
                Attr::Style if !STYLES.contains(&text.as_str()) => {
                    return Err(self.error(
                        ErrorKind::Type,
                        &value.span,
                        format!("unknown style {text:?}: use one of double, single, literal, folded, flow, or \"\""),
                    ))
                }
                Attr::Tag if !(text.starts_with('!') && text.len() > 1 && !text.contains(char::is_whitespace)) => {
                    return Err(self.type_error(
                        &value.span,
                        format!("{text:?} is not a tag: write it as !!str, !!int, !custom, …"),
                    ))
                }
                _ => {}
            }
            if !place.is_input() {
                continue;
            }
            if let Some(converted) = self.converted(attr, &text, &place, &value.span)? {
                self.set(&place, converted, &target.span)?;
            }
            self.attributes.push(AttributeChange { path: place.path.clone(), attribute: attr, value: text });
        }
        Ok(())
    }

    /// The value a scalar at `place` becomes when `attr` is set to `text`, if it changes.
    fn converted(&self, attr: Attr, text: &str, place: &Place, span: &super::Span) -> Result<Option<Value>, ExprError> {
        let current = self.get(place);
        let Some(scalar) = scalar_text(current) else { return Ok(None) };
        let new = match (attr, text) {
            (Attr::Style, "double" | "single" | "literal" | "folded") | (Attr::Tag, "!!str") => Value::String(scalar),
            (Attr::Tag, "!!int" | "!!float") => match resolve_plain(&scalar) {
                number @ Value::Number(_) => number,
                _ => {
                    return Err(
                        self.type_error(span, format!("{scalar:?} is not a number, so it cannot be tagged {text}"))
                    )
                }
            },
            (Attr::Tag, "!!bool") => match scalar.as_str() {
                "true" | "false" => Value::Bool(scalar == "true"),
                _ => {
                    return Err(self
                        .type_error(span, format!("{scalar:?} is not true or false, so it cannot be tagged !!bool")))
                }
            },
            (Attr::Tag, "!!null") => Value::Null,
            _ => return Ok(None),
        };
        Ok((new != *current).then_some(new))
    }
}
