//! Views of a publication's records: column filters, full-text words, sort and paging, the
//! same for the pages, the API and the downloads, so they always agree.
//!
//! Without filters, words or sort, a page is read straight by position (constant time).
//! Otherwise the publication's records are read in chunks and matched here; a sort needs
//! the matching records in memory, filters alone do not.

use crate::error::{AppError, AppResult};
use crate::listing::{FILTER_PREFIX, Names};
use futures_util::Stream;
use std::collections::HashMap;
use tequio_domain::search as norm;
use tequio_domain::transparency::framework::{FieldType, FormatDef};
use tequio_domain::transparency::values::fold_label;
use tequio_store::Db;
use tequio_store::transparency::{self as store, StoredRecord};

/// Most records on one page.
pub const MAX_PER_PAGE: i64 = 500;
/// The highest page number accepted.
pub const MAX_PAGE: i64 = 100_000;
const CHUNK: i64 = 2000;

/// What the person asked to see.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordQuery {
    /// Words that must all appear in a record's text fields.
    pub q: String,
    /// (field index, text it must contain).
    pub filters: Vec<(usize, String)>,
    /// (field index, descending).
    pub sort: Option<(usize, bool)>,
    pub page: i64,
    pub per_page: i64,
}

impl RecordQuery {
    /// Reads a query string. A column this publication's format does not have is a conflict
    /// with the publication (409, as CKAN answers validation errors), named in the message;
    /// a malformed page number is a bad request (400); other parameters are ignored.
    pub fn parse(
        format: &FormatDef,
        params: &HashMap<String, String>,
        names: &Names,
        default_per_page: i64,
    ) -> AppResult<RecordQuery> {
        let mut q = RecordQuery {
            q: params
                .get("q")
                .map(|s| s.trim().to_owned())
                .unwrap_or_default(),
            page: 1,
            per_page: default_per_page,
            ..RecordQuery::default()
        };
        let mut filters: Vec<(usize, String)> = Vec::new();
        for (k, v) in params {
            let Some(key) = k.strip_prefix(FILTER_PREFIX) else {
                continue;
            };
            let Some((i, f)) = format.field(key) else {
                return Err(AppError::Conflict(format!(
                    "{k}: el formato no tiene la columna «{key}»"
                )));
            };
            if f.kind == FieldType::Table {
                return Err(AppError::Conflict(format!(
                    "{k}: no se puede filtrar por una subtabla"
                )));
            }
            if !v.trim().is_empty() {
                // A value that cannot match the column's type is refused, saying why.
                if let Some(kind) = RangeKind::of(f.kind) {
                    range_of(kind, v).map_err(|why| AppError::BadRequest(format!("{k}: {why}")))?;
                }
                filters.push((i, v.trim().to_owned()));
            }
        }
        filters.sort();
        q.filters = filters;
        if let Some(s) = params.get(names.sort).filter(|s| !s.is_empty()) {
            let (key, desc) = match s.strip_prefix('-') {
                Some(k) => (k, true),
                None => (s.as_str(), false),
            };
            let (i, f) = format.field(key).ok_or_else(|| {
                AppError::Conflict(format!(
                    "{}: el formato no tiene la columna «{key}»",
                    names.sort
                ))
            })?;
            if f.kind == FieldType::Table {
                return Err(AppError::Conflict(format!(
                    "{}: no se puede ordenar por una subtabla",
                    names.sort
                )));
            }
            q.sort = Some((i, desc));
        }
        // An empty number (`page=`) is malformed, as the API's schema says: a 400, not page 1.
        let number = |name: &str, default: i64, max: i64| -> AppResult<i64> {
            match params.get(name) {
                None => Ok(default),
                Some(v) => v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| {
                        AppError::BadRequest(format!(
                            "{name}: «{v}» no es un número entero entre 1 y {max}"
                        ))
                    }),
            }
        };
        q.page = number(names.page, 1, MAX_PAGE)?;
        q.per_page = number(names.per_page, default_per_page, MAX_PER_PAGE)?;
        Ok(q)
    }

    /// True when nothing narrows or reorders the records.
    pub fn is_plain(&self) -> bool {
        self.q.is_empty() && self.filters.is_empty() && self.sort.is_none()
    }

    /// The query string of this view without its page (for links to other pages and the
    /// downloads), `&`-separated, without the leading `?`.
    pub fn query_string(&self, format: &FormatDef, names: &Names) -> String {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("q={}", crate::html::url_encode(&self.q)));
        }
        for (i, v) in &self.filters {
            parts.push(format!(
                "{FILTER_PREFIX}{}={}",
                format.fields[*i].key,
                crate::html::url_encode(v)
            ));
        }
        if let Some((i, desc)) = self.sort {
            parts.push(format!(
                "{}={}{}",
                names.sort,
                if desc { "-" } else { "" },
                format.fields[i].key
            ));
        }
        parts.join("&")
    }

    /// The filter text of a field, if any (to refill the form).
    pub fn filter_of(&self, index: usize) -> &str {
        self.filters
            .iter()
            .find(|(i, _)| *i == index)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Columns whose filters compare values as numbers or dates, and take ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeKind {
    Number,
    Date,
}

impl RangeKind {
    pub fn of(kind: FieldType) -> Option<RangeKind> {
        match kind {
            FieldType::Number | FieldType::Money | FieldType::Year => Some(RangeKind::Number),
            FieldType::Date | FieldType::UpdateDate => Some(RangeKind::Date),
            _ => None,
        }
    }

    /// A value of such a column as a number (a date as its day number).
    fn value(self, v: &str) -> Option<f64> {
        let v = v.trim();
        match self {
            RangeKind::Number => v
                .replace(',', "")
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite()),
            RangeKind::Date => tequio_domain::transparency::period::Date::parse_iso(v)
                .or_else(|| tequio_domain::transparency::period::Date::parse_dmy(v))
                .map(|d| d.to_days() as f64),
        }
    }
}

