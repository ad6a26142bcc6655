//! Open calls (convocatorias): the list, a call's page (what it asks, the application form,
//! the reviewers' scoring, decisions and published results), and the one step that seats the
//! accepted applicants. A call is run by whoever convenes it: an admin, the editors of the
//! convening subject or the secretary of the body it feeds.

use crate::attachments;
use crate::auth::Viewer;
use crate::bodies::make_secretary;
use crate::clock::{local_now, local_today};
use crate::error::{AppError, AppResult};
use crate::html::HasPage;
use crate::html::{Ctx, Filled, Form, committed, form_errors, render, render_status};
use crate::state::AppState;
use crate::upload::read_form;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use tequio_domain::accounts::{Action, Role, Sector};
use tequio_domain::calls::{CallInput, CallStatus, Decision, Eligibility, MAX_SCORE, Phase};
use tequio_store::bodies::Body;
use tequio_store::calls::{
    self as store, Application, ApplicationInput, Call, CallOwner, NewGroup, Score,
};
use tequio_store::files::Attachment;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/convocatorias", get(list_page))
        .route("/convocatorias/nueva", get(new_form).post(create))
        .route("/convocatorias/{name}", get(show))
        .route("/convocatorias/{name}/revisores", post(add_reviewer))
        .route("/convocatorias/{name}/fechas", post(reschedule))
        .route(
            "/convocatorias/{name}/solicitudes/{id}/calificacion",
            post(score),
        )
        .route(
            "/convocatorias/{name}/solicitudes/{id}/decision",
            post(decide),
        )
        .route("/convocatorias/{name}/resultados", post(publish_results))
        .route("/convocatorias/{name}/constituir", post(constitute))
}

/// Forms that carry files.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/convocatorias/{name}/solicitudes", post(apply))
}

/// Whether the viewer runs this call.
fn may_manage(viewer: &Viewer, call: &Call) -> bool {
    viewer.actor.can(Action::ManageCall {
        subject_id: call.subject_id,
        body_id: call.body_id,
    })
}

