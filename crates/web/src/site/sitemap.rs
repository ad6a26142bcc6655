//! `/sitemap.xml`: every public page, for search engines (the Sitemaps 0.9 protocol). The
//! index names one file of fixed pages and as many files of indexed items and of current
//! publications as 50,000 addresses each need; every file is written as it is read, a few
//! thousand rows at a time, so memory stays flat however large the portal grows.

use crate::error::{AppError, AppResult};
use crate::html::{MENU, escape_text};
use crate::state::AppState;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::{self, StreamExt};
use tequio_domain::site::SitePage;
use tequio_store::{search as search_store, transparency as transparency_store};

/// The protocol's limit of addresses per file.
pub const PER_FILE: i64 = 50_000;
/// Rows read from the database per step while a file is written.
const CHUNK: i64 = 5_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sitemap.xml", get(index))
        .route("/sitemaps/{file}", get(part))
}

const XML: &str = "application/xml; charset=utf-8";

/// The pieces the index lists: fixed pages, then `items-N`, then `publications-N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Pages,
    Items(i64),
    Publications(i64),
}

impl Part {
    fn file_name(self) -> String {
        match self {
            Part::Pages => "paginas.xml".into(),
            Part::Items(n) => format!("elementos-{n}.xml"),
            Part::Publications(n) => format!("publicaciones-{n}.xml"),
        }
    }

    fn parse(file: &str) -> Option<Part> {
        let stem = file.strip_suffix(".xml")?;
        if stem == "paginas" {
            return Some(Part::Pages);
        }
        let (kind, n) = stem.rsplit_once('-')?;
        let n: i64 = n.parse().ok().filter(|n| *n >= 1)?;
        match kind {
            "elementos" => Some(Part::Items(n)),
            "publicaciones" => Some(Part::Publications(n)),
            _ => None,
        }
    }
}

fn files_for(count: i64) -> i64 {
    (count + PER_FILE - 1) / PER_FILE
}

fn url_entry(base: &str, path: &str, lastmod: Option<&str>) -> String {
    let lastmod = lastmod
        .filter(|m| !m.is_empty())
        .map(|m| format!("<lastmod>{}</lastmod>", escape_text(m)))
        .unwrap_or_default();
    format!(
        "<url><loc>{}{}</loc>{lastmod}</url>\n",
        escape_text(base),
        escape_text(path)
    )
}

const URLSET_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
const URLSET_CLOSE: &str = "</urlset>\n";

async fn index(State(state): State<AppState>) -> AppResult<Response> {
    let base = state.settings.base_url.trim_end_matches('/');
    let items = files_for(search_store::count(&state.db).await?);
    let publications = files_for(transparency_store::count_current_publications(&state.db).await?);
    let mut parts = vec![Part::Pages];
    parts.extend((1..=items).map(Part::Items));
    parts.extend((1..=publications).map(Part::Publications));
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for p in parts {
        xml.push_str(&format!(
            "<sitemap><loc>{}/sitemaps/{}</loc></sitemap>\n",
            escape_text(base),
            p.file_name()
        ));
    }
    xml.push_str("</sitemapindex>\n");
    Ok(([(header::CONTENT_TYPE, XML)], xml).into_response())
}

/// The site's fixed public pages: home, every part the menu reaches, the footer's pages.
fn fixed_pages() -> Vec<String> {
    let mut paths = vec!["/".to_owned(), "/acerca".to_owned()];
    paths.extend(
        MENU.iter()
            .flat_map(|g| g.links.iter().map(|(_, link)| (*link).to_owned())),
    );
    paths.extend(SitePage::ALL.iter().map(|p| format!("/{}", p.slug())));
    paths
}

async fn part(State(state): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let part = Part::parse(&file).ok_or(AppError::NotFound)?;
    let base = state.settings.base_url.trim_end_matches('/').to_owned();
    let body = match part {
        Part::Pages => {
            let mut xml = String::from(URLSET_OPEN);
            for path in fixed_pages() {
                xml.push_str(&url_entry(&base, &path, None));
            }
            for o in tequio_store::accounts::list_organisations(&state.db).await? {
                xml.push_str(&url_entry(
                    &base,
                    &format!("/organizaciones/{}", o.id),
                    None,
                ));
            }
            xml.push_str(URLSET_CLOSE);
            Body::from(xml)
        }
        Part::Items(n) | Part::Publications(n) => {
            let total = match part {
                Part::Items(_) => search_store::count(&state.db).await?,
                _ => transparency_store::count_current_publications(&state.db).await?,
            };
            if n > files_for(total) {
                return Err(AppError::NotFound);
            }
            streamed(state, base, part, (n - 1) * PER_FILE)
        }
    };
    Ok(([(header::CONTENT_TYPE, XML)], body).into_response())
}

/// One file of up to 50,000 addresses from `start`, read and written `CHUNK` rows at a time.
fn streamed(state: AppState, base: String, part: Part, start: i64) -> Body {
    let end = start + PER_FILE;
    let rows = stream::unfold(Some(start), move |offset| {
        let (state, base) = (state.clone(), base.clone());
        async move {
            let offset = offset?;
            let limit = CHUNK.min(end - offset);
            let chunk = match part {
                Part::Items(_) => {
                    search_store::entries(&state.db, offset, limit)
                        .await
                        .map(|entries| {
                            entries
                                .iter()
                                .map(|e| {
                                    let path = crate::search::link(e.kind, &e.key);
                                    url_entry(&base, &path, Some(&e.updated_at))
                                })
                                .collect::<Vec<_>>()
                        })
                }
                _ => transparency_store::current_publication_ids(&state.db, offset, limit)
                    .await
                    .map(|ids| {
                        ids.iter()
                            .map(|(id, at)| {
                                url_entry(&base, &format!("/publicaciones/{id}"), Some(at))
                            })
                            .collect()
                    }),
            };
            match chunk {
                Ok(lines) => {
                    let read = lines.len() as i64;
                    let next = (read == limit && offset + read < end).then_some(offset + read);
                    Some((
                        Ok::<Bytes, std::io::Error>(Bytes::from(lines.concat())),
                        next,
                    ))
                }
                Err(e) => Some((Err(std::io::Error::other(e)), None)),
            }
        }
    });
    let body = stream::once(async { Ok(Bytes::from_static(URLSET_OPEN.as_bytes())) })
        .chain(rows)
        .chain(stream::once(async {
            Ok(Bytes::from_static(URLSET_CLOSE.as_bytes()))
        }));
    Body::from_stream(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_round_trip_and_strangers_are_refused() {
        for p in [Part::Pages, Part::Items(1), Part::Publications(3)] {
            assert_eq!(Part::parse(&p.file_name()), Some(p));
        }
        for bad in [
            "elementos-0.xml",
            "elementos-x.xml",
            "otros-1.xml",
            "paginas",
        ] {
            assert_eq!(Part::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn files_are_split_past_fifty_thousand_addresses() {
        assert_eq!(files_for(0), 0);
        assert_eq!(files_for(1), 1);
        assert_eq!(files_for(50_000), 1);
        assert_eq!(files_for(50_001), 2);
    }
}
