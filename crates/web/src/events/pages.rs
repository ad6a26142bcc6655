//! Training and promotion events (capacitaciones, foros, talleres, sesiones informativas):
//! the list, an event's page with registration and its waiting list, attendance recorded by
//! the organisers, materials, and attendance certificates anyone can verify by their code.
//! Organising is for admins (the guarantor trains the obligated subjects).

use crate::attachments;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::html::HasPage;
use crate::html::{Ctx, Filled, Form, committed, form_errors, render, render_status};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tequio_domain::accounts::Action;
use tequio_domain::bodies::parse_local;
use tequio_domain::events::{EventKind, certificate_code, normalise_code};
use tequio_store::events::{self as store, Certificate, Event, EventInput, Registration};
use tequio_store::files::Attachment;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/eventos", get(list_page))
        .route("/eventos/nuevo", get(new_form).post(create))
        .route("/eventos/{name}", get(show))
        .route("/eventos/{name}/registro", post(register))
        .route("/eventos/{name}/cancelar", post(cancel))
        .route("/eventos/{name}/asistencia", post(attendance))
        .route("/constancias", get(verify_form))
        .route("/constancias/{code}", get(certificate_page))
}

pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/eventos/{name}/materiales", post(add_material))
}

fn status_for(errors: &[String]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

#[derive(Template)]
#[template(path = "events/list.html")]
struct ListPage {
    c: Ctx,
    events: Vec<Event>,
    can_create: bool,
}

async fn list_page(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    render(&ListPage {
        c: Ctx::new(&viewer, "/eventos"),
        events: store::list(&state.db).await?,
        can_create: viewer.actor.can(Action::ManageBodies),
    })
}

#[derive(Template)]
#[template(path = "events/form.html")]
struct FormPage {
    c: Ctx,
    f: Filled,
    errors: Vec<String>,
    kinds: &'static [EventKind],
}

async fn new_form(viewer: Viewer) -> AppResult<Response> {
    viewer.require(Action::ManageBodies)?;
    let mut f = Filled::default();
    f.set("kind", "training");
    f.set("capacity", "30");
    f.set("hours", "2");
    render(&FormPage {
        c: Ctx::new(&viewer, "/eventos/nuevo"),
        f,
        errors: Vec::new(),
        kinds: EventKind::ALL,
    })
}

fn event_input(f: &Form, en: bool) -> Result<EventInput, Vec<String>> {
    let mut errors = Vec::new();
    let msg = |es: String, en_text: String| if en { en_text } else { es };
    let title = f.get("title").to_owned();
    if title.is_empty() {
        errors.push(msg(
            "title: escribe el nombre del evento".into(),
            "title: a title is required".into(),
        ));
    }
    let name = match f.get("name") {
        "" => tequio_domain::text::slugify(&title)
            .chars()
            .take(90)
            .collect::<String>(),
        n => n.to_owned(),
    };
    if !tequio_domain::catalog::valid_name(&name) {
        errors.push(format!("name: «{name}»"));
    }
    let kind = EventKind::parse(f.get("kind"));
    if kind.is_none() {
        errors.push(msg(
            "kind: elige el tipo de evento".into(),
            "kind: choose a kind".into(),
        ));
    }
    let starts = parse_local(f.get("starts_at"));
    if starts.is_none() {
        errors.push(msg(
            format!(
                "starts_at: «{}» no es una fecha y hora (AAAA-MM-DDTHH:MM)",
                f.get("starts_at")
            ),
            format!(
                "starts_at: “{}” is not a date and time (YYYY-MM-DDTHH:MM)",
                f.get("starts_at")
            ),
        ));
    }
    let ends = match f.get("ends_at") {
        "" => None,
        s => match parse_local(s) {
            Some(e) if starts.is_none_or(|st| e > st) => Some(e),
            _ => {
                errors.push(msg(
                    format!("ends_at: «{s}» debe ser después del inicio"),
                    format!("ends_at: “{s}” must come after the start"),
                ));
                None
            }
        },
    };
    let online_url = f.get("online_url").to_owned();
    if !online_url.is_empty()
        && let Err(e) = tequio_domain::catalog::check_web_url(&online_url, "online_url")
    {
        errors.push(e.message(if en { "en" } else { "es" }));
    }
    if f.get("place").is_empty() && online_url.is_empty() {
        errors.push(msg(
            "place: escribe el lugar o el enlace".into(),
            "place: give a place or a link".into(),
        ));
    }
    let number = |field: &str, max: i64, errors: &mut Vec<String>| match f.get(field).parse::<i64>()
    {
        Ok(n) if (0..=max).contains(&n) => n,
        _ => {
            errors.push(format!("{field}: «{}» (0–{max})", f.get(field)));
            0
        }
    };
    let capacity = number("capacity", 100_000, &mut errors);
    let hours = number("hours", 1000, &mut errors);
    if capacity == 0 {
        errors.push(msg(
            "capacity: el cupo debe ser de al menos 1".into(),
            "capacity: at least 1 place".into(),
        ));
    }
    match (kind, starts) {
        (Some(kind), Some(starts)) if errors.is_empty() => Ok(EventInput {
            name,
            kind,
            title,
            description: f.raw("description").to_owned(),
            audience: f.get("audience").to_owned(),
            starts_at: tequio_domain::bodies::format_local(starts),
            ends_at: ends
                .map(tequio_domain::bodies::format_local)
                .unwrap_or_default(),
            place: f.get("place").to_owned(),
            online_url,
            capacity,
            hours,
        }),
        _ => Err(errors),
    }
}

async fn create(viewer: Viewer, State(state): State<AppState>, body: Bytes) -> AppResult<Response> {
    viewer.require(Action::ManageBodies)?;
    let form = Form::parse(&body);
    let again = |errors: Vec<String>| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &FormPage {
                c: Ctx::new(&viewer, "/eventos/nuevo"),
                f: Filled::from_body(&body),
                errors,
                kinds: EventKind::ALL,
            },
        )
    };
    let input = match event_input(&form, viewer.lang.code() == "en") {
        Ok(i) => i,
        Err(errors) => return again(errors),
    };
    let tx = state.db.begin().await?;
    match store::create(&tx, &viewer.who(), &input).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/eventos/{}", input.name)).into_response())
        }
        Err(e) => {
            drop(tx);
            again(form_errors(e.into(), viewer.lang)?)
        }
    }
}

