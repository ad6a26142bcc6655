//! The directory of obligated subjects: public list, page per subject, downloads, and the
//! admin forms (create, edit, extinguish, merge, import).

use crate::auth::Viewer;
use crate::csv_out::CsvCells;
use crate::error::{AppError, AppResult};
use crate::html::{Ctx, render, render_status, url_encode};
use crate::listing::page_number;
use crate::{http::attachment, state::AppState};
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tequio_domain::accounts::Action;
use tequio_domain::subjects::SubjectKind;
use tequio_store::subjects::{
    self, Filter, Guarantor, ImportReport, Subject, SubjectInput, TransparencyUnit,
};
use tequio_store::{Db, audit};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sujetos", get(directory))
        .route("/sujetos.csv", get(download_csv))
        .route("/sujetos.json", get(download_json))
        .route("/sujetos/{id}", get(show))
        .route("/admin/sujetos/nuevo", get(new_form).post(create))
        .route("/admin/sujetos/importar", get(import_form).post(import))
        .route("/admin/sujetos/{id}", get(edit_form).post(update))
        .route("/admin/sujetos/{id}/extinguir", post(extinguish))
        .route("/admin/sujetos/{id}/fusionar", post(merge))
}

/// The directory's query string (Spanish names, as people see them in the address bar).
#[derive(Debug, Default, Deserialize)]
pub struct DirectoryParams {
    pub q: Option<String>,
    pub tipo: Option<String>,
    pub estado: Option<String>,
    pub pagina: Option<u32>,
    /// `1` keeps a CSV download's exact values (no formula neutralised).
    pub exacto: Option<String>,
}

impl DirectoryParams {
    /// Checks the values and builds the store's filter.
    pub fn filter(&self, limit: i64) -> AppResult<Filter> {
        let kind = match self.tipo.as_deref().unwrap_or("") {
            "" => None,
            k => Some(SubjectKind::parse(k).ok_or_else(|| {
                AppError::BadRequest(format!("tipo: «{k}» no es un tipo de sujeto obligado"))
            })?),
        };
        let status = match self.estado.as_deref().unwrap_or("") {
            "" => None,
            s @ ("active" | "extinct") => Some(s.to_owned()),
            s => {
                return Err(AppError::BadRequest(format!(
                    "estado: «{s}» no es active ni extinct"
                )));
            }
        };
        let page = page_number(self.pagina);
        Ok(Filter {
            q: self.q.clone().filter(|q| !q.trim().is_empty()),
            kind,
            status,
            guarantor_id: None,
            limit,
            offset: (page - 1) * limit,
        })
    }
}

#[derive(Template)]
#[template(path = "subjects/list.html")]
struct DirectoryPage {
    c: Ctx,
    q: String,
    kind: String,
    status: String,
    kinds: &'static [SubjectKind],
    summary: String,
    query_string: String,
    subjects: Vec<Subject>,
    pager: crate::listing::Pager,
}

const DIRECTORY_PAGE: i64 = 50;

async fn directory(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(p): Query<DirectoryParams>,
) -> AppResult<Response> {
    let filter = p.filter(DIRECTORY_PAGE)?;
    let (total, list) = subjects::list(&state.db, &filter).await?;
    let page = page_number(p.pagina);
    let q = p.q.clone().unwrap_or_default();
    let kind = p.tipo.clone().unwrap_or_default();
    let status = p.estado.clone().unwrap_or_default();
    let query_string = format!(
        "?q={}&tipo={}&estado={}",
        url_encode(&q),
        url_encode(&kind),
        url_encode(&status)
    );
    render(&DirectoryPage {
        c: Ctx::new(&viewer, "/sujetos"),
        summary: viewer
            .lang
            .t_args("subjects-count", &[("count", total.to_string())]),
        q,
        kind,
        status,
        kinds: SubjectKind::ALL,
        pager: crate::listing::Pager::new(
            page,
            (total + DIRECTORY_PAGE - 1) / DIRECTORY_PAGE,
            &format!("/sujetos{query_string}"),
            "pagina",
        ),
        query_string,
        subjects: list,
    })
}

