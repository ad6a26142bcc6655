//! Calendars and feeds of collaboration: iCalendar (RFC 5545) of sessions and call deadlines,
//! for every body or one, and Atom (RFC 4287) of calls, sessions and agreements. Written by
//! the `icalendar` and `atom_syndication` crates; the tests read them back with another parser.

use super::{TrackerParams, tracker_filter, tracker_query};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::format;
use crate::html::HasPage;
use crate::i18n::Lang;
use crate::state::AppState;
use atom_syndication::{Entry, Feed, Link, Person, Text};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, FixedOffset, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use serde::Deserialize;
use tequio_domain::bodies::{SessionStatus, local_to_utc, parse_local};
use tequio_store::bodies::{self, Body, Session};
use tequio_store::calls::{self, Call};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendario.ics", get(calendar_all))
        .route("/organos/{name}/calendario.ics", get(calendar_body))
        .route("/convocatorias.atom", get(calls_feed))
        .route("/sesiones.atom", get(sessions_feed))
        .route("/acuerdos.atom", get(agreements_feed))
        .route("/organos/{name}/acuerdos.atom", get(body_agreements_feed))
}

/// Sessions in a calendar: every one, up to a bound no real set of bodies reaches.
const CALENDAR_SESSIONS: i64 = 20_000;
const FEED_ENTRIES: i64 = 100;

/// A local wall-clock time (`YYYY-MM-DDTHH:MM`) as a UTC instant.
fn utc(local: &str) -> Option<DateTime<Utc>> {
    let t = local_to_utc(parse_local(local)?);
    DateTime::from_timestamp(t.unix_timestamp(), 0)
}

/// A stored RFC 3339 time as chrono's.
fn stored(ts: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(ts).unwrap_or_default()
}

fn host(base_url: &str) -> &str {
    base_url
        .split("://")
        .nth(1)
        .unwrap_or(base_url)
        .split(['/', ':'])
        .next()
        .unwrap_or("tequio")
}

fn session_event(s: &Session, base_url: &str) -> Option<Event> {
    let start = utc(&s.starts_at)?;
    let end = utc(&s.ends_at).unwrap_or(start + chrono::Duration::hours(2));
    let mut e = Event::new();
    e.uid(&format!("sesion-{}@{}", s.id, host(base_url)))
        .summary(&format!(
            "{}: sesión {} {}",
            s.body_title,
            s.number,
            if s.kind == tequio_domain::bodies::SessionKind::Ordinary {
                "ordinaria"
            } else {
                "extraordinaria"
            }
        ))
        .description(&format!("Orden del día:\n{}", s.agenda))
        .starts(start)
        .ends(end)
        .timestamp(stored(&s.updated_at).with_timezone(&Utc))
        .url(&format!("{base_url}{}", s.path()));
    let place = match (s.place.is_empty(), s.online_url.is_empty()) {
        (false, false) => format!("{} · {}", s.place, s.online_url),
        (false, true) => s.place.clone(),
        (true, _) => s.online_url.clone(),
    };
    if !place.is_empty() {
        e.location(&place);
    }
    e.status(if s.status == SessionStatus::Cancelled {
        EventStatus::Cancelled
    } else {
        EventStatus::Confirmed
    });
    Some(e.done())
}

/// A call's closing time, as a short event at the deadline.
fn call_event(c: &Call, base_url: &str) -> Option<Event> {
    let close = utc(&c.closes_at)?;
    Some(
        Event::new()
            .uid(&format!("convocatoria-{}@{}", c.id, host(base_url)))
            .summary(&format!("Cierre de la convocatoria: {}", c.title))
            .description(&c.objective)
            .starts(close)
            .ends(close + chrono::Duration::minutes(30))
            .timestamp(stored(&c.created_at).with_timezone(&Utc))
            .url(&format!("{base_url}{}", c.path()))
            .done(),
    )
}

/// A training or promotion event.
fn event_event(e: &tequio_store::events::Event, base_url: &str) -> Option<Event> {
    let start = utc(&e.starts_at)?;
    let end = utc(&e.ends_at).unwrap_or(start + chrono::Duration::hours(2));
    let mut ev = Event::new();
    ev.uid(&format!("evento-{}@{}", e.id, host(base_url)))
        .summary(&e.title)
        .description(&format!("{}\n{}", e.audience, e.description))
        .starts(start)
        .ends(end)
        .timestamp(stored(&e.updated_at).with_timezone(&Utc))
        .url(&format!("{base_url}{}", e.path()));
    let place = if e.place.is_empty() {
        &e.online_url
    } else {
        &e.place
    };
    if !place.is_empty() {
        ev.location(place);
    }
    Some(ev.done())
}