/// A filter on a number, money, year or date column: one value (`1000`), or a range with
/// either end open (`1000..5000`, `..5000`, `2025-01-01..2025-06-30`, `01/01/2025..`).
/// `Err` says, in plain words, why the text cannot match the column.
pub fn range_of(kind: RangeKind, text: &str) -> Result<(Option<f64>, Option<f64>), String> {
    let bound = |s: &str| -> Result<Option<f64>, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        kind.value(s).map(Some).ok_or_else(|| match kind {
            RangeKind::Number => format!(
                "«{s}» no es un número; escribe uno (1000) o un rango (1000..5000)"
            ),
            RangeKind::Date => format!(
                "«{s}» no es una fecha; escribe AAAA-MM-DD o DD/MM/AAAA, o un rango (2025-01-01..2025-06-30)"
            ),
        })
    };
    match text.split_once("..") {
        Some((lo, hi)) => {
            let (lo, hi) = (bound(lo)?, bound(hi)?);
            if lo.is_none() && hi.is_none() {
                return Err("«..» necesita al menos un extremo del rango".into());
            }
            if let (Some(a), Some(b)) = (lo, hi)
                && a > b
            {
                return Err(format!(
                    "el rango «{text}» empieza después de donde termina"
                ));
            }
            Ok((lo, hi))
        }
        None => {
            let v = bound(text)?;
            Ok((v, v))
        }
    }
}

/// What one column filter asks of a record's value.
enum Wanted {
    /// Contains the text (folded), or equals it for catalogue columns.
    Text { text: String, exact: bool },
    /// Lies within the bounds (each inclusive, open when `None`).
    Range {
        kind: RangeKind,
        lo: Option<f64>,
        hi: Option<f64>,
    },
}