fn require_manage(viewer: &Viewer, call: &Call) -> AppResult<()> {
    if may_manage(viewer, call) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Subjects and bodies the viewer may convene a call for (ids from their grants).
fn scopes(viewer: &Viewer, role: Role) -> Vec<i64> {
    viewer
        .actor
        .grants
        .iter()
        .filter(|g| g.role == role)
        .filter_map(|g| g.scope_id)
        .collect()
}

fn may_create(viewer: &Viewer) -> bool {
    viewer.actor.can(Action::ManageBodies)
        || !scopes(viewer, Role::SubjectEditor).is_empty()
        || !scopes(viewer, Role::BodySecretary).is_empty()
}

fn status_for(errors: &[String]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

// ---------------------------------------------------------------------------------------------
// List

#[derive(Template)]
#[template(path = "calls/list.html")]
struct ListPage {
    c: Ctx,
    calls: Vec<(Call, Phase)>,
    can_create: bool,
}

async fn list_page(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    let now = local_now();
    render(&ListPage {
        c: Ctx::new(&viewer, "/convocatorias"),
        calls: store::list(&state.db)
            .await?
            .into_iter()
            .map(|c| {
                let p = c.phase(now);
                (c, p)
            })
            .collect(),
        can_create: may_create(&viewer),
    })
}

// ---------------------------------------------------------------------------------------------
// Creating a call

#[derive(Template)]
#[template(path = "calls/form.html")]
struct FormPage {
    c: Ctx,
    f: Filled,
    chosen_sectors: Vec<String>,
    errors: Vec<String>,
    sectors: &'static [Sector],
    /// ("subject:ID" or "", label) for the convener.
    owners: Vec<(String, String)>,
    /// ("new" or "body:ID", label) for where the accepted go.
    targets: Vec<(String, String)>,
}

async fn form_page(
    viewer: &Viewer,
    state: &AppState,
    f: Filled,
    chosen_sectors: Vec<String>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let db = &state.db;
    let mut owners = Vec::new();
    if viewer.actor.can(Action::ManageBodies) {
        owners.push((String::new(), viewer.lang.t("calls-owner-guarantor")));
    }
    for id in scopes(viewer, Role::SubjectEditor) {
        if let Some(s) = tequio_store::subjects::get(db, id).await? {
            owners.push((format!("subject:{}", s.id), s.name));
        }
    }
    let mut targets = vec![("new".to_owned(), viewer.lang.t("calls-target-new"))];
    let runnable: Vec<i64> = if viewer.actor.can(Action::ManageBodies) {
        tequio_store::bodies::list(db, &local_today())
            .await?
            .into_iter()
            .map(|b| b.id)
            .collect()
    } else {
        scopes(viewer, Role::BodySecretary)
    };
    for id in runnable {
        let b = Body::by_id(db, id).await?;
        targets.push((format!("body:{}", b.id), b.title));
    }
    render_status(
        status_for(&errors),
        &FormPage {
            c: Ctx::new(viewer, "/convocatorias/nueva"),
            f,
            chosen_sectors,
            errors,
            sectors: Sector::ALL,
            owners,
            targets,
        },
    )
}

async fn new_form(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    if !may_create(&viewer) {
        return Err(AppError::Forbidden);
    }
    let mut f = Filled::default();
    f.set("places", "10");
    f.set("criteria", viewer.lang.t("calls-criteria-example"));
    form_page(&viewer, &state, f, vec!["civil_society".into()], Vec::new()).await
}

async fn create(viewer: Viewer, State(state): State<AppState>, body: Bytes) -> AppResult<Response> {
    if !may_create(&viewer) {
        return Err(AppError::Forbidden);
    }
    let form = Form::parse(&body);
    let f = Filled::from_body(&body);
    let chosen_sectors: Vec<String> = form.all("sectors").map(str::to_owned).collect();
    let mut errors: Vec<String> = Vec::new();
    let plan = match call_input(&form, &chosen_sectors).check() {
        Ok(p) => Some(p),
        Err(e) => {
            errors.extend(e.iter().map(|e| e.message(viewer.lang.code())));
            None
        }
    };
    let owner = call_owner(&viewer, &form)?;
    if owner.subject_id.is_none()
        && owner.body_id.is_none()
        && !viewer.actor.can(Action::ManageBodies)
    {
        errors.push(viewer.lang.t("calls-owner-needed"));
    }
    let name = match form.get("name") {
        "" => tequio_domain::text::slugify(form.get("title"))
            .chars()
            .take(90)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned(),
        n => n.to_owned(),
    };
    if !tequio_domain::catalog::valid_name(&name) {
        errors.push(format!(
            "name: «{name}»: {}",
            viewer.lang.t("catalog-name-hint")
        ));
    }
    let Some(plan) = plan.filter(|_| errors.is_empty()) else {
        return form_page(&viewer, &state, f, chosen_sectors, errors).await;
    };
    let tx = state.db.begin().await?;
    let result = store::create(&tx, &viewer.who(), &name, &plan, &owner).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(_) => Ok(Redirect::to(&format!("/convocatorias/{name}")).into_response()),
        Err(errors) => form_page(&viewer, &state, f, chosen_sectors, errors).await,
    }
}

/// A call as the form describes it (checked by `CallInput::check`).
fn call_input(form: &Form, chosen_sectors: &[String]) -> CallInput {
    CallInput {
        title: form.get("title").to_owned(),
        objective: form.raw("objective").to_owned(),
        eligibility: Eligibility {
            sectors: chosen_sectors
                .iter()
                .filter_map(|s| Sector::parse(s))
                .collect(),
            citizens: form.get("citizens") == "1",
        },
        requirements: form.raw("requirements").to_owned(),
        required_documents: form.raw("required_documents").to_owned(),
        opens_at: form.get("opens_at").to_owned(),
        closes_at: form.get("closes_at").to_owned(),
        criteria: form.raw("criteria").to_owned(),
        places: form.get("places").to_owned(),
    }
}

/// Who convenes (`owner`: a subject, or nobody for the guarantor's admins) and where the
/// accepted go (`target`: an existing body, or a new one), each checked against the viewer's
/// rights.
fn call_owner(viewer: &Viewer, form: &Form) -> AppResult<CallOwner> {
    let subject_id = match form.get("owner") {
        "" => {
            if !viewer.actor.can(Action::ManageBodies) {
                return Err(AppError::Forbidden);
            }
            None
        }
        o => {
            let id = o
                .strip_prefix("subject:")
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| AppError::BadRequest(format!("owner: «{o}»")))?;
            viewer.require(Action::PublishForSubject(id))?;
            Some(id)
        }
    };
    let body_id = match form.get("target") {
        "new" | "" => None,
        t => {
            let id = t
                .strip_prefix("body:")
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| AppError::BadRequest(format!("target: «{t}»")))?;
            viewer.require(Action::RunBody(id))?;
            Some(id)
        }
    };
    Ok(CallOwner {
        subject_id,
        body_id,
    })
}