/// Streams every subject matching the filter, a page at a time, never the whole list in memory.
fn stream_subjects(
    db: Db,
    filter: Filter,
    render_page: fn(&[Subject], bool, CsvCells) -> Vec<u8>,
    closing: &'static [u8],
    cells: CsvCells,
) -> Body {
    const CHUNK: i64 = 500;
    let stream = futures_util::stream::unfold(Some((filter, true)), move |state| {
        let db = db.clone();
        async move {
            let (mut filter, first) = state?;
            filter.limit = CHUNK;
            match subjects::list(&db, &filter).await {
                Ok((_, page)) if page.is_empty() => {
                    if closing.is_empty() {
                        None
                    } else {
                        Some((Ok::<_, std::io::Error>(closing.to_vec()), None))
                    }
                }
                Ok((_, page)) => {
                    let bytes = render_page(&page, first, cells);
                    filter.offset += CHUNK;
                    Some((Ok(bytes), Some((filter, false))))
                }
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
            }
        }
    });
    Body::from_stream(stream)
}

/// The columns of the CSV download, in order.
pub const CSV_COLUMNS: [&str; 13] = [
    "id",
    "nombre",
    "siglas",
    "tipo",
    "organo_garante",
    "id_plataforma_nacional",
    "estado",
    "extinto_desde",
    "titular_unidad_transparencia",
    "domicilio",
    "telefono",
    "correo",
    "horario",
];

fn csv_page(page: &[Subject], first: bool, cells: CsvCells) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if first {
        let _ = w.write_record(CSV_COLUMNS);
    }
    for s in page {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let row = [
            s.id.to_string(),
            s.name.clone(),
            opt(&s.acronym),
            s.kind.as_str().to_owned(),
            opt(&s.guarantor_name),
            opt(&s.platform_id),
            s.status.clone(),
            opt(&s.extinct_on),
            opt(&s.unit.head),
            opt(&s.unit.address),
            opt(&s.unit.phone),
            opt(&s.unit.email),
            opt(&s.unit.hours),
        ];
        let _ = cells.write_row(&mut w, row.iter().map(|v| (v.as_str(), false)));
    }
    w.into_inner().unwrap_or_default()
}

fn json_page(page: &[Subject], first: bool, _: CsvCells) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, s) in page.iter().enumerate() {
        out.extend_from_slice(if first && i == 0 { b"[\n" } else { b",\n" });
        out.extend_from_slice(
            &serde_json::to_vec(&crate::subjects::SubjectOut::from(s.clone())).unwrap_or_default(),
        );
    }
    out
}

async fn download_csv(
    State(state): State<AppState>,
    Query(p): Query<DirectoryParams>,
) -> AppResult<Response> {
    let filter = p.filter(500)?;
    let body = stream_subjects(
        state.db.clone(),
        Filter {
            offset: 0,
            ..filter
        },
        csv_page,
        b"",
        crate::csv_out::CsvCells::from_params(
            &p.exacto
                .iter()
                .map(|v| ("exacto".to_owned(), v.clone()))
                .collect(),
        ),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            attachment("sujetos-obligados.csv"),
        ],
        body,
    )
        .into_response())
}

async fn download_json(
    State(state): State<AppState>,
    Query(p): Query<DirectoryParams>,
) -> AppResult<Response> {
    let filter = p.filter(500)?;
    // An empty list still has to be valid JSON: probe once.
    let (total, _) = subjects::list(
        &state.db,
        &Filter {
            limit: 1,
            offset: 0,
            ..filter.clone()
        },
    )
    .await?;
    if total == 0 {
        return Ok(([(header::CONTENT_TYPE, "application/json")], "[]").into_response());
    }
    let body = stream_subjects(
        state.db.clone(),
        Filter {
            offset: 0,
            ..filter
        },
        json_page,
        b"\n]\n",
        CsvCells::Exact,
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            attachment("sujetos-obligados.json"),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "subjects/show.html")]
struct SubjectPage {
    c: Ctx,
    s: Subject,
    history: Vec<audit::Entry>,
    can_edit: bool,
    /// Whether the viewer may add datasets for this subject.
    can_publish: bool,
}

async fn show(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = subjects::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let history = audit::for_target(&state.db, "subject", &id.to_string(), true).await?;
    let can_edit = viewer.actor.can(Action::EditSubject(id));
    render(&SubjectPage {
        c: Ctx::new(&viewer, &format!("/sujetos/{id}")),
        can_publish: viewer.actor.can(Action::PublishForSubject(id)),
        s,
        history,
        can_edit,
    })
}

