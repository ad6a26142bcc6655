//! Topic portals (transparencia proactiva y focalizada): the list, a portal, and the forms of
//! admins (any portal) and subject editors (their subject's portals).

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::html::{Ctx, form_errors, render, render_status};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use std::collections::HashMap;
use tequio_domain::accounts::Action;
use tequio_store::topics::{self as store, Topic, TopicInput, TopicLink};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portales", get(list_page))
        .route("/portales/nuevo", get(new_form).post(create))
        .route("/portales/{name}", get(show))
        .route("/portales/{name}/editar", get(edit_form).post(update))
}

#[derive(Template)]
#[template(path = "topics/list.html")]
struct ListPage {
    c: Ctx,
    topics: Vec<Topic>,
    can_create: bool,
}

async fn list_page(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    render(&ListPage {
        c: Ctx::new(&viewer, "/portales"),
        topics: store::list(&state.db).await?,
        can_create: viewer.user.is_some() && !editable_subjects(&viewer).is_empty()
            || viewer.is_admin(),
    })
}

#[derive(Template)]
#[template(path = "topics/show.html")]
struct ShowPage {
    c: Ctx,
    t: Topic,
    body_html: String,
    can_edit: bool,
}

fn may_edit(viewer: &Viewer, subject_id: Option<i64>) -> bool {
    match subject_id {
        Some(s) => viewer.actor.can(Action::PublishForSubject(s)),
        None => viewer.actor.can(Action::ManageFramework),
    }
}

async fn show(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let t = store::get(&state.db, &name).await?;
    render(&ShowPage {
        c: Ctx::new(&viewer, &format!("/portales/{}", t.name)),
        body_html: crate::markdown::to_safe_html(&t.body),
        can_edit: may_edit(&viewer, t.subject_id),
        t,
    })
}

/// The form's fields as typed; links one per line.
#[derive(Debug, Default, Clone)]
struct TopicFields {
    name: String,
    title: String,
    audience: String,
    problem: String,
    body: String,
    subject_id: String,
    datasets: String,
    publications: String,
    documents: String,
}

impl TopicFields {
    fn from_body(body: &[u8]) -> TopicFields {
        let f: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        TopicFields {
            name: get("name"),
            title: get("title"),
            audience: get("audience"),
            problem: get("problem"),
            body: get("body"),
            subject_id: get("subject_id"),
            datasets: get("datasets"),
            publications: get("publications"),
            documents: get("documents"),
        }
    }

    fn from_topic(t: &Topic) -> TopicFields {
        let mut f = TopicFields {
            name: t.name.clone(),
            title: t.title.clone(),
            audience: t.audience.clone(),
            problem: t.problem.clone(),
            body: t.body.clone(),
            subject_id: t.subject_id.map(|s| s.to_string()).unwrap_or_default(),
            ..TopicFields::default()
        };
        let mut datasets = Vec::new();
        let mut publications = Vec::new();
        let mut documents = Vec::new();
        for l in &t.links {
            match l {
                TopicLink::Dataset { name, .. } => datasets.push(name.clone()),
                TopicLink::Publication { id, .. } => publications.push(id.to_string()),
                TopicLink::Document { title, url } => documents.push(format!("{title} | {url}")),
            }
        }
        f.datasets = datasets.join("\n");
        f.publications = publications.join("\n");
        f.documents = documents.join("\n");
        f
    }