// ---------------------------------------------------------------------------------------------
// A call's page

/// An application as the page shows it: with its scores and documents, and whether its
/// applicant's name may be shown to the public.
struct AppView {
    a: Application,
    /// (reviewer, criterion, score, comment).
    scores: Vec<(String, String, i64, String)>,
    documents: Vec<Attachment>,
    /// The viewer's own scores: (criterion, score or empty, comment), for the scoring form.
    mine: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "calls/show.html")]
struct ShowPage {
    c: Ctx,
    call: Call,
    phase: Phase,
    objective_html: String,
    requirements_html: String,
    /// Organisations the viewer may apply for (eligible, not applied yet).
    my_organisations: Vec<(i64, String)>,
    may_apply_as_citizen: bool,
    signed_in: bool,
    my_applications: Vec<Application>,
    can_manage: bool,
    is_reviewer: bool,
    reviewers: Vec<(i64, String)>,
    /// For managers and reviewers: every application.
    applications: Vec<AppView>,
    /// After results: what the public sees.
    results: Vec<Application>,
    accepted: usize,
    max_score: i64,
    bodies: Vec<(i64, String)>,
    errors: Vec<String>,
    f: Filled,
}

impl ShowPage {
    /// The published results' scores, a bar per applicant (citizens who were not accepted
    /// stay unnamed, as in the table).
    fn scores_chart(&self) -> crate::charts::Chart {
        use crate::charts::{Bar, Chart, Series};
        let c = &self.c;
        let bars: Vec<Bar> = self
            .results
            .iter()
            .filter_map(|a| {
                let score = a.score?;
                let named = a.organisation_id.is_some()
                    || a.decision == tequio_domain::calls::Decision::Accepted;
                Some(Bar {
                    label: if named {
                        a.applicant_name.clone()
                    } else {
                        c.t("calls-citizen-applicant")
                    },
                    // Hundredths: scores have decimals.
                    values: vec![(score * 100.0).round() as i64],
                    href: None,
                })
            })
            .collect();
        Chart {
            id: "puntajes".into(),
            title: c.t("chart-scores-title"),
            summary: c.t2(
                "chart-scores-summary",
                "count",
                bars.len(),
                "max",
                self.max_score,
            ),
            series: vec![Series {
                label: c.t("calls-score"),
            }],
            bars,
            label_header: c.t("calls-applicant"),
            total_header: String::new(),
            decimals: 2,
        }
    }
}

async fn show(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let call = Call::by_name(&state.db, &name).await?;
    show_page(&viewer, &state, call, Vec::new(), Filled::default()).await
}

async fn show_page(
    viewer: &Viewer,
    state: &AppState,
    call: Call,
    errors: Vec<String>,
    f: Filled,
) -> AppResult<Response> {
    let db = &state.db;
    let phase = call.phase(local_now());
    let can_manage = may_manage(viewer, &call);
    let user_id = viewer.user.as_ref().map(|u| u.id);
    let is_reviewer = match user_id {
        Some(u) => store::is_reviewer(db, call.id, u).await?,
        None => false,
    };
    let all = store::applications(db, call.id).await?;
    let my_applications: Vec<Application> = all
        .iter()
        .filter(|a| Some(a.user_id) == user_id)
        .cloned()
        .collect();
    let (my_organisations, may_apply_as_citizen) = how_to_apply(viewer, state, &call, &all).await?;
    let applications = if can_manage || is_reviewer {
        application_views(state, &call, &all, user_id).await?
    } else {
        Vec::new()
    };
    let results = if call.status == CallStatus::Published {
        Vec::new()
    } else {
        all.clone()
    };
    let bodies = if can_manage && call.status == CallStatus::Results && call.body_id.is_none() {
        tequio_store::bodies::list(db, &local_today())
            .await?
            .into_iter()
            .map(|b| (b.id, b.title))
            .collect()
    } else {
        Vec::new()
    };
    render_status(
        status_for(&errors),
        &ShowPage {
            c: Ctx::new(viewer, &call.path()),
            phase,
            objective_html: crate::markdown::to_safe_html(&call.objective),
            requirements_html: crate::markdown::to_safe_html(&call.requirements),
            my_organisations,
            may_apply_as_citizen,
            signed_in: viewer.user.is_some(),
            my_applications,
            can_manage,
            is_reviewer,
            reviewers: if can_manage {
                store::reviewers(db, call.id).await?
            } else {
                Vec::new()
            },
            accepted: all
                .iter()
                .filter(|a| a.decision == Decision::Accepted)
                .count(),
            applications,
            results,
            max_score: MAX_SCORE,
            bodies,
            errors,
            f,
            call,
        },
    )
}