// ---------- admin forms ----------

/// The subject form as sent by the browser: every field a string.
#[derive(Debug, Default, Deserialize)]
struct SubjectForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    acronym: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    guarantor_id: String,
    #[serde(default)]
    platform_id: String,
    #[serde(default)]
    unit_head: String,
    #[serde(default)]
    unit_address: String,
    #[serde(default)]
    unit_phone: String,
    #[serde(default)]
    unit_email: String,
    #[serde(default)]
    unit_hours: String,
}

impl SubjectForm {
    fn from_subject(s: &Subject) -> SubjectForm {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        SubjectForm {
            name: s.name.clone(),
            acronym: o(&s.acronym),
            kind: s.kind.as_str().to_owned(),
            guarantor_id: s.guarantor_id.map(|g| g.to_string()).unwrap_or_default(),
            platform_id: o(&s.platform_id),
            unit_head: o(&s.unit.head),
            unit_address: o(&s.unit.address),
            unit_phone: o(&s.unit.phone),
            unit_email: o(&s.unit.email),
            unit_hours: o(&s.unit.hours),
        }
    }

    /// The store's input, or the list of field errors.
    fn input(&self) -> Result<SubjectInput, Vec<String>> {
        let mut errors = Vec::new();
        let kind = match self.kind.as_str() {
            "" => None,
            k => SubjectKind::parse(k).or_else(|| {
                errors.push(format!("kind: «{k}» no es un tipo de sujeto obligado"));
                None
            }),
        };
        let guarantor_id = match self.guarantor_id.trim() {
            "" => None,
            g => g.parse().ok().or_else(|| {
                errors.push("guarantor_id: el órgano garante elegido no es válido".into());
                None
            }),
        };
        if !self.platform_id.trim().is_empty()
            && !self.platform_id.trim().chars().all(|c| c.is_ascii_digit())
        {
            errors.push(
                "platform_id: el identificador de la Plataforma Nacional lleva sólo dígitos".into(),
            );
        }
        let some = |s: &str| Some(s.to_owned());
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SubjectInput {
            name: self.name.clone(),
            acronym: some(&self.acronym),
            kind,
            guarantor_id,
            platform_id: some(&self.platform_id),
            unit: TransparencyUnit {
                head: some(&self.unit_head),
                address: some(&self.unit_address),
                phone: some(&self.unit_phone),
                email: some(&self.unit_email),
                hours: some(&self.unit_hours),
            },
        })
    }
}

#[derive(Template)]
#[template(path = "subjects/form.html")]
struct SubjectFormPage {
    c: Ctx,
    heading: String,
    action: String,
    f: SubjectForm,
    admin: bool,
    kinds: &'static [SubjectKind],
    guarantors: Vec<Guarantor>,
    errors: Vec<String>,
    subject_id: Option<i64>,
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    subject: Option<&Subject>,
    f: SubjectForm,
    errors: Vec<String>,
) -> AppResult<Response> {
    let (heading, action, path) = match subject {
        Some(s) => (
            s.name.clone(),
            format!("/admin/sujetos/{}", s.id),
            format!("/admin/sujetos/{}", s.id),
        ),
        None => (
            viewer.lang.t("admin-new-subject"),
            "/admin/sujetos/nuevo".into(),
            "/admin/sujetos/nuevo".into(),
        ),
    };
    let page = SubjectFormPage {
        c: Ctx::new(viewer, &path),
        heading,
        action,
        f,
        admin: viewer.actor.can(Action::ManageSubjects),
        kinds: SubjectKind::ALL,
        guarantors: subjects::list_guarantors(&state.db).await?,
        subject_id: subject.map(|s| s.id),
        errors: errors.clone(),
    };
    if errors.is_empty() {
        render(&page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

async fn new_form(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    viewer.require(Action::ManageSubjects)?;
    form_page(&state, &viewer, None, SubjectForm::default(), Vec::new()).await
}

async fn create(
    viewer: Viewer,
    State(state): State<AppState>,
    axum::Form(f): axum::Form<SubjectForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageSubjects)?;
    let input = match f.input() {
        Ok(i) => i,
        Err(errors) => return form_page(&state, &viewer, None, f, errors).await,
    };
    let tx = state.db.begin().await?;
    match subjects::create(&tx, &viewer.who(), input).await {
        Ok(s) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/sujetos/{}", s.id)).into_response())
        }
        Err(e) => {
            drop(tx);
            form_page(
                &state,
                &viewer,
                None,
                f,
                vec![AppError::from(e).to_string()],
            )
            .await
        }
    }
}

async fn edit_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    viewer.require(Action::EditSubject(id))?;
    let s = subjects::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    form_page(
        &state,
        &viewer,
        Some(&s),
        SubjectForm::from_subject(&s),
        Vec::new(),
    )
    .await
}

