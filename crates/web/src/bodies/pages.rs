//! Collegiate bodies: the list, a body's page (purpose, rules, members by sector, sessions,
//! agreements, documents), sessions (convening, attendance and quorum, minutes, agreements),
//! and the public agreement tracker. Admins create bodies; each body's technical secretary
//! (`RunBody`) runs it.

use super::{TrackerParams, tracker_filter, tracker_query};
use crate::attachments::{self, Upload};
use crate::auth::Viewer;
use crate::clock::{local_now, local_today};
use crate::error::{AppError, AppResult};
use crate::html::HasPage;
use crate::html::{Ctx, Filled, Form, committed, form_errors, render, render_status};
use crate::state::AppState;
use crate::upload::read_form;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use tequio_domain::accounts::{Action, Sector};
use tequio_domain::bodies::{
    AgreementInput, AgreementStatus, Attendance, BodyKind, MinutesStatus, QuorumRule, SeatPosition,
    SessionInput, SessionKind, Vote, parse_date,
};
use tequio_store::bodies::{
    self as store, AdhesionInput, AdhesionRequest, Agreement, AgreementUpdate, AttendanceRow, Body,
    BodyInput, BodySummary, Seat, SeatInput, Session, TrackerFilter,
};
use tequio_store::files::Attachment;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organos", get(list_page))
        .route("/organos/nuevo", get(new_form).post(create))
        .route("/organos/{name}", get(show))
        .route("/organos/{name}/editar", get(edit_form).post(update))
        .route("/organos/{name}/estado", post(set_status))
        .route("/organos/{name}/integrantes", post(add_seat))
        .route("/organos/{name}/integrantes/{seat}/baja", post(end_seat))
        .route(
            "/organos/{name}/adhesiones/{id}/decision",
            post(decide_adhesion),
        )
        .route(
            "/organos/{name}/sesiones/nueva",
            get(convene_form).post(convene),
        )
        .route(
            "/organos/{name}/sesiones/{year}/{number}",
            get(session_page),
        )
        .route(
            "/organos/{name}/sesiones/{year}/{number}/asistencia",
            post(record_attendance),
        )
        .route(
            "/organos/{name}/sesiones/{year}/{number}/acta",
            post(save_minutes),
        )
        .route(
            "/organos/{name}/sesiones/{year}/{number}/acta.md",
            get(minutes_file),
        )
        .route(
            "/organos/{name}/sesiones/{year}/{number}/acuerdos",
            post(adopt),
        )
        .route(
            "/organos/{name}/sesiones/{year}/{number}/aprobar-acta",
            post(approve_minutes),
        )
        .route("/acuerdos", get(tracker_page))
        .route("/acuerdos/{id}", get(agreement_page))
        .route("/adjuntos/{id}/{file}", get(attachments::download))
}

/// Forms that carry files.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route("/organos/{name}/documentos", post(add_document))
        .route("/organos/{name}/adhesiones", post(request_adhesion))
        .route("/acuerdos/{id}/seguimiento", post(follow_up))
}

fn may_run(viewer: &Viewer, body: &Body) -> bool {
    viewer.actor.can(Action::RunBody(body.id))
}

fn require_run(viewer: &Viewer, body: &Body) -> AppResult<()> {
    viewer.require(Action::RunBody(body.id))
}

fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