/// An empty calendar that names Tequio as its maker (RFC 5545's PRODID), not the library.
fn calendar() -> Calendar {
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"))
        .append_property((
            "PRODID",
            concat!("-//Tequio//Tequio ", env!("CARGO_PKG_VERSION"), "//ES").as_ref(),
        ))
        .append_property(("CALSCALE", "GREGORIAN"));
    cal
}

fn ics(calendar: &Calendar, file: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file}\""),
            ),
        ],
        calendar.to_string(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct CalendarParams {
    tipo: Option<String>,
}

/// `GET /calendario.ics[?tipo=sesiones|convocatorias]`.
async fn calendar_all(
    State(state): State<AppState>,
    Query(p): Query<CalendarParams>,
) -> AppResult<Response> {
    let (sessions, calls, events) = match p.tipo.as_deref().unwrap_or("") {
        "" => (true, true, true),
        "sesiones" => (true, false, false),
        "convocatorias" => (false, true, false),
        "eventos" => (false, false, true),
        other => {
            return Err(AppError::BadRequest(format!(
                "tipo: «{other}»: usa sesiones, convocatorias o eventos"
            )));
        }
    };
    let base = &state.settings.base_url;
    let mut cal = calendar();
    cal.name("Tequio: órganos colegiados y convocatorias")
        .timezone(tequio_domain::bodies::TIME_ZONE);
    if sessions {
        for s in bodies::calendar(&state.db, None, CALENDAR_SESSIONS).await? {
            if let Some(e) = session_event(&s, base) {
                cal.push(e);
            }
        }
    }
    if calls {
        for c in calls::list(&state.db).await? {
            if let Some(e) = call_event(&c, base) {
                cal.push(e);
            }
        }
    }
    if events {
        for e in tequio_store::events::list(&state.db).await? {
            if let Some(e) = event_event(&e, base) {
                cal.push(e);
            }
        }
    }
    Ok(ics(&cal.done(), "tequio.ics"))
}

/// `GET /organos/{name}/calendario.ics`: one body's sessions and the calls that feed it.
async fn calendar_body(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let name = name.trim_end_matches(".ics");
    let b = Body::by_name(&state.db, name).await?;
    let base = &state.settings.base_url;
    let mut cal = calendar();
    cal.name(&b.title)
        .timezone(tequio_domain::bodies::TIME_ZONE);
    for s in bodies::calendar(&state.db, Some(b.id), CALENDAR_SESSIONS).await? {
        if let Some(e) = session_event(&s, base) {
            cal.push(e);
        }
    }
    for c in calls::list(&state.db).await? {
        if c.body_id == Some(b.id)
            && let Some(e) = call_event(&c, base)
        {
            cal.push(e);
        }
    }
    Ok(ics(&cal.done(), &format!("{}.ics", b.name)))
}

// ---------------------------------------------------------------------------------------------
// Atom

fn text(s: impl Into<String>) -> Text {
    Text {
        value: s.into(),
        ..Text::default()
    }
}

fn link(href: String) -> Link {
    Link {
        href,
        rel: "alternate".into(),
        mime_type: Some("text/html".into()),
        ..Link::default()
    }
}

fn entry(id: String, title: String, updated: &str, summary: String, href: String) -> Entry {
    Entry {
        id,
        title: text(title),
        updated: stored(updated),
        summary: Some(text(summary)),
        links: vec![link(href)],
        ..Entry::default()
    }
}

/// A feed in the reader's language, named after the portal.
fn atom(viewer: &Viewer, base_url: &str, path: &str, title: &str, entries: Vec<Entry>) -> Response {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or_default();
    let feed = Feed {
        id: format!("{base_url}{path}"),
        title: text(format!("{}: {title}", viewer.look.site_name)),
        updated,
        authors: vec![Person {
            name: viewer.look.site_name.clone(),
            ..Person::default()
        }],
        links: vec![Link {
            href: format!("{base_url}{path}"),
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Link::default()
        }],
        lang: Some(viewer.lang.code().into()),
        entries,
        ..Feed::default()
    };
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed.to_string(),
    )
        .into_response()
}

