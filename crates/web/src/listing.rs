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