fn status_for(errors: &[String]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

// ---------------------------------------------------------------------------------------------
// The list

#[derive(Template)]
#[template(path = "bodies/list.html")]
struct ListPage {
    c: Ctx,
    bodies: Vec<BodySummary>,
    can_create: bool,
}

async fn list_page(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    render(&ListPage {
        c: Ctx::new(&viewer, "/organos"),
        bodies: store::list(&state.db, &local_today()).await?,
        can_create: viewer.actor.can(Action::ManageBodies),
    })
}

// ---------------------------------------------------------------------------------------------
// A body's page

#[derive(Template)]
#[template(path = "bodies/show.html")]
struct ShowPage {
    c: Ctx,
    b: Body,
    rules_html: String,
    parent: Option<Body>,
    children: Vec<Body>,
    seats: Vec<Seat>,
    /// (sector, seats) in the order of `Sector::ALL`, only sectors present.
    composition: Vec<(Sector, usize)>,
    sessions: Vec<Session>,
    agreements: Vec<Agreement>,
    agreements_total: i64,
    documents: Vec<Attachment>,
    today: String,
    can_run: bool,
    is_admin: bool,
    errors: Vec<String>,
    /// For the add-member form.
    organisations: Vec<(i64, String)>,
    subjects: Vec<(i64, String)>,
    sectors: &'static [Sector],
    positions: &'static [SeatPosition],
    signed_in: bool,
    /// Organisations the viewer may ask to join with (members of, not seated, none pending).
    my_organisations: Vec<(i64, String)>,
    /// The viewer's own requests, with their decisions.
    my_adhesions: Vec<AdhesionRequest>,
    /// For the secretary: every request, with its documents.
    adhesions: Vec<(AdhesionRequest, Vec<Attachment>)>,
}

impl ShowPage {
    fn composition_chart(&self) -> crate::charts::Chart {
        super::composition_chart(self.c.lang, &self.composition)
    }
}

async fn show(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let b = Body::by_name(&state.db, &name).await?;
    show_page(&viewer, &state, b, Vec::new()).await
}

async fn show_page(
    viewer: &Viewer,
    state: &AppState,
    b: Body,
    errors: Vec<String>,
) -> AppResult<Response> {
    let db = &state.db;
    let seats = store::seats(db, b.id).await?;
    let composition = Sector::ALL
        .iter()
        .map(|s| (*s, seats.iter().filter(|x| x.sector == *s).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    let today = local_today();
    let (agreements_total, agreements) = store::tracker(
        db,
        &TrackerFilter {
            body_id: Some(b.id),
            today: today.clone(),
            limit: 20,
            ..TrackerFilter::default()
        },
    )
    .await?;
    let can_run = may_run(viewer, &b);
    let (organisations, subjects) = if can_run {
        (
            tequio_store::accounts::list_organisations(db)
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect(),
            tequio_store::subjects::names(db).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let parent = match b.parent_id {
        Some(p) => Some(Body::by_id(db, p).await?),
        None => None,
    };
    let documents = tequio_store::files::attachments_of(db, "body", &[b.id])
        .await?
        .remove(&b.id)
        .unwrap_or_default();
    let requests = if b.accepts_members || can_run {
        store::adhesion_requests(db, b.id).await?
    } else {
        Vec::new()
    };
    let user_id = viewer.user.as_ref().map(|u| u.id);
    let my_adhesions: Vec<AdhesionRequest> = requests
        .iter()
        .filter(|r| Some(r.user_id) == user_id)
        .cloned()
        .collect();
    let my_organisations = may_join_for(viewer, state, &b, &seats, &requests).await?;
    let adhesions = if can_run {
        with_documents(state, requests).await?
    } else {
        Vec::new()
    };
    render_status(
        status_for(&errors),
        &ShowPage {
            c: Ctx::new(viewer, &format!("/organos/{}", b.name)),
            rules_html: crate::markdown::to_safe_html(&b.rules),
            children: b.children(db).await?,
            parent,
            sessions: store::sessions(db, b.id).await?,
            seats,
            composition,
            agreements,
            agreements_total,
            documents,
            today,
            can_run,
            is_admin: viewer.actor.can(Action::ManageBodies),
            errors,
            organisations,
            subjects,
            sectors: Sector::ALL,
            positions: SeatPosition::ALL,
            signed_in: viewer.user.is_some(),
            my_organisations,
            my_adhesions,
            adhesions,
            b,
        },
    )
}

/// The viewer's organisations that may ask to join the body: not seated, not already asking.
async fn may_join_for(
    viewer: &Viewer,
    state: &AppState,
    b: &Body,
    seats: &[Seat],
    requests: &[AdhesionRequest],
) -> AppResult<Vec<(i64, String)>> {
    let mut out = Vec::new();
    let Some(u) = viewer.user.as_ref().map(|u| u.id) else {
        return Ok(out);
    };
    if !b.accepts_members || !viewer.actor.can(Action::Participate) {
        return Ok(out);
    }
    for o in tequio_store::accounts::organisations_of(&state.db, u).await? {
        let seated = seats.iter().any(|s| s.organisation_id == Some(o.id));
        let pending = requests
            .iter()
            .any(|r| r.organisation_id == o.id && r.status == "pending");
        if !seated && !pending {
            out.push((o.id, o.name));
        }
    }
    Ok(out)
}

/// Requests to join with the documents each brought (one query for all of them).
async fn with_documents(
    state: &AppState,
    requests: Vec<AdhesionRequest>,
) -> AppResult<Vec<(AdhesionRequest, Vec<Attachment>)>> {
    let ids: Vec<i64> = requests.iter().map(|r| r.id).collect();
    let mut docs = tequio_store::files::attachments_of(&state.db, "adhesion", &ids).await?;
    Ok(requests
        .into_iter()
        .map(|r| {
            let d = docs.remove(&r.id).unwrap_or_default();
            (r, d)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Creating and editing a body

#[derive(Debug, Default, Clone)]
struct BodyFields {
    name: String,
    code: String,
    title: String,
    kind: String,
    purpose: String,
    rules: String,
    quorum_rule: String,
    notice_days: String,
    accepts_members: bool,
    adhesion_documents: String,
    parent_id: String,
    term_start: String,
    term_end: String,
}

impl BodyFields {
    fn from_form(f: &Form) -> BodyFields {
        BodyFields {
            name: f.get("name").to_owned(),
            code: f.get("code").to_owned(),
            title: f.get("title").to_owned(),
            kind: f.get("kind").to_owned(),
            purpose: f.get("purpose").to_owned(),
            rules: f.raw("rules").to_owned(),
            quorum_rule: f.get("quorum_rule").to_owned(),
            notice_days: f.get("notice_days").to_owned(),
            accepts_members: f.get("accepts_members") == "1",
            adhesion_documents: f.raw("adhesion_documents").to_owned(),
            parent_id: f.get("parent_id").to_owned(),
            term_start: f.get("term_start").to_owned(),
            term_end: f.get("term_end").to_owned(),
        }
    }

    fn from_body(b: &Body) -> BodyFields {
        BodyFields {
            name: b.name.clone(),
            code: b.code.clone(),
            title: b.title.clone(),
            kind: b.kind.as_str().to_owned(),
            purpose: b.purpose.clone(),
            rules: b.rules.clone(),
            quorum_rule: b.quorum_rule.as_str().to_owned(),
            notice_days: b.notice_days.to_string(),
            accepts_members: b.accepts_members,
            adhesion_documents: b.adhesion_documents.join("\n"),
            parent_id: b.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            term_start: b.term_start.clone(),
            term_end: b.term_end.clone(),
        }
    }

    /// Checks every field; all problems at once.
    fn input(&self, en: bool) -> Result<BodyInput, Vec<String>> {
        let mut errors = Vec::new();
        let msg = |es: String, en_text: String| if en { en_text } else { es };
        if self.title.is_empty() {
            errors.push(msg(
                "title: escribe el nombre del órgano".into(),
                "title: a name is required".into(),
            ));
        }
        let name = if self.name.is_empty() {
            tequio_domain::text::slugify(&self.title)
                .chars()
                .take(90)
                .collect::<String>()
        } else {
            self.name.clone()
        };
        if !tequio_domain::catalog::valid_name(&name) {
            errors.push(msg(
                format!(
                    "name: «{name}» no sirve: de 2 a 100 minúsculas sin acentos, números, - o _"
                ),
                format!("name: “{name}” is not valid: 2 to 100 lowercase letters, digits, - or _"),
            ));
        }
        let code = self.code.to_uppercase();
        if code.is_empty()
            || code.len() > 20
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            errors.push(msg(
                format!("code: «{code}» no sirve: de 1 a 20 letras, números o guiones (numera los acuerdos)"),
                format!("code: “{code}” is not valid: 1 to 20 letters, digits or hyphens (it numbers the agreements)"),
            ));
        }
        let kind = BodyKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(msg(
                "kind: elige el tipo de órgano".into(),
                "kind: choose a kind".into(),
            ));
        }
        let quorum_rule = QuorumRule::parse(&self.quorum_rule);
        if quorum_rule.is_none() {
            errors.push(msg(
                "quorum_rule: elige la regla de quórum".into(),
                "quorum_rule: choose a quorum rule".into(),
            ));
        }
        let notice_days = match self.notice_days.parse::<i64>() {
            Ok(n) if (0..=60).contains(&n) => n,
            _ => {
                errors.push(msg(
                    format!(
                        "notice_days: «{}» no es un número de días de 0 a 60",
                        self.notice_days
                    ),
                    format!(
                        "notice_days: “{}” is not a number of days from 0 to 60",
                        self.notice_days
                    ),
                ));
                0
            }
        };
        for (field, value) in [
            ("term_start", &self.term_start),
            ("term_end", &self.term_end),
        ] {
            if !value.is_empty() && parse_date(value).is_none() {
                errors.push(msg(
                    format!("{field}: «{value}» no es una fecha (AAAA-MM-DD)"),
                    format!("{field}: “{value}” is not a date (YYYY-MM-DD)"),
                ));
            }
        }
        let parent_id = match self.parent_id.as_str() {
            "" => None,
            p => match p.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(format!("parent_id: «{p}»"));
                    None
                }
            },
        };
        match (kind, quorum_rule) {
            (Some(kind), Some(quorum_rule)) if errors.is_empty() => Ok(BodyInput {
                name,
                code,
                title: self.title.clone(),
                kind,
                purpose: self.purpose.clone(),
                rules: self.rules.clone(),
                quorum_rule,
                notice_days,
                accepts_members: self.accepts_members,
                adhesion_documents: self.adhesion_documents.clone(),
                parent_id,
                subject_id: None,
                term_start: self.term_start.clone(),
                term_end: self.term_end.clone(),
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "bodies/form.html")]
struct FormPage {
    c: Ctx,
    heading: String,
    action: String,
    f: BodyFields,
    errors: Vec<String>,
    new: bool,
    kinds: &'static [BodyKind],
    rules: &'static [QuorumRule],
    parents: Vec<BodySummary>,
}

async fn form_page(
    viewer: &Viewer,
    state: &AppState,
    f: BodyFields,
    errors: Vec<String>,
    existing: Option<&str>,
) -> AppResult<Response> {
    let (heading, action) = match existing {
        Some(name) => (
            viewer.lang.t("bodies-edit"),
            format!("/organos/{name}/editar"),
        ),
        None => (viewer.lang.t("bodies-new"), "/organos/nuevo".to_owned()),
    };
    render_status(
        status_for(&errors),
        &FormPage {
            c: Ctx::new(viewer, &action),
            heading,
            action,
            f,
            errors,
            new: existing.is_none(),
            kinds: BodyKind::ALL,
            rules: QuorumRule::ALL,
            parents: store::list(&state.db, &local_today()).await?,
        },
    )
}

async fn new_form(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    viewer.require(Action::ManageBodies)?;
    let f = BodyFields {
        kind: BodyKind::WorkingGroup.as_str().into(),
        quorum_rule: QuorumRule::Majority.as_str().into(),
        notice_days: "5".into(),
        ..BodyFields::default()
    };
    form_page(&viewer, &state, f, Vec::new(), None).await
}

async fn create(viewer: Viewer, State(state): State<AppState>, body: Bytes) -> AppResult<Response> {
    viewer.require(Action::ManageBodies)?;
    let f = BodyFields::from_form(&Form::parse(&body));
    let input = match f.input(viewer.lang.code() == "en") {
        Ok(i) => i,
        Err(errors) => return form_page(&viewer, &state, f, errors, None).await,
    };
    let tx = state.db.begin().await?;
    let result = store::create(&tx, &viewer.who(), &input).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(_) => Ok(see_other(&format!("/organos/{}", input.name))),
        Err(errors) => form_page(&viewer, &state, f, errors, None).await,
    }
}

async fn edit_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let b = Body::by_name(&state.db, &name).await?;
    require_run(&viewer, &b)?;
    form_page(
        &viewer,
        &state,
        BodyFields::from_body(&b),
        Vec::new(),
        Some(&b.name),
    )
    .await
}

async fn update(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let b = Body::by_name(&state.db, &name).await?;
    require_run(&viewer, &b)?;
    let mut f = BodyFields::from_form(&Form::parse(&body));
    // The URL name and the code number agreements: they never change.
    f.name.clone_from(&b.name);
    f.code.clone_from(&b.code);
    let input = match f.input(viewer.lang.code() == "en") {
        Ok(i) => i,
        Err(errors) => return form_page(&viewer, &state, f, errors, Some(&b.name)).await,
    };
    let tx = state.db.begin().await?;
    store::update(&tx, &viewer.who(), b.id, &input).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/organos/{}", b.name)))
}

/// Dissolves a body or makes it active again (admins).
async fn set_status(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    viewer.require(Action::ManageBodies)?;
    let b = Body::by_name(&state.db, &name).await?;
    let f = Form::parse(&body);
    let status = tequio_domain::bodies::BodyStatus::parse(f.get("status"))
        .ok_or_else(|| AppError::BadRequest(format!("status: «{}»", f.get("status"))))?;
    let tx = state.db.begin().await?;
    store::set_status(&tx, &viewer.who(), &b, status).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/organos/{}", b.name)))
}

// ---------------------------------------------------------------------------------------------
// Members

async fn seat_input(
    state: &AppState,
    f: &Form,
    en: bool,
) -> AppResult<Result<SeatInput, Vec<String>>> {
    let mut errors = Vec::new();
    let msg = |es: &str, en_text: &str| {
        if en {
            en_text.to_owned()
        } else {
            es.to_owned()
        }
    };
    let (organisation_id, subject_id, holder_name, default_sector) = match f.get("holder") {
        h if h.starts_with("org:") => {
            let id = h[4..].parse::<i64>().unwrap_or(0);
            match tequio_store::accounts::get_organisation(&state.db, id).await? {
                Some(o) => (Some(o.id), None, o.name, Some(o.sector)),
                None => return Err(AppError::BadRequest(format!("holder: «{h}»"))),
            }
        }
        h if h.starts_with("subject:") => {
            let id = h[8..].parse::<i64>().unwrap_or(0);
            match tequio_store::subjects::get(&state.db, id).await? {
                Some(s) => (None, Some(s.id), s.name, Some(Sector::Government)),
                None => return Err(AppError::BadRequest(format!("holder: «{h}»"))),
            }
        }
        _ => {
            let name = f.get("holder_name");
            if name.is_empty() {
                errors.push(msg(
                    "holder: elige la organización o institución, o escribe el nombre de quien ocupa el lugar",
                    "holder: choose the organisation or institution, or write who holds the seat",
                ));
            }
            (None, None, name.to_owned(), None)
        }
    };
    let sector = match f.get("sector") {
        "" => default_sector,
        s => Sector::parse(s),
    };
    if sector.is_none() {
        errors.push(msg("sector: elige el sector", "sector: choose the sector"));
    }
    let position = SeatPosition::parse(f.get("position"));
    if position.is_none() {
        errors.push(msg(
            "position: elige el cargo",
            "position: choose the position",
        ));
    }
    if f.get("titular_name").is_empty() {
        errors.push(msg(
            "titular_name: escribe el nombre de la persona titular",
            "titular_name: write the titular person's name",
        ));
    }
    for field in ["titular_email", "alternate_email"] {
        let v = f.get(field);
        if !v.is_empty() && !tequio_domain::text::looks_like_email(v) {
            errors.push(format!("{field}: «{v}»"));
        }
    }
    let starts_on = match f.get("starts_on") {
        "" => local_today(),
        s if parse_date(s).is_some() => s.to_owned(),
        s => {
            errors.push(format!("starts_on: «{s}» (AAAA-MM-DD)"));
            String::new()
        }
    };
    match (sector, position) {
        (Some(sector), Some(position)) if errors.is_empty() => Ok(Ok(SeatInput {
            organisation_id,
            subject_id,
            user_id: None,
            holder_name,
            sector,
            position,
            titular_name: f.get("titular_name").to_owned(),
            titular_email: f.get("titular_email").to_owned(),
            alternate_name: f.get("alternate_name").to_owned(),
            alternate_email: f.get("alternate_email").to_owned(),
            starts_on,
            ends_on: f.get("ends_on").to_owned(),
            source: "direct",
        })),
        _ => Ok(Err(errors)),
    }
}

async fn add_seat(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let b = Body::by_name(&state.db, &name).await?;
    require_run(&viewer, &b)?;
    let f = Form::parse(&body);
    let input = match seat_input(&state, &f, viewer.lang.code() == "en").await? {
        Ok(i) => i,
        Err(errors) => return show_page(&viewer, &state, b, errors).await,
    };
    let tx = state.db.begin().await?;
    let result = store::add_seat(&tx, &viewer.who(), b.id, &input).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(_) => Ok(see_other(&format!("/organos/{}#integrantes", b.name))),
        Err(errors) => show_page(&viewer, &state, b, errors).await,
    }
}

async fn end_seat(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, seat)): Path<(String, i64)>,
) -> AppResult<Response> {
    let b = Body::by_name(&state.db, &name).await?;
    require_run(&viewer, &b)?;
    let tx = state.db.begin().await?;
    store::end_seat(&tx, &viewer.who(), b.id, seat).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/organos/{}#integrantes", b.name)))
}

async fn add_document(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let b = Body::by_name(&state.db, &name).await?;
    require_run(&viewer, &b)?;
    match attachments::attach_document(&state, &viewer, form, "body", b.id).await? {
        Ok(()) => Ok(see_other(&format!("/organos/{}#documentos", b.name))),
        Err(message) => show_page(&viewer, &state, b, vec![message]).await,
    }
}

async fn request_adhesion(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    viewer.require(Action::Participate)?;
    let b = Body::by_name(&state.db, &name).await?;
    let lang = viewer.lang.code();
    let data = read_form(form, attachments::MAX_ATTACHMENT_BYTES).await?;
    let organisation_id = data.text("organisation_id").parse::<i64>().map_err(|_| {
        AppError::BadRequest(format!(
            "organisation_id: «{}»",
            data.text("organisation_id")
        ))
    })?;
    let input = AdhesionInput {
        organisation_id,
        statement: data.text("statement").to_owned(),
        titular_name: data.text("titular_name").to_owned(),
        titular_email: data.text("titular_email").to_owned(),
        alternate_name: data.text("alternate_name").to_owned(),
        alternate_email: data.text("alternate_email").to_owned(),
    };
    let uploads =
        match attachments::store_documents(&state, lang, data.docs, &b.adhesion_documents).await? {
            Ok(u) => u,
            Err(errors) => return show_page(&viewer, &state, b, errors).await,
        };
    let stored: Vec<Upload> = uploads.iter().map(|(_, u)| u.clone()).collect();
    let saved = async {
        let tx = state.db.begin().await?;
        let id = store::request_adhesion(&tx, &viewer.who(), &b, &input, uploads.len()).await?;
        for (title, u) in &uploads {
            tequio_store::files::add_attachment(
                &tx,
                &viewer.who(),
                "adhesion",
                id,
                title,
                &u.file,
                u.media_type,
                false,
            )
            .await?;
        }
        tx.commit().await
    }
    .await;
    match saved {
        Ok(()) => Ok(see_other(&format!("/organos/{}#adhesion", b.name))),
        Err(e) => {
            attachments::forget(&state, &stored).await;
            let errors = form_errors(e.into(), viewer.lang)?;
            show_page(&viewer, &state, b, errors).await
        }
    }
}

async fn decide_adhesion(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, id)): Path<(String, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let b = Body::by_name(&state.db, &name).await?;
    require_run(&viewer, &b)?;
    let f = Form::parse(&body);
    let accept = match f.get("decision") {
        "accepted" => true,
        "rejected" => false,
        other => return Err(AppError::BadRequest(format!("decision: «{other}»"))),
    };
    let tx = state.db.begin().await?;
    let result = store::decide_adhesion(&tx, &viewer.who(), &b, id, accept, f.get("reason")).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(()) => Ok(see_other(&format!("/organos/{}#adhesion", b.name))),
        Err(errors) => show_page(&viewer, &state, b, errors).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions

#[derive(Template)]
#[template(path = "bodies/convene.html")]
struct ConvenePage {
    c: Ctx,
    b: Body,
    f: Filled,
    errors: Vec<String>,
    kinds: &'static [SessionKind],
}

async fn convene_page(
    viewer: &Viewer,
    b: Body,
    f: Filled,
    errors: Vec<String>,
) -> AppResult<Response> {
    render_status(
        status_for(&errors),
        &ConvenePage {
            c: Ctx::new(viewer, &format!("/organos/{}/sesiones/nueva", b.name)),
            b,
            f,
            errors,
            kinds: SessionKind::ALL,
        },
    )
}

async fn convene_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let b = Body::by_name(&state.db, &name).await?;
    require_run(&viewer, &b)?;
    let mut f = Filled::default();
    f.set("kind", "ordinary");
    convene_page(&viewer, b, f, Vec::new()).await
}

/// The invitation sent to each member's titular and alternate.
fn invitation(b: &Body, s: &Session, base_url: &str) -> (String, String) {
    let subject = format!(
        "Convocatoria: sesión {} {} de {}",
        s.number,
        if s.kind == SessionKind::Ordinary {
            "ordinaria"
        } else {
            "extraordinaria"
        },
        b.title
    );
    let mut body = format!(
        "Se le convoca a la sesión {} {} de {}.\n\nFecha y hora: {} (hora del centro de México)\n",
        s.number,
        if s.kind == SessionKind::Ordinary {
            "ordinaria"
        } else {
            "extraordinaria"
        },
        b.title,
        s.starts_at.replace('T', " ")
    );
    if !s.place.is_empty() {
        body.push_str(&format!("Lugar: {}\n", s.place));
    }
    if !s.online_url.is_empty() {
        body.push_str(&format!("En línea: {}\n", s.online_url));
    }
    body.push_str(&format!(
        "\nOrden del día:\n{}\n\nConsulte la sesión y agréguela a su calendario: {base_url}{}\n",
        s.agenda,
        s.path()
    ));
    (subject, body)
}

async fn convene(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let b = Body::by_name(&state.db, &name).await?;
    require_run(&viewer, &b)?;
    let f = Filled::from_body(&body);
    let get = |k: &str| f.v(k).to_owned();
    let input = SessionInput {
        kind: get("kind"),
        starts_at: get("starts_at"),
        ends_at: get("ends_at"),
        place: get("place"),
        online_url: get("online_url"),
        agenda: get("agenda"),
    };
    let lang = viewer.lang.code();
    let plan = match input.check(local_now(), b.notice_days) {
        Ok(p) => p,
        Err(errors) => {
            let errors = errors.iter().map(|e| e.message(lang)).collect();
            return convene_page(&viewer, b, f, errors).await;
        }
    };
    let tx = state.db.begin().await?;
    let session = store::convene(&tx, &viewer.who(), &b, &plan).await?;
    let (subject, text) = invitation(&b, &session, &state.settings.base_url);
    let mut queued = Vec::new();
    for seat in store::seats(&tx, b.id).await? {
        for to in [&seat.titular_email, &seat.alternate_email] {
            if !to.is_empty() {
                queued.push(crate::mail::queue(&state, &tx, to, &subject, &text).await?);
            }
        }
    }
    tx.commit().await?;
    for q in queued {
        crate::mail::deliver(&state, q);
    }
    Ok(see_other(&session.path()))
}

#[derive(Template)]
#[template(path = "bodies/session.html")]
struct SessionPage {
    c: Ctx,
    b: Body,
    s: Session,
    agenda_html: String,
    attendance: Vec<AttendanceRow>,
    agreements: Vec<Agreement>,
    minutes_html: String,
    votes: Vec<(String, Vote)>,
    /// Earlier sessions whose circulated minutes this one may approve.
    pending_minutes: Vec<Session>,
    approved_in: Option<Session>,
    seats: Vec<Seat>,
    can_run: bool,
    today: String,
    errors: Vec<String>,
    marks: &'static [Attendance],
    statuses: &'static [MinutesStatus],
}

async fn load_session(
    state: &AppState,
    name: &str,
    year: i64,
    number: i64,
) -> AppResult<(Body, Session)> {
    let b = Body::by_name(&state.db, name).await?;
    let s = Session::get(&state.db, b.id, year, number).await?;
    Ok((b, s))
}

impl SessionPage {
    /// For the secretary of a convened session: the members the invitation could not reach
    /// (no e-mail address for the titular or the alternate), to tell them another way.
    fn unnotified(&self) -> Vec<String> {
        if self.s.status != tequio_domain::bodies::SessionStatus::Convened {
            return Vec::new();
        }
        self.seats
            .iter()
            .filter(|seat| seat.titular_email.is_empty() && seat.alternate_email.is_empty())
            .map(|seat| format!("{} ({})", seat.holder_name, seat.titular_name))
            .collect()
    }
}

async fn session_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, year, number)): Path<(String, i64, i64)>,
) -> AppResult<Response> {
    let (b, s) = load_session(&state, &name, year, number).await?;
    show_session(&viewer, &state, b, s, Vec::new()).await
}