#[derive(Template)]
#[template(path = "events/show.html")]
struct ShowPage {
    c: Ctx,
    e: Event,
    description_html: String,
    materials: Vec<Attachment>,
    mine: Option<Registration>,
    signed_in: bool,
    /// Signed in and without a live registration.
    can_register: bool,
    /// Over: registrations are closed.
    concluded: bool,
    can_manage: bool,
    registrations: Vec<Registration>,
    errors: Vec<String>,
    /// A refused registration's fields, as typed.
    f: Filled,
}

async fn show(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let e = Event::by_name(&state.db, &name).await?;
    show_page(&viewer, &state, e, Vec::new()).await
}

async fn show_page(
    viewer: &Viewer,
    state: &AppState,
    e: Event,
    errors: Vec<String>,
) -> AppResult<Response> {
    show_page_with(viewer, state, e, errors, Filled::default()).await
}

/// The event's page with a refused registration's fields filled in again as they were typed.
async fn show_page_with(
    viewer: &Viewer,
    state: &AppState,
    e: Event,
    errors: Vec<String>,
    f: Filled,
) -> AppResult<Response> {
    let db = &state.db;
    let can_manage = viewer.actor.can(Action::ManageBodies);
    let mine = match viewer.user.as_ref() {
        Some(u) => store::registrations_of_user(db, u.id).await?.remove(&e.id),
        None => None,
    };
    render_status(
        status_for(&errors),
        &ShowPage {
            c: Ctx::new(viewer, &e.path()),
            description_html: crate::markdown::to_safe_html(&e.description),
            materials: tequio_store::files::attachments_of(db, "event", &[e.id])
                .await?
                .remove(&e.id)
                .unwrap_or_default(),
            can_register: viewer.user.is_some()
                && mine.as_ref().is_none_or(|r| {
                    r.status == tequio_domain::events::RegistrationStatus::Cancelled
                }),
            mine,
            concluded: concluded(&e),
            signed_in: viewer.user.is_some(),
            registrations: if can_manage {
                store::registrations(db, e.id).await?
            } else {
                Vec::new()
            },
            can_manage,
            errors,
            f,
            e,
        },
    )
}

/// Whether the event is over by Mexico's clock (it then takes no registrations).
fn concluded(e: &Event) -> bool {
    let now = tequio_domain::bodies::format_local(crate::clock::local_now());
    tequio_domain::events::has_concluded(&e.starts_at, &e.ends_at, &now)
}

