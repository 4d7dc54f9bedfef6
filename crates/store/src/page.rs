//! Keyset pagination over time-sortable ids: `?limit=&after=<id>`.

/// What a list request asks for.
#[derive(Clone, Debug, Default)]
pub struct PageRequest {
    /// Return rows whose id sorts after this one.
    pub after: Option<String>,
    /// At most this many rows (already clamped by the caller).
    pub limit: u64,
}

/// One page of rows and where the next page starts (`None` at the end).
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says that more exist.
    pub fn from_overfetch(mut rows: Vec<T>, limit: u64, id_of: impl Fn(&T) -> String) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if has_more {
            rows.last().map(id_of)
        } else {
            None
        };
        Page {
            data: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            data: self.data.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}