async fn show_session(
    viewer: &Viewer,
    state: &AppState,
    b: Body,
    s: Session,
    errors: Vec<String>,
) -> AppResult<Response> {
    let db = &state.db;
    let can_run = may_run(viewer, &b);
    let minutes_public = s.minutes_status == MinutesStatus::Approved;
    let pending_minutes = if can_run && s.can_adopt() {
        store::sessions(db, b.id)
            .await?
            .into_iter()
            .filter(|x| x.minutes_status == MinutesStatus::Circulated && x.starts_at < s.starts_at)
            .collect()
    } else {
        Vec::new()
    };
    let approved_in = match s.minutes_approved_in {
        Some(id) => Some(Session::by_id(db, id).await?),
        None => None,
    };
    render_status(
        status_for(&errors),
        &SessionPage {
            c: Ctx::new(viewer, &s.path()),
            agenda_html: crate::markdown::to_safe_html(&s.agenda),
            attendance: store::attendance(db, &s).await?,
            agreements: store::agreements_of_session(db, s.id).await?,
            minutes_html: if minutes_public || can_run {
                crate::markdown::to_safe_html(&s.minutes)
            } else {
                String::new()
            },
            votes: if minutes_public {
                store::minutes_votes(db, s.id).await?
            } else {
                Vec::new()
            },
            pending_minutes,
            approved_in,
            seats: if can_run {
                store::seats(db, b.id).await?
            } else {
                Vec::new()
            },
            can_run,
            today: local_today(),
            errors,
            marks: Attendance::ALL,
            statuses: &[MinutesStatus::Draft, MinutesStatus::Circulated],
            b,
            s,
        },
    )
}

