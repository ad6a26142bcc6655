//! The one set of query-string words every list understands, and its paging. Pages speak
//! Spanish (`pagina`, `orden`, `f_columna`), the API English (`page`, `sort`, `f_column`).
//! Shared: no domain is imported here.

use crate::error::{AppError, AppResult};

/// The prefix of a column filter parameter: `f_sexo=Mujer`.
pub const FILTER_PREFIX: &str = "f_";

/// The parameter names of one face.
pub struct Names {
    pub sort: &'static str,
    pub page: &'static str,
    pub per_page: &'static str,
}

/// The pages' words.
pub const PAGE_NAMES: Names = Names {
    sort: "orden",
    page: "pagina",
    per_page: "por_pagina",
};

/// The API's words.
pub const API_NAMES: Names = Names {
    sort: "sort",
    page: "page",
    per_page: "per_page",
};

/// A page number from the query string: 1 when missing.
pub fn page_number(p: Option<u32>) -> i64 {
    i64::from(p.unwrap_or(1).clamp(1, 100_000))
}

/// Checks the paging of a list: `page` from 1, `per_page` from 1 to `max`.
pub fn check_page(
    page: Option<u32>,
    per_page: Option<u32>,
    default: u32,
    max: u32,
) -> AppResult<(u32, u32)> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(default);
    if !(1..=100_000).contains(&page) {
        return Err(AppError::BadRequest(
            "page: must be between 1 and 100000".into(),
        ));
    }
    if !(1..=max).contains(&per_page) {
        return Err(AppError::BadRequest(format!(
            "per_page: must be between 1 and {max}"
        )));
    }
    Ok((page, per_page))
}

/// The numbered links of a list's pager: the first and last pages, the current one and its
/// neighbours, `None` for a gap (shown as "…"). `1 … 4 5 6 … 20`.
pub fn page_links(current: i64, last: i64) -> Vec<Option<i64>> {
    let last = last.max(1);
    let current = current.clamp(1, last);
    let mut out: Vec<Option<i64>> = Vec::new();
    for p in 1..=last {
        let near = (p - current).abs() <= 1;
        if p == 1 || p == last || near {
            out.push(Some(p));
        } else if out.last().is_some_and(Option::is_some) {
            out.push(None);
        }
    }
    out
}

/// A list's pager as the `pager.html` template draws it: numbered pages linking to `base`
/// with `pagina=N` (or `page=N`) added.
#[derive(Debug, Clone)]
pub struct Pager {
    pub current: i64,
    pub last: i64,
    /// The address without the page number, ending in `?` or `&`.
    pub base: String,
    pub param: &'static str,
}

impl Pager {
    pub fn new(current: i64, last: i64, base: &str, param: &'static str) -> Pager {
        let sep = if base.contains('?') { "&" } else { "?" };
        let base = if base.ends_with('?') || base.ends_with('&') {
            base.to_owned()
        } else {
            format!("{base}{sep}")
        };
        Pager {
            current,
            last: last.max(1),
            base,
            param,
        }
    }

    pub fn links(&self) -> Vec<Option<i64>> {
        page_links(self.current, self.last)
    }

    pub fn href(&self, page: &i64) -> String {
        format!("{}{}={page}", self.base, self.param)
    }

    pub fn prev(&self) -> Option<i64> {
        (self.current > 1).then(|| self.current - 1)
    }

    pub fn next(&self) -> Option<i64> {
        (self.current < self.last).then(|| self.current + 1)
    }
}

#[cfg(test)]
mod pager_tests {
    use super::*;

    #[test]
    fn a_pager_shows_the_ends_the_current_page_and_its_neighbours() {
        assert_eq!(page_links(1, 1), vec![Some(1)]);
        assert_eq!(page_links(1, 3), vec![Some(1), Some(2), Some(3)]);
        assert_eq!(
            page_links(5, 20),
            vec![Some(1), None, Some(4), Some(5), Some(6), None, Some(20)]
        );
        assert_eq!(page_links(20, 20), vec![Some(1), None, Some(19), Some(20)]);
        let p = Pager::new(2, 3, "/datos?tema=obra", "pagina");
        assert_eq!(p.href(&3), "/datos?tema=obra&pagina=3");
        assert_eq!((p.prev(), p.next()), (Some(1), Some(3)));
    }
}
