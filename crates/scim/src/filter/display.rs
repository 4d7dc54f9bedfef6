//! Canonical printing of filters.
//!
//! Keywords print in lower case, strings as JSON strings, `not` as
//! `not (…)`, and parentheses appear only where the tree needs them
//! (`and` binds tighter than `or`; both associate to the left), so
//! `Filter::parse(&f.to_string()) == Ok(f)` for every filter the parser can
//! produce.

use std::fmt::{self, Write};

use crate::filter::{CompValue, Filter};

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => write_json_string(f, s),
        }
    }
}

/// Writes `s` as a JSON string literal.
pub(crate) fn write_json_string(f: &mut impl Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\u{8}' => f.write_str("\\b")?,
            '\u{c}' => f.write_str("\\f")?,
            c if (c as u32) < 0x20 || c == '\u{7f}' => write!(f, "\\u{:04x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

fn parens(f: &mut fmt::Formatter<'_>, node: &Filter, wrap: bool) -> fmt::Result {
    if wrap {
        write!(f, "({node})")
    } else {
        write!(f, "{node}")
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Or(l, r) => {
                parens(f, l, false)?;
                f.write_str(" or ")?;
                parens(f, r, matches!(**r, Filter::Or(..)))
            }
            Filter::And(l, r) => {
                parens(f, l, matches!(**l, Filter::Or(..)))?;
                f.write_str(" and ")?;
                parens(f, r, matches!(**r, Filter::Or(..) | Filter::And(..)))
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { attr, filter } => write!(f, "{attr}[{filter}]"),
        }
    }
}