async fn record_attendance(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, year, number)): Path<(String, i64, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let (b, s) = load_session(&state, &name, year, number).await?;
    require_run(&viewer, &b)?;
    let f = Form::parse(&body);
    let mut marks = HashMap::new();
    for (seat, value) in f.with_prefix("seat_") {
        let seat: i64 = seat
            .parse()
            .map_err(|_| AppError::BadRequest(format!("seat_{seat}")))?;
        let mark = Attendance::parse(value)
            .ok_or_else(|| AppError::BadRequest(format!("seat_{seat}: «{value}»")))?;
        marks.insert(seat, mark);
    }
    let tx = state.db.begin().await?;
    let result = store::record_attendance(&tx, &viewer.who(), &b, &s, &marks).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(_) => Ok(see_other(&format!("{}#asistencia", s.path()))),
        Err(errors) => show_session(&viewer, &state, b, s, errors).await,
    }
}

async fn save_minutes(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, year, number)): Path<(String, i64, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let (b, s) = load_session(&state, &name, year, number).await?;
    require_run(&viewer, &b)?;
    let f = Form::parse(&body);
    let status = MinutesStatus::parse(f.get("status"))
        .ok_or_else(|| AppError::BadRequest(format!("status: «{}»", f.get("status"))))?;
    let tx = state.db.begin().await?;
    let result = store::save_minutes(&tx, &viewer.who(), &s, f.raw("minutes"), status).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(()) => Ok(see_other(&format!("{}#acta", s.path()))),
        Err(errors) => show_session(&viewer, &state, b, s, errors).await,
    }
}

