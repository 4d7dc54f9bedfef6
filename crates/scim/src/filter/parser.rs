//! Recursive-descent parser for filters, attribute paths and PATCH paths.
//!
//! One scanner serves the three grammars; the context ([`Ctx`]) only decides
//! how errors are reported (`invalidFilter` vs `invalidPath`).
//!
//! Precedence, lowest first: `or`, `and`, `not` / grouping / attribute
//! expression / value path. `and` and `or` chains are parsed iteratively and
//! associate to the left; recursion happens only on `(`, `not (` and `[`,
//! each of which counts against [`MAX_DEPTH`].

use crate::error::ScimError;
use crate::filter::{CompValue, CompareOp, Filter, MAX_DEPTH, MAX_TERMS};
use crate::path::{AttrPath, PatchPath};

/// Which grammar is being parsed; selects the error `scimType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    Filter,
    Path,
}

/// A parse error: byte offset and message (without the position prefix).
#[derive(Debug)]
pub(crate) struct PErr {
    at: usize,
    msg: String,
}

type PResult<T> = std::result::Result<T, PErr>;

pub(crate) struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
    terms: usize,
    ctx: Ctx,
}

/// Characters that end a word: whitespace and the structural characters.
fn is_delim(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"')
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '$'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Characters allowed in a URN (RFC 8141 NSS, minus the filter delimiters).
fn is_urn_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._:+%;/=@!$&'*,?~".contains(c)
}