    /// Checks the fields; every problem at once, in the viewer's language.
    fn input(&self, lang: &str) -> Result<TopicInput, Vec<String>> {
        let en = lang == "en";
        let mut errors = Vec::new();
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            errors.push(if en {
                "title: a title is required".into()
            } else {
                "title: escribe un título".into()
            });
        }
        let name = if self.name.trim().is_empty() {
            tequio_domain::text::slugify(&title)
                .chars()
                .take(90)
                .collect::<String>()
        } else {
            self.name.trim().to_owned()
        };
        if !tequio_domain::catalog::valid_name(&name) {
            errors.push(if en {
                format!("name: “{name}” is not valid: 2 to 100 lowercase letters, digits, - or _")
            } else {
                format!(
                    "name: «{name}» no sirve: de 2 a 100 minúsculas sin acentos, números, - o _"
                )
            });
        }
        if self.body.chars().count() > 100_000 {
            errors.push(if en {
                "body: longer than 100,000 characters".into()
            } else {
                "body: pasa de 100 000 caracteres".into()
            });
        }
        let subject_id = match self.subject_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(format!("subject_id: «{s}»"));
                    None
                }
            },
        };
        let lines = |s: &str| -> Vec<String> {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let mut publications = Vec::new();
        for (i, l) in lines(&self.publications).iter().enumerate() {
            match l.trim_start_matches('#').parse::<i64>() {
                Ok(id) => publications.push(id),
                Err(_) => errors.push(if en {
                    format!(
                        "publications, line {}: “{l}” is not a publication number",
                        i + 1
                    )
                } else {
                    format!(
                        "publications, línea {}: «{l}» no es un número de publicación",
                        i + 1
                    )
                }),
            }
        }
        let mut documents = Vec::new();
        for (i, l) in lines(&self.documents).iter().enumerate() {
            let (title, url) = match l.rsplit_once('|') {
                Some((t, u)) => (t.trim(), u.trim()),
                None => (l.as_str(), l.as_str()),
            };
            match tequio_domain::catalog::check_web_url(url, "documents") {
                Ok(()) => documents.push((title.to_owned(), url.to_owned())),
                Err(e) => errors.push(format!(
                    "{} ({})",
                    e.message(lang),
                    if en {
                        format!("line {}", i + 1)
                    } else {
                        format!("línea {}", i + 1)
                    }
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(TopicInput {
            name,
            title,
            audience: self.audience.trim().to_owned(),
            problem: self.problem.trim().to_owned(),
            body: self.body.clone(),
            subject_id,
            datasets: lines(&self.datasets),
            publications,
            documents,
        })
    }
}

#[derive(Template)]
#[template(path = "topics/form.html")]
struct FormPage {
    c: Ctx,
    heading: String,
    action: String,
    f: TopicFields,
    errors: Vec<String>,
    /// Subjects the viewer may run a portal for; admins may also leave it empty.
    subjects: Vec<(i64, String)>,
    admin: bool,
    new: bool,
}

/// Subject ids the viewer edits for.
fn editable_subjects(viewer: &Viewer) -> Vec<i64> {
    viewer
        .actor
        .grants
        .iter()
        .filter(|g| g.role == tequio_domain::accounts::Role::SubjectEditor)
        .filter_map(|g| g.scope_id)
        .collect()
}

async fn subject_choices(viewer: &Viewer, state: &AppState) -> AppResult<Vec<(i64, String)>> {
    let mut out = Vec::new();
    for id in editable_subjects(viewer) {
        if let Some(s) = tequio_store::subjects::get(&state.db, id).await? {
            out.push((s.id, s.name));
        }
    }
    Ok(out)
}

async fn form_page(
    viewer: &Viewer,
    state: &AppState,
    f: TopicFields,
    errors: Vec<String>,
    existing: Option<&str>,
) -> AppResult<Response> {
    let (heading, action) = match existing {
        Some(name) => (
            viewer.lang.t("topics-edit"),
            format!("/portales/{name}/editar"),
        ),
        None => (viewer.lang.t("topics-new"), "/portales/nuevo".to_owned()),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &FormPage {
            c: Ctx::new(viewer, &action),
            heading,
            action,
            f,
            errors,
            subjects: subject_choices(viewer, state).await?,
            admin: viewer.is_admin(),
            new: existing.is_none(),
        },
    )
}

/// The owner a new portal may have: a subject the viewer edits for, or none for admins.
fn check_owner(viewer: &Viewer, subject_id: Option<i64>) -> AppResult<()> {
    if may_edit(viewer, subject_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn new_form(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    if !viewer.is_admin() && editable_subjects(&viewer).is_empty() {
        return Err(AppError::Forbidden);
    }
    form_page(&viewer, &state, TopicFields::default(), Vec::new(), None).await
}

async fn create(viewer: Viewer, State(state): State<AppState>, body: Bytes) -> AppResult<Response> {
    if !viewer.is_admin() && editable_subjects(&viewer).is_empty() {
        return Err(AppError::Forbidden);
    }
    let f = TopicFields::from_body(&body);
    let input = match f.input(viewer.lang.code()) {
        Ok(i) => i,
        Err(errors) => return form_page(&viewer, &state, f, errors, None).await,
    };
    check_owner(&viewer, input.subject_id)?;
    let tx = state.db.begin().await?;
    match store::create(&tx, &viewer.who(), &input).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/portales/{}", input.name)).into_response())
        }
        Err(e) => {
            drop(tx);
            let errors = form_errors(e.into(), viewer.lang)?;
            form_page(&viewer, &state, f, errors, None).await
        }
    }
}

async fn edit_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let t = store::get(&state.db, &name).await?;
    check_owner(&viewer, t.subject_id)?;
    form_page(
        &viewer,
        &state,
        TopicFields::from_topic(&t),
        Vec::new(),
        Some(&t.name),
    )
    .await
}

async fn update(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let t = store::get(&state.db, &name).await?;
    check_owner(&viewer, t.subject_id)?;
    let f = TopicFields::from_body(&body);
    let mut input = match f.input(viewer.lang.code()) {
        Ok(i) => i,
        Err(errors) => return form_page(&viewer, &state, f, errors, Some(&t.name)).await,
    };
    input.subject_id = t.subject_id;
    let tx = state.db.begin().await?;
    match store::update(&tx, &viewer.who(), t.id, &input).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/portales/{}", input.name)).into_response())
        }
        Err(e) => {
            drop(tx);
            let errors = form_errors(e.into(), viewer.lang)?;
            form_page(&viewer, &state, f, errors, Some(&t.name)).await
        }
    }
}