/// The approved minutes as a Markdown file.
async fn minutes_file(
    State(state): State<AppState>,
    Path((name, year, number)): Path<(String, i64, i64)>,
) -> AppResult<Response> {
    let (b, s) = load_session(&state, &name, year, number).await?;
    if s.minutes_status != MinutesStatus::Approved {
        return Err(AppError::NotFound);
    }
    let text = format!(
        "# Acta de la sesión {}/{} de {}\n\nFecha: {}\n\n{}\n",
        s.year,
        s.number,
        b.title,
        s.starts_at.replace('T', " "),
        s.minutes
    );
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_owned(),
            ),
            crate::http::attachment(&format!("acta_{}_{}_{}.md", b.name, s.year, s.number)),
        ],
        text,
    )
        .into_response())
}

async fn adopt(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, year, number)): Path<(String, i64, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let (b, s) = load_session(&state, &name, year, number).await?;
    require_run(&viewer, &b)?;
    let f = Form::parse(&body);
    let input = AgreementInput {
        text: f.get("text").to_owned(),
        responsible_seats: f
            .all("responsible")
            .filter_map(|v| v.parse().ok())
            .collect(),
        responsible_others: f
            .get("responsible_others")
            .split([';', '\n'])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect(),
        due_on: f.get("due_on").to_owned(),
    };
    if let Err(errors) = input.check() {
        let lang = viewer.lang.code();
        let errors = errors.iter().map(|e| e.message(lang)).collect();
        return show_session(&viewer, &state, b, s, errors).await;
    }
    let tx = state.db.begin().await?;
    let result = store::adopt(&tx, &viewer.who(), &b, &s, &input).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(_) => Ok(see_other(&format!("{}#acuerdos", s.path()))),
        Err(errors) => show_session(&viewer, &state, b, s, errors).await,
    }
}

