//! List queries (`GET /Users?filter=…&startIndex=…&count=…`) and
//! `ListResponse` bodies (RFC 7644 §3.4.2).
//!
//! [`ListQuery::from_pairs`] reads the already-decoded query pairs (or
//! [`ListQuery::from_query_string`] a raw query string) and applies the
//! lenient rules IdPs rely on:
//!
//! * `startIndex` is 1-based; values below 1 become 1 (RFC 7644 §3.4.2.4).
//! * `count` below 0 becomes 0; above the configured maximum it is capped
//!   (the server then returns at most that many, as `maxResults` announces).
//! * Unknown parameters are ignored — Entra appends `?aadOptscim062020`.
//! * Names are case-insensitive (`startindex`, `COUNT`).
//! * A value that is not an integer, an unknown `sortOrder`, or an
//!   unparsable filter is a 400 naming the parameter.
//!
//! ```
//! use roster_scim::list::{ListQuery, ListLimits, ListResponse};
//! use serde_json::json;
//!
//! let q = ListQuery::from_query_string(
//!     "filter=userName%20eq%20%22ada%40example.com%22&startIndex=1&count=100&aadOptscim062020",
//!     &ListLimits::default(),
//! )?;
//! assert_eq!(q.start_index, 1);
//! assert_eq!(q.count, Some(100));
//! assert_eq!(q.filter_text.as_deref(), Some("userName eq \"ada@example.com\""));
//!
//! let page = ListResponse::new(vec![json!({"id": "u1"})], 1, q.start_index);
//! let body = page.to_json_v2();
//! assert_eq!(body["totalResults"], 1);           // an integer, never a string
//! assert_eq!(body["Resources"][0]["id"], "u1");
//! # Ok::<(), roster_scim::ScimError>(())
//! ```

use serde_json::{json, Value};

use crate::error::{Result, ScimError};
use crate::filter::Filter;
use crate::schema::{LIST_RESPONSE_SCHEMA, V1_CORE_SCHEMA};

/// Server-side limits for list queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLimits {
    /// Largest page a client may ask for (`maxResults` in the
    /// ServiceProviderConfig). Default 1000.
    pub max_count: usize,
    /// Page size when the client gives no `count`. Default 100.
    pub default_count: usize,
}

impl Default for ListLimits {
    fn default() -> Self {
        ListLimits {
            max_count: 1000,
            default_count: 100,
        }
    }
}

/// `sortOrder`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// `ascending` (the default).
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}

/// The parameters of a list request, validated.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// The parsed filter, if any.
    pub filter: Option<Filter>,
    /// The filter as the client sent it (decoded).
    pub filter_text: Option<String>,
    /// 1-based index of the first result (at least 1).
    pub start_index: usize,
    /// Requested page size after clamping to `0..=max_count`; `None` when
    /// absent (use [`ListQuery::page_size`]).
    pub count: Option<usize>,
    /// `attributes`, split on commas, trimmed, empty entries dropped.
    pub attributes: Vec<String>,
    /// `excludedAttributes`, same treatment.
    pub excluded_attributes: Vec<String>,
    /// `sortBy`, if any.
    pub sort_by: Option<String>,
    /// `sortOrder` (ascending when absent).
    pub sort_order: SortOrder,
    /// The limits applied.
    pub limits: ListLimits,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            filter: None,
            filter_text: None,
            start_index: 1,
            count: None,
            attributes: Vec::new(),
            excluded_attributes: Vec::new(),
            sort_by: None,
            sort_order: SortOrder::Ascending,
            limits: ListLimits::default(),
        }
    }
}

fn parse_int(param: &str, raw: &str) -> Result<i64> {
    let t = raw.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Ok(n);
    }
    // Huge values saturate rather than fail: they are still integers.
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(if t.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        });
    }
    Err(ScimError::invalid_value(format!(
        "{param}: '{raw}' is not an integer"
    )))
}

fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ListQuery {
    /// Parses decoded `(name, value)` query pairs. See the module docs for
    /// the rules. A repeated parameter: the last one wins.
    pub fn from_pairs<K, V, I>(pairs: I, limits: &ListLimits) -> Result<ListQuery>
    where
        K: AsRef<str>,
        V: AsRef<str>,
        I: IntoIterator<Item = (K, V)>,
    {
        let mut q = ListQuery {
            limits: *limits,
            ..ListQuery::default()
        };
        for (k, v) in pairs {
            let (k, v) = (k.as_ref(), v.as_ref());
            match k.to_ascii_lowercase().as_str() {
                "filter" => {
                    if v.trim().is_empty() {
                        q.filter = None;
                        q.filter_text = None;
                    } else {
                        let f = Filter::parse(v).map_err(|e| {
                            ScimError::invalid_filter(format!("filter: {}", e.detail))
                        })?;
                        q.filter = Some(f);
                        q.filter_text = Some(v.to_owned());
                    }
                }
                "startindex" => {
                    let n = parse_int("startIndex", v)?;
                    q.start_index = usize::try_from(n.max(1)).unwrap_or(usize::MAX);
                }
                "count" => {
                    let n = parse_int("count", v)?;
                    let n = usize::try_from(n.max(0)).unwrap_or(usize::MAX);
                    q.count = Some(n.min(limits.max_count));
                }
                "attributes" => q.attributes = split_list(v),
                "excludedattributes" => q.excluded_attributes = split_list(v),
                "sortby" => {
                    let t = v.trim();
                    q.sort_by = (!t.is_empty()).then(|| t.to_owned());
                }
                "sortorder" => {
                    q.sort_order = match v.trim().to_ascii_lowercase().as_str() {
                        "ascending" | "" => SortOrder::Ascending,
                        "descending" => SortOrder::Descending,
                        _ => {
                            return Err(ScimError::invalid_value(format!(
                                "sortOrder: '{v}' is not 'ascending' or 'descending'"
                            )))
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// Parses a raw query string (`a=b&c=d`, percent-encoded, `+` = space).
    /// Parameters without `=` are ignored like any other unknown parameter.
    pub fn from_query_string(query: &str, limits: &ListLimits) -> Result<ListQuery> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let pairs = query.split('&').filter_map(|part| {
            let (k, v) = part.split_once('=')?;
            Some((percent_decode(k), percent_decode(v)))
        });
        Self::from_pairs(pairs, limits)
    }

    /// The page size to use: the clamped `count`, or the default.
    pub fn page_size(&self) -> usize {
        self.count
            .unwrap_or(self.limits.default_count)
            .min(self.limits.max_count)
    }

    /// 0-based offset of the first result.
    pub fn offset(&self) -> usize {
        self.start_index.saturating_sub(1)
    }

    /// The slice of `items` this query selects (for in-memory lists).
    pub fn page<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        let start = self.offset().min(items.len());
        let end = start.saturating_add(self.page_size()).min(items.len());
        items.get(start..end).unwrap_or(&[])
    }
}

/// Decodes `%XX` escapes and `+`; invalid escapes are kept literally and
/// invalid UTF-8 is replaced, so decoding never fails.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(0);
        match b {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
                match (hex(i + 1), hex(i + 2)) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A page of results (RFC 7644 §3.4.2).
#[derive(Debug, Clone, PartialEq)]
pub struct ListResponse {
    /// Total number of matches (all pages).
    pub total_results: usize,
    /// 1-based index of the first resource of this page.
    pub start_index: usize,
    /// The resources of this page (already projected).
    pub resources: Vec<Value>,
}

impl ListResponse {
    /// A page; `itemsPerPage` is the number of resources given.
    pub fn new(resources: Vec<Value>, total_results: usize, start_index: usize) -> Self {
        ListResponse {
            total_results,
            start_index: start_index.max(1),
            resources,
        }
    }

    /// The SCIM 2.0 body. Numbers are JSON integers (Okta rejects strings).
    /// `Resources` is present even when empty (Okta and Entra both read it).
    pub fn to_json_v2(&self) -> Value {
        json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": self.total_results,
            "startIndex": self.start_index,
            "itemsPerPage": self.resources.len(),
            "Resources": self.resources,
        })
    }

    /// The SCIM 1.1 body: same fields, `schemas` is the 1.1 core URN.
    /// Resources should already be in their 1.1 shape ([`crate::v1`]).
    pub fn to_json_v1(&self) -> Value {
        json!({
            "schemas": [V1_CORE_SCHEMA],
            "totalResults": self.total_results,
            "startIndex": self.start_index,
            "itemsPerPage": self.resources.len(),
            "Resources": self.resources,
        })
    }
}