async fn update(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(mut f): axum::Form<SubjectForm>,
) -> AppResult<Response> {
    viewer.require(Action::EditSubject(id))?;
    let s = subjects::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !viewer.actor.can(Action::ManageSubjects) {
        // A subject editor changes only the transparency unit; the rest stays as it is.
        let current = SubjectForm::from_subject(&s);
        f = SubjectForm {
            unit_head: f.unit_head,
            unit_address: f.unit_address,
            unit_phone: f.unit_phone,
            unit_email: f.unit_email,
            unit_hours: f.unit_hours,
            ..current
        };
    }
    let input = match f.input() {
        Ok(i) => i,
        Err(errors) => return form_page(&state, &viewer, Some(&s), f, errors).await,
    };
    let tx = state.db.begin().await?;
    match subjects::update(&tx, &viewer.who(), id, input).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/sujetos/{id}")).into_response())
        }
        Err(e) => {
            drop(tx);
            form_page(
                &state,
                &viewer,
                Some(&s),
                f,
                vec![AppError::from(e).to_string()],
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct ExtinguishForm {
    date: String,
}

async fn extinguish(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<ExtinguishForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageSubjects)?;
    let tx = state.db.begin().await?;
    subjects::extinguish(&tx, &viewer.who(), id, f.date.trim()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sujetos/{id}")).into_response())
}

#[derive(Deserialize)]
struct MergeForm {
    into: String,
    date: String,
}

async fn merge(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<MergeForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageSubjects)?;
    let into: i64 = f.into.trim().parse().map_err(|_| {
        AppError::Invalid(format!(
            "into: «{}» no es el número de un sujeto obligado",
            f.into
        ))
    })?;
    let tx = state.db.begin().await?;
    subjects::merge(&tx, &viewer.who(), id, into, f.date.trim()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sujetos/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "admin/import.html")]
struct ImportPage {
    c: Ctx,
    guarantors: Vec<Guarantor>,
    errors: Vec<String>,
    report: Option<ImportReport>,
}

async fn import_form(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    viewer.require(Action::ManageSubjects)?;
    let guarantors = subjects::list_guarantors(&state.db).await?;
    render(&ImportPage {
        c: Ctx::new(&viewer, "/admin/sujetos/importar"),
        guarantors,
        errors: Vec::new(),
        report: None,
    })
}

/// The largest registry file accepted (the national registry of a whole state is ~15 KB).
const MAX_REGISTRY_BYTES: usize = 2 * 1024 * 1024;

async fn import(
    viewer: Viewer,
    State(state): State<AppState>,
    form: Multipart,
) -> AppResult<Response> {
    viewer.require(Action::ManageSubjects)?;
    let form = crate::upload::read_form(form, MAX_REGISTRY_BYTES).await?;
    let guarantor_id = form.text("guarantor_id").parse::<i64>().ok();
    let mut errors = Vec::new();
    let text = match crate::upload::text_file(&form.file, MAX_REGISTRY_BYTES >> 20) {
        Ok((_, text)) => Some(text),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let guarantors = subjects::list_guarantors(&state.db).await?;
    let c = Ctx::new(&viewer, "/admin/sujetos/importar");
    let Some(text) = text else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ImportPage {
                c,
                guarantors,
                errors,
                report: None,
            },
        );
    };
    let tx = state.db.begin().await?;
    let report = subjects::import_registry(&tx, &viewer.who(), guarantor_id, &text).await?;
    tx.commit().await?;
    render(&ImportPage {
        c,
        guarantors,
        errors,
        report: Some(report),
    })
}
