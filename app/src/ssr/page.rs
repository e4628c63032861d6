//! Keyset pagination, the one way every list pages (portal tables, REST
//! lists): ask the store for one row more than a page, cut it off, and hand
//! out the last row's key as the cursor to continue after. A page costs the
//! same at any depth, which `OFFSET` does not.

/// How many rows a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(usize);

impl PageSize {
    pub const fn new(rows: usize) -> Self {
        Self(rows)
    }

    /// The `LIMIT` to query with: one more than a page, to learn whether
    /// another page follows.
    pub fn fetch_limit(self) -> i64 {
        i64::try_from(self.0).map_or(i64::MAX, |rows| rows.saturating_add(1))
    }

    /// Cuts the rows fetched with [`Self::fetch_limit`] to a page; `key`
    /// names the last row shown when more follow.
    pub fn cut<T, K>(self, mut rows: Vec<T>, key: impl FnOnce(&T) -> K) -> Page<T, K> {
        let more = rows.len() > self.0;
        rows.truncate(self.0);
        let next = if more { rows.last().map(key) } else { None };
        Page { items: rows, next }
    }
}

/// One page of rows, and the key to continue after when more follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, K> {
    pub items: Vec<T>,
    pub next: Option<K>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_with_one_more_row_gives_the_last_shown_as_cursor() {
        let size = PageSize::new(3);
        assert_eq!(size.fetch_limit(), 4);
        let page = size.cut(vec![1, 2, 3, 4], |row| *row);
        assert_eq!(page.items, vec![1, 2, 3]);
        assert_eq!(page.next, Some(3));
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        let size = PageSize::new(3);
        assert_eq!(size.cut(vec![1, 2, 3], |row| *row).next, None);
        assert_eq!(size.cut(Vec::<i32>::new(), |row| *row).next, None);
    }
}