/// Who the viewer may apply as: the organisations of theirs the call admits that have not
/// applied yet, and whether they may apply on their own.
async fn how_to_apply(
    viewer: &Viewer,
    state: &AppState,
    call: &Call,
    all: &[Application],
) -> AppResult<(Vec<(i64, String)>, bool)> {
    let mut organisations = Vec::new();
    let Some(u) = viewer.user.as_ref().map(|u| u.id) else {
        return Ok((organisations, false));
    };
    if !viewer.actor.can(Action::Participate) {
        return Ok((organisations, false));
    }
    for o in tequio_store::accounts::organisations_of(&state.db, u).await? {
        let applied = all.iter().any(|a| a.organisation_id == Some(o.id));
        if call.eligibility.admits(Some(o.sector)) && !applied {
            organisations.push((o.id, o.name));
        }
    }
    let applied_alone = all
        .iter()
        .any(|a| a.organisation_id.is_none() && a.user_id == u);
    Ok((
        organisations,
        call.eligibility.admits(None) && !applied_alone,
    ))
}

/// Every application as its managers and reviewers see it: documents, every score, and the
/// viewer's own scores for the scoring form.
async fn application_views(
    state: &AppState,
    call: &Call,
    all: &[Application],
    user_id: Option<i64>,
) -> AppResult<Vec<AppView>> {
    let scores = store::scores(&state.db, call.id).await?;
    let ids: Vec<i64> = all.iter().map(|a| a.id).collect();
    let mut docs = tequio_store::files::attachments_of(&state.db, "application", &ids).await?;
    let criterion = |p: i64| {
        usize::try_from(p)
            .ok()
            .and_then(|i| call.criteria.get(i))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    Ok(all
        .iter()
        .map(|a| {
            let mine_scores: Vec<&Score> = scores
                .iter()
                .filter(|s| s.application_id == a.id && Some(s.reviewer_id) == user_id)
                .collect();
            AppView {
                scores: scores
                    .iter()
                    .filter(|s| s.application_id == a.id)
                    .map(|s| {
                        let c = criterion(s.position);
                        (s.reviewer_name.clone(), c, s.score, s.comment.clone())
                    })
                    .collect(),
                documents: docs.remove(&a.id).unwrap_or_default(),
                mine: call
                    .criteria
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let found = mine_scores
                            .iter()
                            .find(|s| usize::try_from(s.position).ok() == Some(i));
                        (
                            c.name.clone(),
                            found.map(|s| s.score.to_string()).unwrap_or_default(),
                            found.map(|s| s.comment.clone()).unwrap_or_default(),
                        )
                    })
                    .collect(),
                a: a.clone(),
            }
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Applying

async fn apply(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    viewer.require(Action::Participate)?;
    let call = Call::by_name(&state.db, &name).await?;
    let lang = viewer.lang.code();
    let data = read_form(form, attachments::MAX_ATTACHMENT_BYTES).await?;
    let f = Filled(data.fields.clone());
    let input = application_input(&data)?;
    // Every document is checked and stored first; a bad one stops everything.
    let uploads =
        match attachments::store_documents(&state, lang, data.docs, &call.required_documents)
            .await?
        {
            Ok(u) => u,
            Err(errors) => return show_page(&viewer, &state, call, errors, f).await,
        };
    let saved = save_application(&state, &viewer, &call, &input, &uploads).await;
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("{}#mi-solicitud", call.path())).into_response()),
        Err(e) => {
            attachments::forget(
                &state,
                &uploads.into_iter().map(|(_, u)| u).collect::<Vec<_>>(),
            )
            .await;
            let errors = form_errors(e.into(), viewer.lang)?;
            show_page(&viewer, &state, call, errors, f).await
        }
    }
}