/// A short, bounded quote of a token for error messages.
fn quote(s: &str) -> String {
    let mut out = String::from("'");
    for (n, c) in s.chars().enumerate() {
        if n == 40 {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out.push('\'');
    out
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str, ctx: Ctx) -> Self {
        Parser {
            src,
            pos: 0,
            depth: 0,
            terms: 0,
            ctx,
        }
    }

    /// Turns a [`PErr`] into the public error, with a character position.
    pub(crate) fn to_error(&self, e: PErr) -> ScimError {
        let at = self
            .src
            .get(..e.at)
            .map(|s| s.chars().count())
            .unwrap_or(e.at);
        match self.ctx {
            Ctx::Filter => {
                ScimError::invalid_filter(format!("invalid filter at position {at}: {}", e.msg))
            }
            Ctx::Path => {
                ScimError::invalid_path(format!("invalid path at position {at}: {}", e.msg))
            }
        }
    }

    fn err<T>(&self, at: usize, msg: impl Into<String>) -> PResult<T> {
        Err(PErr {
            at,
            msg: msg.into(),
        })
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self, c: char) {
        self.pos += c.len_utf8();
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.bump(c);
            } else {
                break;
            }
        }
    }

    /// The word at the current position (possibly empty), not consumed.
    fn peek_word(&self) -> &'a str {
        let rest = self.rest();
        let end = rest.find(is_delim).unwrap_or(rest.len());
        rest.get(..end).unwrap_or("")
    }

    fn take_word(&mut self) -> &'a str {
        let w = self.peek_word();
        self.pos += w.len();
        w
    }

    /// Describes what is at the current position, for "found …".
    fn found(&self) -> String {
        match self.peek() {
            None => "end of input".to_owned(),
            Some('"') => "a string".to_owned(),
            Some(c @ ('(' | ')' | '[' | ']')) => format!("'{c}'"),
            Some(_) => quote(self.peek_word()),
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(
                self.pos,
                format!("nesting too deep (more than {MAX_DEPTH} levels of parentheses, 'not' or value paths)"),
            );
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn expect_char(&mut self, want: char, what: &str) -> PResult<()> {
        self.skip_ws();
        if self.peek() == Some(want) {
            self.bump(want);
            Ok(())
        } else {
            self.err(self.pos, format!("expected {what}, found {}", self.found()))
        }
    }

    fn expect_end(&mut self) -> PResult<()> {
        self.skip_ws();
        match self.peek() {
            None => Ok(()),
            Some(_) => {
                let what = match self.ctx {
                    Ctx::Filter => "'and', 'or' or the end of the filter",
                    Ctx::Path => "the end of the path",
                };
                self.err(self.pos, format!("expected {what}, found {}", self.found()))
            }
        }
    }

    // ---------------------------------------------------------------- entry points

    pub(crate) fn whole_filter(&mut self) -> PResult<Filter> {
        self.skip_ws();
        if self.peek().is_none() {
            return self.err(self.pos, "the filter is empty");
        }
        let f = self.or_expr(false)?;
        self.expect_end()?;
        Ok(f)
    }

    /// The attribute path every path form starts with (leading whitespace skipped), with the
    /// text it was read from.
    fn leading_attr_path(&mut self) -> PResult<(&'a str, AttrPath)> {
        self.skip_ws();
        let start = self.pos;
        let word = self.take_word();
        if word.is_empty() {
            return self.err(
                start,
                format!("expected an attribute path, found {}", self.found()),
            );
        }
        Ok((word, attr_path(word, start)?))
    }

    pub(crate) fn whole_attr_path(&mut self) -> PResult<AttrPath> {
        let (_, path) = self.leading_attr_path()?;
        self.expect_end()?;
        Ok(path)
    }

    pub(crate) fn whole_patch_path(&mut self) -> PResult<PatchPath> {
        let (word, attr) = self.leading_attr_path()?;
        let mut value_filter = None;
        let mut sub_attr = None;
        self.skip_ws();
        if self.peek() == Some('[') {
            if attr.sub_attr.is_some() {
                return self.err(
                    self.pos,
                    format!("a value filter '[…]' must follow an attribute without sub-attribute, found it after {}", quote(word)),
                );
            }
            self.enter()?;
            self.bump('[');
            let f = self.or_expr(true)?;
            self.expect_char(']', "']' to close the value filter, or 'and' / 'or'")?;
            self.leave();
            value_filter = Some(f);
            if self.peek() == Some('.') {
                sub_attr = Some(self.dot_sub_attr()?);
            }
        }
        self.expect_end()?;
        Ok(PatchPath {
            attr,
            value_filter,
            sub_attr,
        })
    }

    /// Reads `.name` right after a `]`.
    fn dot_sub_attr(&mut self) -> PResult<String> {
        let start = self.pos;
        let word = self.take_word();
        let name = word.strip_prefix('.').unwrap_or(word);
        check_name(name, start + 1, "sub-attribute")?;
        Ok(name.to_owned())
    }

    // ---------------------------------------------------------------- filter grammar

    fn keyword_ahead(&self, kw: &str) -> bool {
        self.peek_word().eq_ignore_ascii_case(kw)
    }

    fn or_expr(&mut self, in_vp: bool) -> PResult<Filter> {
        let mut left = self.and_expr(in_vp)?;
        loop {
            self.skip_ws();
            if self.keyword_ahead("or") {
                self.take_word();
                let right = self.and_expr(in_vp)?;
                left = Filter::Or(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn and_expr(&mut self, in_vp: bool) -> PResult<Filter> {
        let mut left = self.unary(in_vp)?;
        loop {
            self.skip_ws();
            if self.keyword_ahead("and") {
                self.take_word();
                let right = self.unary(in_vp)?;
                left = Filter::And(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn unary(&mut self, in_vp: bool) -> PResult<Filter> {
        self.skip_ws();
        match self.peek() {
            Some('(') => {
                self.enter()?;
                self.bump('(');
                let f = self.or_expr(in_vp)?;
                self.expect_char(')', "')' or 'and' / 'or'")?;
                self.leave();
                Ok(f)
            }
            Some(c) if !is_delim(c) => {
                let start = self.pos;
                let word = self.take_word();
                if word.eq_ignore_ascii_case("not") {
                    self.skip_ws();
                    if self.peek() == Some('(') {
                        self.enter()?;
                        self.bump('(');
                        let f = self.or_expr(in_vp)?;
                        self.expect_char(')', "')' or 'and' / 'or'")?;
                        self.leave();
                        return Ok(Filter::Not(Box::new(f)));
                    }
                    // Not followed by '(': an attribute that happens to be named "not".
                }
                self.attr_expr(word, start, in_vp)
            }
            _ => self.err(
                self.pos,
                format!(
                    "expected an attribute path, '(' or 'not', found {}",
                    self.found()
                ),
            ),
        }
    }

    fn count_term(&mut self, at: usize) -> PResult<()> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return self.err(
                at,
                format!("filter too complex (more than {MAX_TERMS} comparisons)"),
            );
        }
        Ok(())
    }

    /// After the attribute path word: `[` value path, `pr`, or `op value`.
    fn attr_expr(&mut self, word: &'a str, start: usize, in_vp: bool) -> PResult<Filter> {
        let path = attr_path(word, start)?;
        self.skip_ws();
        if self.peek() == Some('[') {
            if in_vp {
                return self.err(self.pos, "value paths cannot be nested");
            }
            if path.sub_attr.is_some() {
                return self.err(
                    self.pos,
                    format!("a value filter '[…]' must follow an attribute without sub-attribute, found it after {}", quote(word)),
                );
            }
            self.enter()?;
            self.bump('[');
            let inner = self.or_expr(true)?;
            self.expect_char(']', "']' to close the value filter, or 'and' / 'or'")?;
            self.leave();
            if self.peek() == Some('.') {
                // `emails[type eq "work"].value eq "x"`: the sub-attribute
                // condition joins the element filter.
                let sub_at = self.pos + 1;
                let sub = self.dot_sub_attr()?;
                let after = format!("{word}[…].{sub}");
                let leaf = self.op_and_value(AttrPath::simple(sub), &after)?;
                self.count_term(sub_at)?;
                return Ok(Filter::ValuePath {
                    attr: path,
                    filter: Box::new(Filter::And(Box::new(inner), Box::new(leaf))),
                });
            }
            return Ok(Filter::ValuePath {
                attr: path,
                filter: Box::new(inner),
            });
        }
        let f = self.op_and_value(path, word)?;
        self.count_term(start)?;
        Ok(f)
    }

    /// Parses `pr` or `op value` after the attribute path `after`.
    fn op_and_value(&mut self, path: AttrPath, after: &str) -> PResult<Filter> {
        self.skip_ws();
        let op_at = self.pos;
        let op_word = self.peek_word();
        if op_word.eq_ignore_ascii_case("pr") {
            self.take_word();
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::from_keyword(op_word) else {
            return self.err(
                op_at,
                format!(
                    "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after {}, found {}",
                    quote(after),
                    self.found()
                ),
            );
        };
        self.take_word();
        self.skip_ws();
        let value = self.comp_value(op)?;
        Ok(Filter::Compare { path, op, value })
    }

    fn comp_value(&mut self, op: CompareOp) -> PResult<CompValue> {
        let at = self.pos;
        match self.peek() {
            Some('"') => Ok(CompValue::String(self.string()?)),
            Some(c) if !is_delim(c) => {
                let w = self.peek_word();
                let v = if w.eq_ignore_ascii_case("true") {
                    CompValue::Bool(true)
                } else if w.eq_ignore_ascii_case("false") {
                    CompValue::Bool(false)
                } else if w.eq_ignore_ascii_case("null") {
                    CompValue::Null
                } else if c == '-' || c.is_ascii_digit() {
                    match json_number(w) {
                        Some(n) => CompValue::Number(n),
                        None => {
                            return self.err(at, format!("{} is not a valid number", quote(w)))
                        }
                    }
                } else {
                    return self.err(
                        at,
                        format!(
                            "expected a value (a quoted string, a number, true, false or null) after '{op}', found {}",
                            quote(w)
                        ),
                    );
                };
                self.take_word();
                Ok(v)
            }
            _ => self.err(
                at,
                format!(
                    "expected a value (a quoted string, a number, true, false or null) after '{op}', found {}",
                    self.found()
                ),
            ),
        }
    }

    /// A JSON string starting at the current `"`.
    fn string(&mut self) -> PResult<String> {
        let start = self.pos;
        self.bump('"');
        // Fast path: no escapes before the closing quote.
        let rest = self.rest();
        if let Some(end) = rest.find(['"', '\\']) {
            if rest.get(end..end + 1) == Some("\"") {
                let out = rest.get(..end).unwrap_or("").to_owned();
                self.pos += end + 1;
                return Ok(out);
            }
        }
        let mut out = String::with_capacity(rest.len().min(64));
        let mut chars = rest.char_indices();
        loop {
            let Some((i, c)) = chars.next() else {
                return self.err(start, "unterminated string");
            };
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => {
                    let esc_at = self.pos + i;
                    let Some((_, e)) = chars.next() else {
                        return self.err(start, "unterminated string");
                    };
                    match e {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let hi = hex4(&mut chars)
                                .ok_or_else(|| self.perr(esc_at, "invalid \\u escape in string"))?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                // A high surrogate must be followed by `\uDC00`–`\uDFFF`.
                                let lo = match (chars.next(), chars.next()) {
                                    (Some((_, '\\')), Some((_, 'u'))) => hex4(&mut chars),
                                    _ => None,
                                }
                                .filter(|lo| (0xDC00..0xE000).contains(lo))
                                .ok_or_else(|| {
                                    self.perr(esc_at, "unpaired surrogate in \\u escape")
                                })?;
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            let ch = char::from_u32(code).ok_or_else(|| {
                                self.perr(esc_at, "unpaired surrogate in \\u escape")
                            })?;
                            out.push(ch);
                        }
                        other => {
                            return self
                                .err(esc_at, format!("invalid escape '\\{other}' in string"))
                        }
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn perr(&self, at: usize, msg: &str) -> PErr {
        PErr {
            at,
            msg: msg.to_owned(),
        }
    }
}

/// Parses a JSON number (RFC 8259 §6 grammar).
///
/// Integers that fit become `i64`/`u64`; everything else goes through
/// `f64`'s correctly rounded parser so that printing and re-parsing gives the
/// same value (serde_json's default float parser is not always exact).
/// Infinite values are refused.
fn json_number(w: &str) -> Option<serde_json::Number> {
    let b = w.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let int_len = digits(&mut i);
    if int_len == 0 || (int_len > 1 && b.get(int_start) == Some(&b'0')) {
        return None;
    }
    let mut integer = true;
    if b.get(i) == Some(&b'.') {
        i += 1;
        integer = false;
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        integer = false;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    if integer {
        if let Ok(v) = w.parse::<u64>() {
            return Some(v.into());
        }
        if let Ok(v) = w.parse::<i64>() {
            return Some(v.into());
        }
    }
    w.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .and_then(serde_json::Number::from_f64)
}

fn hex4(chars: &mut std::str::CharIndices<'_>) -> Option<u32> {
    let mut v = 0u32;
    for _ in 0..4 {
        let (_, c) = chars.next()?;
        v = v * 16 + c.to_digit(16)?;
    }
    Some(v)
}

/// Checks an ATTRNAME (`ALPHA *(ALPHA / DIGIT / "-" / "_")`, or `$ref`).
fn check_name(name: &str, at: usize, what: &str) -> PResult<()> {
    let mut chars = name.char_indices();
    match chars.next() {
        None => {
            return Err(PErr {
                at,
                msg: format!("expected an {what} name"),
            })
        }
        Some((_, c)) if is_name_start(c) => {}
        Some((_, c)) => {
            return Err(PErr {
                at,
                msg: format!("an {what} name must start with a letter, found '{c}'"),
            })
        }
    }
    for (i, c) in chars {
        if !is_name_char(c) {
            return Err(PErr {
                at: at + i,
                msg: format!("invalid character '{c}' in {what} name {}", quote(name)),
            });
        }
    }
    Ok(())
}

/// Validates a word as `[urn ":"] name ["." sub]`; `at` is its byte offset.
pub(crate) fn attr_path(word: &str, at: usize) -> PResult<AttrPath> {
    let has_urn = word
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    let (urn, rest, rest_at) = if has_urn {
        // Split at the last ':' (the URN itself contains ':' and '.').
        let idx = word.rfind(':').unwrap_or(3);
        let urn = word.get(..idx).unwrap_or("");
        if let Some((i, c)) = urn.char_indices().find(|&(_, c)| !is_urn_char(c)) {
            return Err(PErr {
                at: at + i,
                msg: format!("invalid character '{c}' in schema URN"),
            });
        }
        if urn.len() <= 4 {
            return Err(PErr {
                at,
                msg: format!("{} is not a valid schema URN", quote(word)),
            });
        }
        (
            Some(urn.to_owned()),
            word.get(idx + 1..).unwrap_or(""),
            at + idx + 1,
        )
    } else {
        (None, word, at)
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    check_name(name, rest_at, "attribute")?;
    if let Some(sub) = sub {
        let sub_at = rest_at + name.len() + 1;
        if let Some(i) = sub.find('.') {
            return Err(PErr {
                at: sub_at + i,
                msg: format!("{} has more than one sub-attribute level", quote(word)),
            });
        }
        check_name(sub, sub_at, "sub-attribute")?;
    }
    Ok(AttrPath {
        urn,
        name: name.to_owned(),
        sub_attr: sub.map(str::to_owned),
    })
}
