//! The public registry of collaboration instruments (convenios, acuerdos de colaboración,
//! programas de acción, declaratorias). Admins register them, attach the signed document and
//! record an early termination.

use crate::attachments;
use crate::auth::Viewer;
use crate::clock::local_today;
use crate::error::AppResult;
use crate::html::HasPage;
use crate::html::{Ctx, Filled, Form, committed, render, render_status};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use tequio_domain::accounts::Action;
use tequio_domain::bodies::parse_date;
use tequio_domain::instruments::InstrumentKind;
use tequio_store::bodies::BodySummary;
use tequio_store::files::Attachment;
use tequio_store::instruments::{self as store, Instrument, InstrumentInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/instrumentos", get(list_page))
        .route("/instrumentos/nuevo", get(new_form).post(create))
        .route("/instrumentos/{name}", get(show))
        .route("/instrumentos/{name}/terminar", post(terminate))
}

pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/instrumentos/{name}/documento", post(add_document))
}

#[derive(Template)]
#[template(path = "instruments/list.html")]
struct ListPage {
    c: Ctx,
    instruments: Vec<Instrument>,
    can_create: bool,
}

async fn list_page(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    render(&ListPage {
        c: Ctx::new(&viewer, "/instrumentos"),
        instruments: store::list(&state.db, &local_today()).await?,
        can_create: viewer.actor.can(Action::ManageBodies),
    })
}

#[derive(Template)]
#[template(path = "instruments/form.html")]
struct FormPage {
    c: Ctx,
    f: Filled,
    errors: Vec<String>,
    kinds: &'static [InstrumentKind],
    bodies: Vec<BodySummary>,
}

async fn form_page(
    viewer: &Viewer,
    state: &AppState,
    f: Filled,
    errors: Vec<String>,
) -> AppResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &FormPage {
            c: Ctx::new(viewer, "/instrumentos/nuevo"),
            f,
            errors,
            kinds: InstrumentKind::ALL,
            bodies: tequio_store::bodies::list(&state.db, &local_today()).await?,
        },
    )
}

async fn new_form(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    viewer.require(Action::ManageBodies)?;
    form_page(&viewer, &state, Filled::default(), Vec::new()).await
}

async fn create(viewer: Viewer, State(state): State<AppState>, body: Bytes) -> AppResult<Response> {
    viewer.require(Action::ManageBodies)?;
    let f = Form::parse(&body);
    let mut errors = Vec::new();
    let title = f.get("title").to_owned();
    if title.is_empty() {
        errors.push(viewer.lang.t("instruments-title-needed"));
    }
    let name = match f.get("name") {
        "" => tequio_domain::text::slugify(&title)
            .chars()
            .take(90)
            .collect::<String>(),
        n => n.to_owned(),
    };
    if !tequio_domain::catalog::valid_name(&name) {
        errors.push(format!(
            "name: «{name}»: {}",
            viewer.lang.t("catalog-name-hint")
        ));
    }
    let kind = InstrumentKind::parse(f.get("kind"));
    if kind.is_none() {
        errors.push(format!("kind: «{}»", f.get("kind")));
    }
    for field in ["signed_on", "valid_until"] {
        let v = f.get(field);
        if (field == "signed_on" || !v.is_empty()) && parse_date(v).is_none() {
            errors.push(format!("{field}: «{v}» (AAAA-MM-DD)"));
        }
    }
    if !f.get("valid_until").is_empty() && f.get("valid_until") < f.get("signed_on") {
        errors.push(viewer.lang.t("instruments-validity-before-signing"));
    }
    let body_ids: Vec<i64> = f.all("bodies").filter_map(|v| v.parse().ok()).collect();
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return form_page(&viewer, &state, Filled::from_body(&body), errors).await;
    };
    let input = InstrumentInput {
        name,
        kind,
        title,
        objectives: f.raw("objectives").to_owned(),
        signed_on: f.get("signed_on").to_owned(),
        valid_until: f.get("valid_until").to_owned(),
        parties: f.raw("parties").lines().map(str::to_owned).collect(),
        body_ids,
    };
    let tx = state.db.begin().await?;
    let result = store::create(&tx, &viewer.who(), &input).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(_) => Ok(Redirect::to(&format!("/instrumentos/{}", input.name)).into_response()),
        Err(errors) => form_page(&viewer, &state, Filled::from_body(&body), errors).await,
    }
}

#[derive(Template)]
#[template(path = "instruments/show.html")]
struct ShowPage {
    c: Ctx,
    i: Instrument,
    objectives_html: String,
    documents: Vec<Attachment>,
    can_manage: bool,
    today: String,
    errors: Vec<String>,
}

async fn show(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let i = store::get(&state.db, &name, &local_today()).await?;
    show_page(&viewer, &state, i, Vec::new()).await
}

async fn show_page(
    viewer: &Viewer,
    state: &AppState,
    i: Instrument,
    errors: Vec<String>,
) -> AppResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &ShowPage {
            c: Ctx::new(viewer, &i.path()),
            objectives_html: crate::markdown::to_safe_html(&i.objectives),
            documents: tequio_store::files::attachments_of(&state.db, "instrument", &[i.id])
                .await?
                .remove(&i.id)
                .unwrap_or_default(),
            can_manage: viewer.actor.can(Action::ManageBodies),
            today: local_today(),
            errors,
            i,
        },
    )
}

async fn terminate(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    viewer.require(Action::ManageBodies)?;
    let i = store::get(&state.db, &name, &local_today()).await?;
    let f = Form::parse(&body);
    let on = f.get("terminated_on");
    if parse_date(on).is_none() {
        return show_page(
            &viewer,
            &state,
            i,
            vec![format!("terminated_on: «{on}» (AAAA-MM-DD)")],
        )
        .await;
    }
    let tx = state.db.begin().await?;
    let result = store::terminate(&tx, &viewer.who(), &i, on).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(()) => Ok(Redirect::to(&i.path()).into_response()),
        Err(errors) => show_page(&viewer, &state, i, errors).await,
    }
}

async fn add_document(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    viewer.require(Action::ManageBodies)?;
    let i = store::get(&state.db, &name, &local_today()).await?;
    match attachments::attach_document(&state, &viewer, form, "instrument", i.id).await? {
        Ok(()) => Ok(Redirect::to(&i.path()).into_response()),
        Err(message) => show_page(&viewer, &state, i, vec![message]).await,
    }
}