async fn register(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    viewer.require(Action::Participate)?;
    let e = Event::by_name(&state.db, &name).await?;
    if concluded(&e) {
        let errors = vec![viewer.lang.t("events-concluded")];
        return show_page(&viewer, &state, e, errors).await;
    }
    let f = Form::parse(&body);
    let tx = state.db.begin().await?;
    match store::register(
        &tx,
        &viewer.who(),
        &e,
        f.get("full_name"),
        f.get("institution"),
    )
    .await
    {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("{}#registro", e.path())).into_response())
        }
        Err(err) => {
            drop(tx);
            let errors = form_errors(err.into(), viewer.lang)?;
            show_page_with(&viewer, &state, e, errors, Filled::from_body(&body)).await
        }
    }
}

async fn cancel(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    viewer.require(Action::Participate)?;
    let e = Event::by_name(&state.db, &name).await?;
    let tx = state.db.begin().await?;
    let result = store::cancel(&tx, &viewer.who(), &e).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(()) => Ok(Redirect::to(&format!("{}#registro", e.path())).into_response()),
        Err(errors) => show_page(&viewer, &state, e, errors).await,
    }
}

/// A fresh certificate code from the operating system's randomness.
fn new_code() -> AppResult<String> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(certificate_code(&bytes))
}

async fn attendance(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    viewer.require(Action::ManageBodies)?;
    let e = Event::by_name(&state.db, &name).await?;
    let f = Form::parse(&body);
    let attended: Vec<i64> = f
        .all("attended")
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| AppError::BadRequest(format!("attended: «{v}»")))
        })
        .collect::<AppResult<_>>()?;
    let codes = (0..attended.len())
        .map(|_| new_code())
        .collect::<AppResult<Vec<_>>>()?;
    let tx = state.db.begin().await?;
    let result = store::record_attendance(&tx, &viewer.who(), &e, &attended, codes).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(_) => Ok(Redirect::to(&format!("{}#asistencia", e.path())).into_response()),
        Err(errors) => show_page(&viewer, &state, e, errors).await,
    }
}

async fn add_material(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    viewer.require(Action::ManageBodies)?;
    let e = Event::by_name(&state.db, &name).await?;
    match attachments::attach_document(&state, &viewer, form, "event", e.id).await? {
        Ok(()) => Ok(Redirect::to(&format!("{}#materiales", e.path())).into_response()),
        Err(message) => show_page(&viewer, &state, e, vec![message]).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Certificates

#[derive(Deserialize)]
struct VerifyParams {
    codigo: Option<String>,
}

#[derive(Template)]
#[template(path = "events/certificate.html")]
struct CertificatePage {
    c: Ctx,
    code: String,
    found: Option<Certificate>,
}

impl CertificatePage {
    /// Where anyone checks this certificate: the address printed on it and in its QR code.
    fn verify_url(&self) -> String {
        format!("{}/constancias/{}", self.c.site_url, self.code)
    }

    /// The verification address as a QR code, an SVG drawn with attributes only (the
    /// Content-Security-Policy refuses inline styles).
    fn qr_svg(&self) -> String {
        use qrcode::render::svg;
        match qrcode::QrCode::new(self.verify_url().as_bytes()) {
            Ok(code) => {
                let svg = code
                    .render::<svg::Color<'_>>()
                    .min_dimensions(160, 160)
                    .quiet_zone(true)
                    .build();
                // The picture goes inside the page: its XML declaration does not.
                svg.find("<svg")
                    .map_or(svg.clone(), |i| svg[i..].to_owned())
            }
            Err(_) => String::new(),
        }
    }
}

/// `GET /constancias[?codigo=…]`: the form, or straight to the code's page.
async fn verify_form(viewer: Viewer, Query(p): Query<VerifyParams>) -> AppResult<Response> {
    match p
        .codigo
        .as_deref()
        .map(normalise_code)
        .filter(|c| !c.is_empty())
    {
        Some(code) => Ok(
            Redirect::to(&format!("/constancias/{}", crate::html::url_encode(&code)))
                .into_response(),
        ),
        None => render(&CertificatePage {
            c: Ctx::new(&viewer, "/constancias"),
            code: String::new(),
            found: None,
        }),
    }
}

/// `GET /constancias/{code}`: what the certificate attests, or a 404 that says the code does
/// not exist.
async fn certificate_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let code = normalise_code(&code);
    let found = match store::certificate(&state.db, &code).await {
        Ok(c) => Some(c),
        Err(tequio_store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    render_status(
        status,
        &CertificatePage {
            c: Ctx::new(&viewer, &format!("/constancias/{code}")),
            code,
            found,
        },
    )
}
