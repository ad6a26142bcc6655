//! Collegiate bodies (the Technical Secretariat of Open Government, working groups): members,
//! sessions with minutes and attendance, agreements and their tracker, documents, adhesions.
//! Their pages, `/api/v1` part, open data and feeds; what those share is here.

pub mod api;
pub mod data;
pub mod feeds;
pub mod pages;

use crate::auth::Viewer;
use crate::clock::local_today;
use crate::error::{AppError, AppResult};
use crate::listing::page_number;
use crate::state::AppState;
use axum::Router;
use serde::Deserialize;
use tequio_domain::accounts::{Grant, Role};
use tequio_domain::bodies::AgreementStatus;
use tequio_store::bodies::{Body, TrackerFilter};

/// Pages, open data and feeds (small requests).
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(pages::routes())
        .merge(data::routes())
        .merge(feeds::routes())
}

/// `/api/v1` routes, nested by the app.
pub fn api_routes() -> Router<AppState> {
    api::routes()
}

/// Forms that carry files.
pub fn upload_routes() -> Router<AppState> {
    pages::upload_routes()
}

// The agreement tracker's filters: the same words for its page and its downloads.

#[derive(Deserialize)]
pub struct TrackerParams {
    organo: Option<String>,
    estado: Option<String>,
    vencidos: Option<String>,
    pagina: Option<String>,
}

const TRACKER_PAGE: i64 = 50;

/// The tracker's filters as a query string (`organo=…&estado=…&vencidos=1`), for the page's
/// downloads, its feed and its pages.
pub fn tracker_query(filter: &TrackerFilter, body: Option<&Body>) -> String {
    let mut query = Vec::new();
    if let Some(b) = body {
        query.push(format!("organo={}", crate::html::url_encode(&b.name)));
    }
    if let Some(s) = filter.status {
        query.push(format!("estado={}", s.as_str()));
    }
    if filter.overdue {
        query.push("vencidos=1".to_owned());
    }
    query.join("&")
}

/// Reads the tracker's filters from the query string.
pub async fn tracker_filter(
    state: &AppState,
    p: &TrackerParams,
) -> AppResult<(TrackerFilter, Option<Body>, i64)> {
    let body = match p.organo.as_deref().filter(|s| !s.is_empty()) {
        Some(name) => Some(Body::by_name(&state.db, name).await.map_err(|e| match e {
            tequio_store::StoreError::NotFound => {
                AppError::BadRequest(format!("organo: no hay un órgano «{name}»"))
            }
            other => other.into(),
        })?),
        None => None,
    };
    let status = match p.estado.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(AgreementStatus::parse(s).ok_or_else(|| {
            AppError::BadRequest(format!("estado: «{s}» no es un estado de acuerdo"))
        })?),
        None => None,
    };
    let page = match p.pagina.as_deref() {
        None => 1,
        Some(s) => s
            .parse::<u32>()
            .map(|n| page_number(Some(n)))
            .map_err(|_| {
                AppError::BadRequest(format!("pagina: «{s}» no es un número de página"))
            })?,
    };
    Ok((
        TrackerFilter {
            body_id: body.as_ref().map(|b| b.id),
            status,
            overdue: p.vencidos.as_deref() == Some("1"),
            today: local_today(),
            limit: TRACKER_PAGE,
            offset: (page - 1) * TRACKER_PAGE,
        },
        body,
        page,
    ))
}

/// Makes the person who constituted a body from a call its technical secretary, unless they
/// already run everything.
pub async fn make_secretary(tx: &tequio_store::Tx, viewer: &Viewer, body_id: i64) -> AppResult<()> {
    if viewer.is_admin() {
        return Ok(());
    }
    let user = viewer.user()?;
    let grant =
        Grant::new(Role::BodySecretary, Some(body_id)).map_err(|e| AppError::Internal(e.into()))?;
    tequio_store::accounts::grant(tx, &viewer.who(), user.id, grant).await?;
    Ok(())
}

impl crate::html::HasPage for tequio_store::bodies::Session {
    fn path(&self) -> String {
        format!(
            "/organos/{}/sesiones/{}/{}",
            self.body_name, self.year, self.number
        )
    }
}

impl crate::html::HasPage for tequio_store::bodies::Agreement {
    fn path(&self) -> String {
        format!("/acuerdos/{}", self.id)
    }
}

/// Agreements by status, one stacked bar per body (the tracker's chart).
pub fn agreements_chart(
    lang: crate::i18n::Lang,
    counts: &[(String, String, AgreementStatus, i64)],
) -> crate::charts::Chart {
    use crate::charts::{Bar, Chart, Series};
    let mut bars: Vec<Bar> = Vec::new();
    for (name, title, status, n) in counts {
        let href = format!("/acuerdos?organo={}", crate::html::url_encode(name));
        if bars
            .last()
            .is_none_or(|b| b.href.as_deref() != Some(href.as_str()))
        {
            bars.push(Bar {
                label: title.clone(),
                values: vec![0; AgreementStatus::ALL.len()],
                href: Some(href),
            });
        }
        let i = AgreementStatus::ALL.iter().position(|s| s == status);
        if let (Some(bar), Some(i)) = (bars.last_mut(), i) {
            bar.values[i] += n;
        }
    }
    let total: i64 = bars.iter().map(|b| b.total()).sum();
    let done_index = AgreementStatus::ALL
        .iter()
        .position(|s| *s == AgreementStatus::Done);
    let done: i64 = bars
        .iter()
        .filter_map(|b| done_index.and_then(|i| b.values.get(i)))
        .sum();
    Chart {
        id: "acuerdos-por-organo".into(),
        title: lang.t("chart-agreements-title"),
        summary: lang.t_args(
            "chart-agreements-summary",
            &[
                ("total", crate::format::integer(total)),
                ("done", crate::format::integer(done)),
                ("bodies", bars.len().to_string()),
            ],
        ),
        series: AgreementStatus::ALL
            .iter()
            .map(|s| Series {
                label: lang.t(&format!(
                    "agreement-status-{}",
                    s.as_str().replace('_', "-")
                )),
            })
            .collect(),
        bars,
        label_header: lang.t("tracker-body"),
        total_header: lang.t("chart-total"),
        decimals: 0,
    }
}

/// A body's members by sector (its page's chart).
pub fn composition_chart(
    lang: crate::i18n::Lang,
    composition: &[(tequio_domain::accounts::Sector, usize)],
) -> crate::charts::Chart {
    use crate::charts::{Bar, Chart, Series};
    let total: usize = composition.iter().map(|(_, n)| n).sum();
    Chart {
        id: "composicion".into(),
        title: lang.t("bodies-composition"),
        summary: lang.t_args(
            "chart-composition-summary",
            &[
                ("total", total.to_string()),
                ("sectors", composition.len().to_string()),
            ],
        ),
        series: vec![Series {
            label: lang.t("bodies-members"),
        }],
        bars: composition
            .iter()
            .map(|(sector, n)| Bar {
                label: lang.t(&format!("sector-{}", sector.as_str().replace('_', "-"))),
                values: vec![i64::try_from(*n).unwrap_or(i64::MAX)],
                href: None,
            })
            .collect(),
        label_header: lang.t("organisation-sector"),
        total_header: String::new(),
        decimals: 0,
    }
}
