//! The search index: one table for every kind of public content, filled by the store's write
//! functions and queried by [`search`]. The text is normalised in Rust
//! ([`tequio_domain::search`]); the database only matches whole terms (SQLite FTS5, PostgreSQL
//! `tsvector`). Ranking and snippets are computed here, so both engines return the same hits
//! in the same order.

use crate::db::{Engine, Exec, Tx, Value};
use crate::error::StoreResult;
use crate::params;
use serde::Serialize;
use tequio_domain::search::{self as norm, SearchKind, SnippetPart};

/// Most terms of a query that are used; the rest are ignored.
pub const MAX_QUERY_TERMS: usize = 8;
/// Most matches ranked for one query: enough for any page a person reads, and it bounds the
/// cost of very common words.
pub const MAX_CANDIDATES: i64 = 2000;

/// Adds or refreshes one item of the index. `key` is what a link to it is made from: its id
/// or name (a session's is `body/year/number`); the web crate makes the link.
pub async fn put(
    tx: &Tx,
    kind: SearchKind,
    ref_id: i64,
    title: &str,
    body: &str,
    key: &str,
) -> StoreResult<()> {
    let search_text = norm::index_text(&format!("{title} {body}"));
    tx.execute(
        "INSERT INTO search_index (kind, ref_id, title, body, ref_key, search_text, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (kind, ref_id) DO UPDATE SET
            title = excluded.title, body = excluded.body, ref_key = excluded.ref_key,
            search_text = excluded.search_text, updated_at = excluded.updated_at",
        params![
            kind.as_str(),
            ref_id,
            title,
            body,
            key,
            search_text,
            crate::now()
        ],
    )
    .await?;
    Ok(())
}

/// Removes one item from the index.
pub async fn remove(tx: &Tx, kind: SearchKind, ref_id: i64) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM search_index WHERE kind = $1 AND ref_id = $2",
        params![kind.as_str(), ref_id],
    )
    .await?;
    Ok(())
}

/// A SQL condition on `search_index` that holds when the row contains every term; its one
/// parameter, numbered `$param`, takes [`match_expression`]. The only per-engine SQL besides
/// the migrations.
pub fn match_condition(engine: Engine, param: usize) -> String {
    match engine {
        Engine::Sqlite => {
            format!(
                "search_index.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ${param})"
            )
        }
        Engine::Postgres => format!("search_index.tsv @@ to_tsquery('simple', ${param})"),
    }
}

/// The value for [`match_condition`]'s parameter: all `terms` required. Terms are letters and
/// digits only (see the normaliser), and are quoted anyway.
pub fn match_expression(engine: Engine, terms: &[String]) -> String {
    match engine {
        Engine::Sqlite => terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" "),
        Engine::Postgres => terms
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(" & "),
    }
}

/// A search request.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub text: String,
    /// Only these kinds; all when empty.
    pub kinds: Vec<SearchKind>,
    pub limit: usize,
    pub offset: usize,
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub kind: SearchKind,
    pub ref_id: i64,
    pub title: String,
    /// What a link to it is made from (see [`put`]).
    pub key: String,
    /// The title cut into parts, matched words marked.
    pub title_parts: Vec<SnippetPart>,
    /// Part of the body around the first match, matched words marked.
    pub snippet: Vec<SnippetPart>,
}

/// Results of one search.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// All matches (at most [`MAX_CANDIDATES`]).
    pub total: usize,
    /// Matches per kind, for the filters.
    pub by_kind: Vec<(SearchKind, usize)>,
    pub hits: Vec<Hit>,
    /// The normalised terms that were searched.
    pub terms: Vec<String>,
}

/// Runs a search across public content.
pub async fn search(db: &impl Exec, q: &Query) -> StoreResult<Results> {
    let terms = norm::query_terms(&q.text, MAX_QUERY_TERMS);
    if terms.is_empty() {
        return Ok(Results {
            total: 0,
            by_kind: Vec::new(),
            hits: Vec::new(),
            terms,
        });
    }
    let engine = db.engine();
    let sql = format!(
        "SELECT kind, ref_id, title, body, ref_key, search_text FROM search_index
         WHERE {} ORDER BY id LIMIT $2",
        match_condition(engine, 1)
    );
    let rows = db
        .query(
            &sql,
            &[
                Value::Text(match_expression(engine, &terms)),
                Value::Int(MAX_CANDIDATES),
            ],
        )
        .await?;
    struct Candidate {
        kind: SearchKind,
        ref_id: i64,
        title: String,
        body: String,
        key: String,
        score: usize,
    }
    let mut by_kind: Vec<(SearchKind, usize)> = Vec::new();
    let mut candidates = Vec::new();
    for r in rows {
        let Some(kind) = SearchKind::parse(&r.get::<String>(0)?) else {
            continue;
        };
        match by_kind.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => by_kind.push((kind, 1)),
        }
        if !q.kinds.is_empty() && !q.kinds.contains(&kind) {
            continue;
        }
        let title: String = r.get(2)?;
        let title_terms = norm::terms(&title);
        let search_text: String = r.get(5)?;
        // Title matches weigh three times body matches; earlier title words a little more.
        let in_title: usize = terms.iter().filter(|t| title_terms.contains(t)).count();
        let total_hits: usize = search_text
            .split(' ')
            .filter(|w| terms.iter().any(|t| t == w))
            .count();
        let score = in_title * 3 * 100
            + total_hits.min(50) * 10
            + 10usize.saturating_sub(title_terms.len().min(10));
        candidates.push(Candidate {
            kind,
            ref_id: r.get(1)?,
            title,
            body: r.get(3)?,
            key: r.get(4)?,
            score,
        });
    }
    candidates.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.title.cmp(&b.title))
            .then(a.ref_id.cmp(&b.ref_id))
    });
    let total = candidates.len();
    let hits = candidates
        .into_iter()
        .skip(q.offset)
        .take(q.limit.clamp(1, 100))
        .map(|c| Hit {
            kind: c.kind,
            ref_id: c.ref_id,
            title_parts: norm::snippet(&c.title, &terms, 400),
            snippet: norm::snippet(&c.body, &terms, 200),
            title: c.title,
            key: c.key,
        })
        .collect();
    by_kind.sort_by_key(|(k, _)| k.as_str());
    Ok(Results {
        total,
        by_kind,
        hits,
        terms,
    })
}

/// One public item of the index, for the sitemap: what it is, what its address is made from,
/// and when it last changed.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    pub kind: SearchKind,
    pub key: String,
    pub updated_at: String,
}

/// How many items the index holds.
pub async fn count(db: &impl Exec) -> StoreResult<i64> {
    db.query_one("SELECT COUNT(*) FROM search_index", params![])
        .await?
        .get(0)
}

/// A slice of the index in a stable order (the sitemap reads it in pages).
pub async fn entries(db: &impl Exec, offset: i64, limit: i64) -> StoreResult<Vec<IndexEntry>> {
    let rows = db
        .query(
            "SELECT kind, ref_key, updated_at FROM search_index ORDER BY id LIMIT $1 OFFSET $2",
            params![limit, offset],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for mut r in rows {
        let kind: String = r.take(0)?;
        // A kind this version does not know (written by a newer one) is skipped.
        if let Some(kind) = SearchKind::parse(&kind) {
            out.push(IndexEntry {
                kind,
                key: r.take(1)?,
                updated_at: r.take(2)?,
            });
        }
    }
    Ok(out)
}