impl Wanted {
    fn accepts(&self, value: &str) -> bool {
        match self {
            Wanted::Text { text, exact } => {
                let v = fold_label(value);
                if *exact {
                    v == *text
                } else {
                    v.contains(text.as_str())
                }
            }
            Wanted::Range { kind, lo, hi } => kind
                .value(value)
                .is_some_and(|v| lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi)),
        }
    }
}

/// Decides whether records match a query; built once per request.
pub struct Matcher {
    terms: Vec<String>,
    filters: Vec<(usize, Wanted)>,
    searchable: Vec<usize>,
}

impl Matcher {
    pub fn new(format: &FormatDef, q: &RecordQuery) -> Matcher {
        Matcher {
            terms: norm::query_terms(&q.q, 16),
            filters: q
                .filters
                .iter()
                .map(|(i, v)| {
                    let kind = format.fields[*i].kind;
                    let wanted = match RangeKind::of(kind).map(|r| (r, range_of(r, v))) {
                        Some((kind, Ok((lo, hi)))) => Wanted::Range { kind, lo, hi },
                        _ => Wanted::Text {
                            text: fold_label(v),
                            exact: kind == FieldType::Catalogue,
                        },
                    };
                    (*i, wanted)
                })
                .collect(),
            searchable: format
                .fields
                .iter()
                .enumerate()
                .filter(|(_, f)| f.kind.is_searchable())
                .map(|(i, _)| i)
                .collect(),
        }
    }

    pub fn matches(&self, r: &tequio_domain::transparency::records::Record) -> bool {
        for (i, wanted) in &self.filters {
            if !wanted.accepts(r.value(*i)) {
                return false;
            }
        }
        if self.terms.is_empty() {
            return true;
        }
        let text: Vec<&str> = self.searchable.iter().map(|i| r.value(*i)).collect();
        let words = norm::index_text(&text.join(" "));
        self.terms.iter().all(|t| words.split(' ').any(|w| w == t))
    }
}

/// Compares two values of a field the way a person expects: numbers as numbers.
pub fn compare(kind: FieldType, a: &str, b: &str) -> std::cmp::Ordering {
    match kind {
        FieldType::Number | FieldType::Money | FieldType::Year => {
            let pa = a.parse::<f64>().ok();
            let pb = b.parse::<f64>().ok();
            pa.partial_cmp(&pb).unwrap_or(std::cmp::Ordering::Equal)
        }
        _ => fold_label(a).cmp(&fold_label(b)).then_with(|| a.cmp(b)),
    }
}

/// One page of a view, and how many records match in all.
pub async fn page(
    db: &Db,
    publication: &store::Publication,
    format: &FormatDef,
    q: &RecordQuery,
) -> AppResult<(i64, Vec<StoredRecord>)> {
    let offset = (q.page - 1) * q.per_page;
    if q.is_plain() {
        let rows = store::records_after(db, publication.id, offset - 1, q.per_page).await?;
        return Ok((publication.record_count, rows));
    }
    let all = matching(db, publication.id, format, q).await?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let rows = all
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(q.per_page).unwrap_or(0))
        .collect();
    Ok((total, rows))
}

/// Every matching record, sorted when asked.
async fn matching(
    db: &Db,
    publication_id: i64,
    format: &FormatDef,
    q: &RecordQuery,
) -> AppResult<Vec<StoredRecord>> {
    let matcher = Matcher::new(format, q);
    let mut out = Vec::new();
    let mut after = -1;
    loop {
        let chunk = store::records_after(db, publication_id, after, CHUNK).await?;
        let Some(last) = chunk.last() else { break };
        after = last.position;
        out.extend(chunk.into_iter().filter(|r| matcher.matches(&r.record)));
    }
    sort(format, q, &mut out);
    Ok(out)
}