async fn calls_feed(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    let base = &state.settings.base_url;
    let lang = viewer.lang;
    let entries = calls::list(&state.db)
        .await?
        .into_iter()
        .take(usize::try_from(FEED_ENTRIES).unwrap_or(100))
        .map(|c| {
            let closes = format!(
                "{} {} ({})",
                lang.t("calls-closes"),
                format::wall_time(&c.closes_at, lang),
                format::zone(lang)
            );
            let places = lang.t_args("calls-places-count", &[("count", c.places.to_string())]);
            entry(
                format!("{base}{}", c.path()),
                c.title.clone(),
                &c.results_published_at
                    .clone()
                    .unwrap_or(c.created_at.clone()),
                format!("{} · {closes} · {places}", c.objective),
                format!("{base}{}", c.path()),
            )
        })
        .collect();
    let title = lang.t("calls-title");
    Ok(atom(&viewer, base, "/convocatorias.atom", &title, entries))
}

async fn sessions_feed(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    let base = &state.settings.base_url;
    let lang = viewer.lang;
    let entries = bodies::calendar(&state.db, None, FEED_ENTRIES)
        .await?
        .into_iter()
        .map(|s| {
            let heading = lang.t_args(
                "sessions-heading",
                &[
                    ("number", s.number.to_string()),
                    ("year", s.year.to_string()),
                ],
            );
            entry(
                format!("{base}{}", s.path()),
                format!("{}: {heading}", s.body_title),
                &s.updated_at,
                format!("{} · {}", format::wall_time(&s.starts_at, lang), s.agenda),
                format!("{base}{}", s.path()),
            )
        })
        .collect();
    let title = lang.t("feed-sessions-title");
    Ok(atom(&viewer, base, "/sesiones.atom", &title, entries))
}

/// Agreements as entries: their status, responsibles and due date in the reader's language.
fn agreement_entries(lang: Lang, base: &str, list: Vec<bodies::Agreement>) -> Vec<Entry> {
    list.into_iter()
        .map(|a| {
            let status = lang.t(&format!(
                "agreement-status-{}",
                a.status.as_str().replace('_', "-")
            ));
            let due = if a.due_on.is_empty() {
                "—".to_owned()
            } else {
                format::date(&a.due_on, lang)
            };
            entry(
                format!("{base}{}", a.path()),
                format!("{} ({status})", a.code),
                &a.status_changed_at,
                format!(
                    "{} · {}: {} · {}: {due}",
                    a.text,
                    lang.t("agreements-responsible"),
                    a.responsibles.join("; "),
                    lang.t("agreements-due"),
                ),
                format!("{base}{}", a.path()),
            )
        })
        .collect()
}

/// The tracker's agreements as a feed, with the tracker page's filters (`organo`, `estado`,
/// `vencidos`): a reader subscribes to exactly what the page showed.
async fn agreements_feed(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(params): Query<TrackerParams>,
) -> AppResult<Response> {
    let (mut filter, body, _) = tracker_filter(&state, &params).await?;
    filter.limit = FEED_ENTRIES;
    filter.offset = 0;
    let (_, list) = bodies::tracker(&state.db, &filter).await?;
    let base = &state.settings.base_url;
    let path = match tracker_query(&filter, body.as_ref()) {
        q if q.is_empty() => "/acuerdos.atom".to_owned(),
        q => format!("/acuerdos.atom?{q}"),
    };
    let title = viewer.lang.t("tracker-title");
    let entries = agreement_entries(viewer.lang, base, list);
    Ok(atom(&viewer, base, &path, &title, entries))
}

async fn body_agreements_feed(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let b = Body::by_name(&state.db, &name).await?;
    let base = &state.settings.base_url;
    let list = bodies::recent_agreements(&state.db, Some(b.id), FEED_ENTRIES).await?;
    let title = format!("{}: {}", b.title, viewer.lang.t("agreements-title"));
    let entries = agreement_entries(viewer.lang, base, list);
    Ok(atom(
        &viewer,
        base,
        &format!("/organos/{}/acuerdos.atom", b.name),
        &title,
        entries,
    ))
}