/// The application as the form describes it; `applicant` is the person, or one of their
/// organisations (`org:ID`).
fn application_input(data: &crate::upload::FormData) -> AppResult<ApplicationInput> {
    let organisation_id = match data.text("applicant") {
        "" | "self" => None,
        o => Some(
            o.strip_prefix("org:")
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| AppError::BadRequest(format!("applicant: «{o}»")))?,
        ),
    };
    Ok(ApplicationInput {
        organisation_id,
        statement: data.text("statement").to_owned(),
        titular_name: data.text("titular_name").to_owned(),
        titular_email: data.text("titular_email").to_owned(),
        alternate_name: data.text("alternate_name").to_owned(),
        alternate_email: data.text("alternate_email").to_owned(),
    })
}

/// Saves an application and its documents (already in the file store) in one transaction.
async fn save_application(
    state: &AppState,
    viewer: &Viewer,
    call: &Call,
    input: &ApplicationInput,
    uploads: &[(String, attachments::Upload)],
) -> tequio_store::StoreResult<()> {
    let tx = state.db.begin().await?;
    let who = viewer.who();
    let id = store::apply(&tx, &who, call, input, uploads.len(), local_now()).await?;
    for (title, u) in uploads {
        tequio_store::files::add_attachment(
            &tx,
            &who,
            "application",
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

// ---------------------------------------------------------------------------------------------
// Running the call

async fn add_reviewer(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let call = Call::by_name(&state.db, &name).await?;
    require_manage(&viewer, &call)?;
    let form = Form::parse(&body);
    let email = tequio_domain::text::normalize_email(form.get("email"));
    let Some((user, _)) = tequio_store::accounts::find_by_email(&state.db, &email).await? else {
        let message = viewer
            .lang
            .t_args("calls-reviewer-unknown", &[("email", email)]);
        return show_page(&viewer, &state, call, vec![message], Filled::default()).await;
    };
    let tx = state.db.begin().await?;
    store::add_reviewer(&tx, &viewer.who(), &call, user.id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}#revision", call.path())).into_response())
}

async fn reschedule(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let call = Call::by_name(&state.db, &name).await?;
    require_manage(&viewer, &call)?;
    let form = Form::parse(&body);
    let tx = state.db.begin().await?;
    match store::reschedule(
        &tx,
        &viewer.who(),
        &call,
        form.get("opens_at"),
        form.get("closes_at"),
    )
    .await
    {
        Ok(()) => {
            tx.commit().await?;
            Ok(Redirect::to(&call.path()).into_response())
        }
        Err(e) => {
            drop(tx);
            let errors = form_errors(e.into(), viewer.lang)?;
            show_page(&viewer, &state, call, errors, Filled::default()).await
        }
    }
}

async fn score(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, id)): Path<(String, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let call = Call::by_name(&state.db, &name).await?;
    let user = viewer.user()?;
    if !may_manage(&viewer, &call) && !store::is_reviewer(&state.db, call.id, user.id).await? {
        return Err(AppError::Forbidden);
    }
    let form = Form::parse(&body);
    let mut marks = Vec::new();
    let mut errors = Vec::new();
    for i in 0..call.criteria.len() {
        let raw = form.get(&format!("score_{i}"));
        match raw.parse::<i64>() {
            Ok(n) => marks.push((n, form.get(&format!("comment_{i}")).to_owned())),
            Err(_) => errors.push(format!(
                "score_{i} ({}): «{raw}» {}",
                call.criteria[i].name,
                viewer.lang.t("calls-score-not-number")
            )),
        }
    }
    if !errors.is_empty() {
        return show_page(&viewer, &state, call, errors, Filled::default()).await;
    }
    let tx = state.db.begin().await?;
    let result = store::score(&tx, &viewer.who(), &call, id, &marks, local_now()).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(()) => Ok(Redirect::to(&format!("{}#solicitud-{id}", call.path())).into_response()),
        Err(errors) => show_page(&viewer, &state, call, errors, Filled::default()).await,
    }
}

async fn decide(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, id)): Path<(String, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let call = Call::by_name(&state.db, &name).await?;
    require_manage(&viewer, &call)?;
    let form = Form::parse(&body);
    let decision = Decision::parse(form.get("decision"))
        .ok_or_else(|| AppError::BadRequest(format!("decision: «{}»", form.get("decision"))))?;
    let tx = state.db.begin().await?;
    let result = store::decide(&tx, &viewer.who(), &call, id, decision, form.get("reason")).await;
    match committed(tx, result, viewer.lang).await? {
        Ok(()) => Ok(Redirect::to(&format!("{}#solicitud-{id}", call.path())).into_response()),
        Err(errors) => show_page(&viewer, &state, call, errors, Filled::default()).await,
    }
}