async fn approve_minutes(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, year, number)): Path<(String, i64, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let (b, approving) = load_session(&state, &name, year, number).await?;
    require_run(&viewer, &b)?;
    let f = Form::parse(&body);
    let earlier_id: i64 = f
        .get("session_id")
        .parse()
        .map_err(|_| AppError::BadRequest(format!("session_id: «{}»", f.get("session_id"))))?;
    let earlier = Session::by_id(&state.db, earlier_id).await?;
    let mut votes = HashMap::new();
    for (seat, value) in f.with_prefix("vote_") {
        if value.is_empty() {
            continue;
        }
        let seat: i64 = seat
            .parse()
            .map_err(|_| AppError::BadRequest(format!("vote_{seat}")))?;
        let vote = Vote::parse(value)
            .ok_or_else(|| AppError::BadRequest(format!("vote_{seat}: «{value}»")))?;
        votes.insert(seat, vote);
    }
    let tx = state.db.begin().await?;
    let result = store::approve_minutes(&tx, &viewer.who(), &earlier, &approving, &votes).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(()) => Ok(see_other(&earlier.path())),
        Err(errors) => show_session(&viewer, &state, b, approving, errors).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Agreements

#[derive(Template)]
#[template(path = "bodies/tracker.html")]
struct TrackerPage {
    c: Ctx,
    agreements: Vec<Agreement>,
    total: i64,
    bodies: Vec<BodySummary>,
    body_name: String,
    status: String,
    overdue: bool,
    today: String,
    query: String,
    pager: crate::listing::Pager,
    statuses: &'static [AgreementStatus],
    chart: crate::charts::Chart,
}

async fn tracker_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(p): Query<TrackerParams>,
) -> AppResult<Response> {
    let (filter, body, page) = tracker_filter(&state, &p).await?;
    let (total, agreements) = store::tracker(&state.db, &filter).await?;
    let query = tracker_query(&filter, body.as_ref());
    render(&TrackerPage {
        c: Ctx::new(&viewer, &format!("/acuerdos?{query}")),
        total,
        bodies: store::list(&state.db, &filter.today).await?,
        body_name: body.map(|b| b.name).unwrap_or_default(),
        status: filter
            .status
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        overdue: filter.overdue,
        pager: crate::listing::Pager::new(
            page,
            (total + filter.limit - 1) / filter.limit,
            &format!("/acuerdos?{query}"),
            "pagina",
        ),
        today: filter.today,
        agreements,
        query,
        statuses: AgreementStatus::ALL,
        chart: super::agreements_chart(viewer.lang, &store::agreement_counts(&state.db).await?),
    })
}