fn sort(format: &FormatDef, q: &RecordQuery, rows: &mut [StoredRecord]) {
    if let Some((i, desc)) = q.sort {
        let kind = format.fields[i].kind;
        rows.sort_by(|a, b| {
            let o = compare(kind, a.record.value(i), b.record.value(i))
                .then(a.position.cmp(&b.position));
            if desc { o.reverse() } else { o }
        });
    }
}

/// The matching records in chunks, for downloads. Unsorted views never hold more than a
/// chunk in memory.
pub fn chunks(
    db: Db,
    publication_id: i64,
    format: FormatDef,
    q: RecordQuery,
) -> impl Stream<Item = AppResult<Vec<StoredRecord>>> {
    enum State {
        Reading(i64),
        Sorted(std::vec::IntoIter<StoredRecord>),
        Done,
    }
    let matcher = Matcher::new(&format, &q);
    let start = if q.sort.is_some() {
        None
    } else {
        Some(State::Reading(-1))
    };
    futures_util::stream::unfold(
        (start, db, format, q, matcher),
        move |(state, db, format, q, matcher)| async move {
            let state = match state {
                Some(s) => s,
                None => match matching(&db, publication_id, &format, &q).await {
                    Ok(all) => State::Sorted(all.into_iter()),
                    Err(e) => return Some((Err(e), (Some(State::Done), db, format, q, matcher))),
                },
            };
            match state {
                State::Done => None,
                State::Reading(mut after) => loop {
                    // Chunks where nothing matches are skipped: the stream ends only at the end.
                    let chunk = match store::records_after(&db, publication_id, after, CHUNK).await
                    {
                        Ok(c) => c,
                        Err(e) => {
                            return Some((
                                Err(e.into()),
                                (Some(State::Done), db, format, q, matcher),
                            ));
                        }
                    };
                    let last = chunk.last()?.position;
                    after = last;
                    let kept: Vec<StoredRecord> = chunk
                        .into_iter()
                        .filter(|r| matcher.matches(&r.record))
                        .collect();
                    if !kept.is_empty() {
                        return Some((
                            Ok(kept),
                            (Some(State::Reading(after)), db, format, q, matcher),
                        ));
                    }
                },
                State::Sorted(mut rest) => {
                    let chunk: Vec<StoredRecord> = rest.by_ref().take(CHUNK as usize).collect();
                    if chunk.is_empty() {
                        None
                    } else {
                        Some((
                            Ok(chunk),
                            (Some(State::Sorted(rest)), db, format, q, matcher),
                        ))
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod range_tests {
    use super::*;

    #[test]
    fn ranges_take_either_end_open_and_refuse_what_cannot_match() {
        let n = RangeKind::Number;
        assert_eq!(range_of(n, "1000..5000"), Ok((Some(1000.0), Some(5000.0))));
        assert_eq!(range_of(n, "..5000"), Ok((None, Some(5000.0))));
        assert_eq!(range_of(n, "1,000.5.."), Ok((Some(1000.5), None)));
        assert_eq!(range_of(n, "42"), Ok((Some(42.0), Some(42.0))));
        assert!(
            range_of(n, "mucho")
                .unwrap_err()
                .contains("no es un número")
        );
        assert!(range_of(n, "..").is_err());
        assert!(range_of(n, "9..1").unwrap_err().contains("empieza después"));
        let d = RangeKind::Date;
        let (lo, hi) = range_of(d, "2025-01-01..30/06/2025").unwrap();
        assert!(lo.unwrap() < hi.unwrap());
        assert!(
            range_of(d, "31/02/2025")
                .unwrap_err()
                .contains("no es una fecha")
        );
    }

    #[test]
    fn a_range_accepts_values_within_its_bounds() {
        let w = Wanted::Range {
            kind: RangeKind::Number,
            lo: Some(10.0),
            hi: Some(20.0),
        };
        assert!(w.accepts("10") && w.accepts("20.0") && !w.accepts("20.5"));
        assert!(
            !w.accepts("n/a"),
            "a value that is not a number is not in any range"
        );
    }
}