async fn publish_results(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let call = Call::by_name(&state.db, &name).await?;
    require_manage(&viewer, &call)?;
    let tx = state.db.begin().await?;
    let applicants = store::applications(&tx, call.id).await?;
    match store::publish_results(&tx, &viewer.who(), &call).await {
        Ok(()) => {
            // Every applicant hears the decision and its reason.
            let mut queued = Vec::new();
            for a in &applicants {
                if let Some(u) = tequio_store::accounts::get_user(&tx, a.user_id).await? {
                    let (subject, text) = result_mail(&call, a, &state.settings.base_url);
                    queued.push(crate::mail::queue(&state, &tx, &u.email, &subject, &text).await?);
                }
            }
            tx.commit().await?;
            for q in queued {
                crate::mail::deliver(&state, q);
            }
            Ok(Redirect::to(&format!("{}#resultados", call.path())).into_response())
        }
        Err(e) => {
            drop(tx);
            let errors = form_errors(e.into(), viewer.lang)?;
            show_page(&viewer, &state, call, errors, Filled::default()).await
        }
    }
}

fn result_mail(call: &Call, a: &Application, base_url: &str) -> (String, String) {
    let verdict = if a.decision == Decision::Accepted {
        "fue aceptada"
    } else {
        "no fue aceptada"
    };
    (
        format!("Resultados: {}", call.title),
        format!(
            "La solicitud de {} a la convocatoria «{}» {verdict}.\n\nRazón: {}\n\nResultados completos: {base_url}{}#resultados\n",
            a.applicant_name,
            call.title,
            a.reason,
            call.path()
        ),
    )
}

async fn constitute(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let call = Call::by_name(&state.db, &name).await?;
    require_manage(&viewer, &call)?;
    let form = Form::parse(&body);
    let f = Filled::from_body(&body);
    let group = if call.body_id.is_none() {
        match new_group(&viewer, &form)? {
            Ok(group) => Some(group),
            Err(errors) => return show_page(&viewer, &state, call, errors, f).await,
        }
    } else {
        None
    };
    let tx = state.db.begin().await?;
    let result = store::constitute(&tx, &viewer.who(), &call, group.as_ref(), &local_today()).await;
    match result {
        Ok(body) => {
            if call.body_id.is_none() {
                make_secretary(&tx, &viewer, body.id).await?;
            }
            tx.commit().await?;
            Ok(Redirect::to(&format!("/organos/{}", body.name)).into_response())
        }
        Err(e) => {
            drop(tx);
            let errors = form_errors(e.into(), viewer.lang)?;
            show_page(&viewer, &state, call, errors, f).await
        }
    }
}

/// The working group a call constitutes when it has no body yet: its title, name, code and
/// parent, or the problems of the form.
fn new_group(viewer: &Viewer, form: &Form) -> AppResult<Result<NewGroup, Vec<String>>> {
    let title = form.get("group_title").to_owned();
    let group_name = match form.get("group_name") {
        "" => tequio_domain::text::slugify(&title)
            .chars()
            .take(90)
            .collect(),
        n => n.to_owned(),
    };
    let code = form.get("group_code").to_uppercase();
    let mut errors = Vec::new();
    if title.is_empty() {
        errors.push(viewer.lang.t("calls-group-title-needed"));
    }
    if !tequio_domain::catalog::valid_name(&group_name) {
        errors.push(format!(
            "group_name: «{group_name}»: {}",
            viewer.lang.t("catalog-name-hint")
        ));
    }
    if code.is_empty()
        || code.len() > 20
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        errors.push(format!(
            "group_code: «{code}»: {}",
            viewer.lang.t("bodies-code-hint")
        ));
    }
    let parent_id = match form.get("parent_id") {
        "" => None,
        p => Some(
            p.parse::<i64>()
                .map_err(|_| AppError::BadRequest(format!("parent_id: «{p}»")))?,
        ),
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(NewGroup {
        name: group_name,
        code,
        title,
        parent_id,
    }))
}