#[derive(Template)]
#[template(path = "bodies/agreement.html")]
struct AgreementPage {
    c: Ctx,
    a: Agreement,
    updates: Vec<AgreementUpdate>,
    can_run: bool,
    today: String,
    errors: Vec<String>,
    statuses: &'static [AgreementStatus],
}

async fn agreement_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let a = Agreement::get(&state.db, id).await?;
    show_agreement(&viewer, &state, a, Vec::new()).await
}

async fn show_agreement(
    viewer: &Viewer,
    state: &AppState,
    a: Agreement,
    errors: Vec<String>,
) -> AppResult<Response> {
    render_status(
        status_for(&errors),
        &AgreementPage {
            c: Ctx::new(viewer, &a.path()),
            updates: store::follow_ups(&state.db, a.id).await?,
            can_run: viewer.actor.can(Action::RunBody(a.body_id)),
            today: local_today(),
            errors,
            statuses: AgreementStatus::ALL,
            a,
        },
    )
}

async fn follow_up(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: Multipart,
) -> AppResult<Response> {
    let a = Agreement::get(&state.db, id).await?;
    viewer.require(Action::RunBody(a.body_id))?;
    let lang = viewer.lang.code();
    let data = read_form(form, attachments::MAX_ATTACHMENT_BYTES).await?;
    let status = AgreementStatus::parse(data.text("status"))
        .ok_or_else(|| AppError::BadRequest(format!("status: «{}»", data.text("status"))))?;
    let note = data.text("note").to_owned();
    let title = data.text("evidence_title").to_owned();
    let upload: Option<Upload> = match attachments::store(&state, lang, data.file).await? {
        Ok(u) => u,
        Err(message) => return show_agreement(&viewer, &state, a, vec![message]).await,
    };
    let saved = async {
        let tx = state.db.begin().await?;
        let update =
            store::follow_up(&tx, &viewer.who(), &a, status, &note, upload.is_some()).await?;
        if let Some(u) = &upload {
            let title = if title.is_empty() {
                u.file.name.clone()
            } else {
                title.clone()
            };
            tequio_store::files::add_attachment(
                &tx,
                &viewer.who(),
                "agreement_update",
                update,
                &title,
                &u.file,
                u.media_type,
                true,
            )
            .await?;
        }
        tx.commit().await
    }
    .await;
    match saved {
        Ok(()) => Ok(see_other(&a.path())),
        Err(e) => {
            if let Some(u) = upload {
                attachments::forget(&state, &[u]).await;
            }
            let errors = form_errors(e.into(), viewer.lang)?;
            show_agreement(&viewer, &state, a, errors).await
        }
    }
}
