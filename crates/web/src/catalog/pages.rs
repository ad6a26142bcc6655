//! The open-data catalogue's pages: the list with facets, a dataset, its resources with a
//! preview of their rows (filters, words, sort, pages) and downloads, and the editors' forms.

use super::{
    ListFilter, MAX_RESOURCE_BYTES, MAX_RESOURCE_MB, count_values, filtered, forget_file,
    prepare_resource, save_new_resource,
};
use crate::auth::Viewer;
use crate::catalog::view;
use crate::error::{AppError, AppResult};
use crate::html::{Ctx, form_errors, render, render_status, url_encode};
use crate::listing::PAGE_NAMES;
use crate::upload::read_form;
use crate::{http::attachment, state::AppState};
use askama::Template;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use tequio_domain::accounts::{Action, Role};
use tequio_domain::catalog::table::{self, TableSchema};
use tequio_domain::catalog::{DatasetInput, Frequency, LICENCES, Licence};
use tequio_store::catalog::{self as store, Dataset, DatasetSummary, Group, Resource};
use tequio_store::subjects::{self as subjects_store, Subject};

/// Datasets on one page of the catalogue.
const LIST_PAGE_SIZE: usize = 20;
/// Rows on one page of a preview.
const PREVIEW_ROWS: i64 = 25;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/datos", get(list_page))
        .route("/datos/temas", get(groups_page).post(create_group))
        .route("/sujetos/{id}/datos/nuevo", get(new_form).post(create))
        .route("/catalog.ttl", get(catalog_turtle))
        .route("/catalog.jsonld", get(catalog_jsonld))
        .route("/data.json", get(catalog_data_json))
        .route("/contrataciones/ocds.json", get(ocds_all))
        .route("/sujetos/{id}/contrataciones/ocds.json", get(ocds_subject))
        .route("/datos/{name}", get(dataset_page))
        .route("/datos/{name}/dcat.ttl", get(dataset_turtle))
        .route("/datos/{name}/dcat.jsonld", get(dataset_jsonld))
        .route("/datos/{name}/datapackage.json", get(dataset_datapackage))
        .route("/datos/{name}/editar", get(edit_form).post(update))
        .route("/datos/{name}/recursos/nuevo", get(new_resource_form))
        .route("/datos/{name}/recursos/{rid}", get(resource_page))
        .route("/datos/{name}/recursos/{rid}/archivo", get(download_file))
        .route("/datos/{name}/recursos/{rid}/datos.csv", get(download_csv))
        .route(
            "/datos/{name}/recursos/{rid}/datos.json",
            get(download_json),
        )
        .route(
            "/datos/{name}/recursos/{rid}/editar",
            get(edit_resource_form).post(edit_resource),
        )
        .route(
            "/datos/{name}/recursos/{rid}/eliminar",
            post(delete_resource),
        )
}

/// Forms that carry a file: their own, larger body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route("/datos/{name}/recursos/nuevo", post(add_resource))
        .route(
            "/datos/{name}/recursos/{rid}/reemplazar",
            post(replace_resource),
        )
}

// ---------------------------------------------------------------------------------------------
// The list and its facets

/// A facet: its values with how many datasets of the current result have each.
pub struct Facet {
    pub param: &'static str,
    pub title_key: &'static str,
    /// (value, label, count, chosen)
    pub items: Vec<(String, String, usize, bool)>,
}

#[derive(Template)]
#[template(path = "catalog/list.html")]
struct ListPage {
    c: Ctx,
    q: String,
    total: usize,
    datasets: Vec<DatasetSummary>,
    facets: Vec<Facet>,
    /// The query string of the current filters, without the page.
    filter_qs: String,
    pager: crate::listing::Pager,
    /// How the list is sorted (`orden`): empty for the default.
    sort: String,
    /// Subjects the viewer can add datasets for.
    can_add: Vec<(i64, String)>,
}

/// The catalogue's orders (`orden`), with their labels' keys. Without one: the best matches
/// of the words, or else the datasets people publish before the transparency obligations'
/// (which would otherwise fill the first pages), each newest first.
const SORTS: &[(&str, &str)] = &[
    ("", "catalog-sort-default"),
    ("nombre", "catalog-sort-name"),
    ("fecha", "catalog-sort-date"),
    ("tema", "catalog-sort-theme"),
];

/// Orders the list as `orden` asks; an unknown order is a clear refusal.
fn sort_list(list: &mut [DatasetSummary], sort: &str, searched: bool) -> AppResult<()> {
    match sort {
        "" if searched => {}
        "" => list.sort_by_key(|d| d.is_obligation),
        "nombre" => list.sort_by_key(|d| d.title.to_lowercase()),
        "fecha" => list.sort_by(|a, b| b.updated_at.cmp(&a.updated_at)),
        "tema" => list.sort_by(|a, b| {
            (
                a.groups.is_empty(),
                a.groups.first(),
                a.title.to_lowercase(),
            )
                .cmp(&(
                    b.groups.is_empty(),
                    b.groups.first(),
                    b.title.to_lowercase(),
                ))
        }),
        other => {
            return Err(AppError::BadRequest(format!(
                "orden: «{other}» no es nombre, fecha ni tema"
            )));
        }
    }
    Ok(())
}

/// The catalogue: datasets filtered by the query string, with their facets.
async fn list_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (f, page) = list_filter(&params)?;
    let sort = params
        .iter()
        .find(|(k, _)| k == "orden")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut list = filtered(&state, &f).await?;
    sort_list(&mut list, &sort, !f.q.trim().is_empty())?;
    let groups = store::list_groups(&state.db).await?;
    let facets = list_facets(&viewer, &f, &list, &groups);
    let filter_qs: String = params
        .iter()
        .filter(|(k, v)| k != "pagina" && !v.is_empty())
        .map(|(k, v)| format!("&{}={}", url_encode(k), url_encode(v)))
        .collect();
    let total = list.len();
    let start = (page - 1) * LIST_PAGE_SIZE;
    let datasets: Vec<_> = list.into_iter().skip(start).take(LIST_PAGE_SIZE).collect();
    let mut c = Ctx::new(&viewer, "/datos");
    c.query.clone_from(&f.q);
    let last = total.div_ceil(LIST_PAGE_SIZE);
    render(&ListPage {
        can_add: addable_subjects(&viewer, &state).await?,
        c,
        q: f.q,
        total,
        datasets,
        facets,
        pager: crate::listing::Pager::new(
            page as i64,
            last as i64,
            &format!("/datos?{}", filter_qs.trim_start_matches('&')),
            "pagina",
        ),
        filter_qs,
        sort,
    })
}

/// The list's filter and page number, from the query string's Spanish words.
fn list_filter(params: &[(String, String)]) -> AppResult<(ListFilter, usize)> {
    let mut f = ListFilter::default();
    let mut page = 1usize;
    for (k, v) in params {
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "q" => f.q.clone_from(v),
            "sujeto" => {
                f.subject =
                    Some(v.parse().map_err(|_| {
                        AppError::BadRequest(format!("sujeto: «{v}» no es un número"))
                    })?);
            }
            "tema" => f.groups.push(v.clone()),
            "etiqueta" => f.tags.push(v.clone()),
            "formato" => f.formats.push(v.clone()),
            "licencia" => f.licences.push(v.clone()),
            "origen" => {
                f.obligations = match v.as_str() {
                    "obligaciones" => Some(true),
                    "datos" => Some(false),
                    other => {
                        return Err(AppError::BadRequest(format!(
                            "origen: «{other}» no es «datos» ni «obligaciones»"
                        )));
                    }
                };
            }
            "pagina" => {
                page = v
                    .parse()
                    .ok()
                    .filter(|p| (1..=100_000).contains(p))
                    .ok_or_else(|| {
                        AppError::BadRequest(format!("pagina: «{v}» no es un número de página"))
                    })?;
            }
            _ => {}
        }
    }
    Ok((f, page))
}

/// One facet: its values most frequent first (fifteen at most), labelled, chosen ones marked.
fn facet(
    param: &'static str,
    title_key: &'static str,
    chosen: &[String],
    counts: Vec<(String, usize)>,
    label: &dyn Fn(&str) -> String,
) -> Facet {
    Facet {
        param,
        title_key,
        items: counts
            .into_iter()
            .take(15)
            .map(|(v, n)| {
                let l = label(&v);
                let on = chosen.contains(&v);
                (v, l, n, on)
            })
            .collect(),
    }
}

/// The facets of a result: origin, subject, theme, keyword, format and licence.
fn list_facets(
    viewer: &Viewer,
    f: &ListFilter,
    list: &[DatasetSummary],
    groups: &[Group],
) -> Vec<Facet> {
    let origin = |obligation: bool| if obligation { "obligaciones" } else { "datos" };
    let origin_label = |v: &str| {
        viewer.lang.t(if v == "obligaciones" {
            "catalog-origin-obligations"
        } else {
            "catalog-origin-data"
        })
    };
    let chosen_origin: Vec<String> = f
        .obligations
        .map(|o| origin(o).to_owned())
        .into_iter()
        .collect();
    let subject_names: HashMap<i64, String> = list
        .iter()
        .map(|d| (d.subject_id, d.subject_name.clone()))
        .collect();
    let subject_label = |v: &str| {
        v.parse::<i64>()
            .ok()
            .and_then(|id| subject_names.get(&id).cloned())
            .unwrap_or_else(|| v.to_owned())
    };
    let chosen_subject: Vec<String> = f.subject.iter().map(i64::to_string).collect();
    let group_title = |name: &str| {
        groups
            .iter()
            .find(|g| g.name == name)
            .map_or_else(|| name.to_owned(), |g| g.title.clone())
    };
    let as_is = |v: &str| v.to_owned();
    let licence_title =
        |v: &str| Licence::find(v).map_or_else(|| v.to_owned(), |l| l.title.to_owned());
    vec![
        facet(
            "origen",
            "catalog-facet-origin",
            &chosen_origin,
            count_values(list, |d| vec![origin(d.is_obligation).to_owned()]),
            &origin_label,
        ),
        facet(
            "sujeto",
            "catalog-facet-subject",
            &chosen_subject,
            count_values(list, |d| vec![d.subject_id.to_string()]),
            &subject_label,
        ),
        facet(
            "tema",
            "catalog-facet-group",
            &f.groups,
            count_values(list, |d| d.groups.clone()),
            &group_title,
        ),
        facet(
            "etiqueta",
            "catalog-facet-tag",
            &f.tags,
            count_values(list, |d| d.tags.clone()),
            &as_is,
        ),
        facet(
            "formato",
            "catalog-facet-format",
            &f.formats,
            count_values(list, |d| d.formats.clone()),
            &as_is,
        ),
        facet(
            "licencia",
            "catalog-facet-licence",
            &f.licences,
            count_values(list, |d| vec![d.licence_id.clone()]),
            &licence_title,
        ),
    ]
}

impl ListPage {
    fn sorts(&self) -> &'static [(&'static str, &'static str)] {
        SORTS
    }

    /// The start of a description, cut at a word.
    fn excerpt(&self, text: &str) -> String {
        const MAX: usize = 240;
        if text.chars().count() <= MAX {
            return text.to_owned();
        }
        let cut: String = text.chars().take(MAX).collect();
        let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
        format!("{cut}…")
    }

    /// The link that adds (or, when chosen, removes) one facet value.
    fn facet_link(&self, param: &str, value: &str, chosen: &bool) -> String {
        let pair = format!("&{}={}", url_encode(param), url_encode(value));
        if *chosen {
            format!(
                "/datos?{}",
                self.filter_qs
                    .replacen(&pair, "", 1)
                    .trim_start_matches('&')
            )
        } else {
            format!("/datos?{}{pair}", self.filter_qs.trim_start_matches('&'))
        }
    }
}

/// The subjects the viewer may add datasets for (all of them for admins).
async fn addable_subjects(viewer: &Viewer, state: &AppState) -> AppResult<Vec<(i64, String)>> {
    if viewer.user.is_none() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = viewer
        .actor
        .grants
        .iter()
        .filter(|g| g.role == Role::SubjectEditor)
        .filter_map(|g| g.scope_id)
        .collect();
    if viewer.is_admin() {
        let (_, all) = subjects_store::list(
            &state.db,
            &subjects_store::Filter {
                limit: 2000,
                ..Default::default()
            },
        )
        .await?;
        return Ok(all.into_iter().map(|s| (s.id, s.name)).collect());
    }
    let mut out = Vec::new();
    for id in ids {
        if let Some(s) = subjects_store::get(&state.db, id).await? {
            out.push((s.id, s.name));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Themes

#[derive(Template)]
#[template(path = "catalog/groups.html")]
struct GroupsPage {
    c: Ctx,
    groups: Vec<Group>,
    errors: Vec<String>,
    name: String,
    title: String,
    description: String,
}

impl GroupsPage {
    /// The catalogue by theme: datasets in each.
    fn chart(&self) -> crate::charts::Chart {
        use crate::charts::{Bar, Chart, Series};
        let lang = self.c.lang;
        let total: i64 = self.groups.iter().map(|g| g.dataset_count).sum();
        Chart {
            id: "catalogo-por-tema".into(),
            title: lang.t("chart-themes-title"),
            summary: lang.t_args(
                "chart-themes-summary",
                &[
                    ("themes", self.groups.len().to_string()),
                    ("total", crate::format::integer(total)),
                ],
            ),
            series: vec![Series {
                label: lang.t("chart-datasets"),
            }],
            bars: self
                .groups
                .iter()
                .map(|g| Bar {
                    label: g.title.clone(),
                    values: vec![g.dataset_count],
                    href: Some(format!("/datos?tema={}", g.name)),
                })
                .collect(),
            label_header: lang.t("catalog-groups"),
            total_header: String::new(),
            decimals: 0,
        }
    }
}

async fn groups_page(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    render(&GroupsPage {
        c: Ctx::new(&viewer, "/datos/temas"),
        groups: store::list_groups(&state.db).await?,
        errors: Vec::new(),
        name: String::new(),
        title: String::new(),
        description: String::new(),
    })
}

#[derive(serde::Deserialize)]
struct GroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
}

async fn create_group(
    viewer: Viewer,
    State(state): State<AppState>,
    axum::Form(form): axum::Form<GroupForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageFramework)?;
    let name = if form.name.trim().is_empty() {
        tequio_domain::text::slugify(&form.title)
    } else {
        form.name.trim().to_owned()
    };
    let tx = state.db.begin().await?;
    let saved =
        store::create_group(&tx, &viewer.who(), &name, &form.title, &form.description).await;
    match saved {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to("/datos/temas").into_response())
        }
        Err(e) => {
            drop(tx);
            let message = match AppError::from(e) {
                AppError::Invalid(m) | AppError::Conflict(m) => m,
                other => return Err(other),
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &GroupsPage {
                    c: Ctx::new(&viewer, "/datos/temas"),
                    groups: store::list_groups(&state.db).await?,
                    errors: vec![message],
                    name,
                    title: form.title,
                    description: form.description,
                },
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Datasets

#[derive(Template)]
#[template(path = "catalog/dataset.html")]
struct DatasetPage {
    c: Ctx,
    d: Dataset,
    licence: Option<&'static Licence>,
    can_edit: bool,
}

/// Datasets that present a transparency obligation follow their publications: they are
/// changed by publishing, not by hand.
fn editable(d: &Dataset) -> AppResult<()> {
    match d.obligation_id {
        Some(_) => Err(AppError::Conflict(
            "Este conjunto de datos presenta una obligación de transparencia: cambia al publicar sus periodos.".into(),
        )),
        None => Ok(()),
    }
}

async fn load_dataset(state: &AppState, name: &str) -> AppResult<Dataset> {
    Ok(store::dataset(&state.db, name).await?)
}

async fn dataset_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let d = load_dataset(&state, &name).await?;
    render(&DatasetPage {
        c: Ctx::new(&viewer, &format!("/datos/{}", d.name)),
        licence: Licence::find(&d.licence_id),
        can_edit: d.obligation_id.is_none()
            && viewer.actor.can(Action::PublishForSubject(d.subject_id)),
        d,
    })
}

/// The dataset form's fields, as typed.
#[derive(Debug, Default, Clone)]
struct DatasetFields {
    name: String,
    title: String,
    notes: String,
    tags: String,
    groups: Vec<String>,
    licence_id: String,
    frequency: String,
    temporal_start: String,
    temporal_end: String,
    spatial: String,
    contact_name: String,
    contact_email: String,
    landing_page: String,
    version: String,
}

impl DatasetFields {
    fn from_body(body: &[u8]) -> DatasetFields {
        let mut f = DatasetFields::default();
        for (k, v) in form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "name" => f.name = v,
                "title" => f.title = v,
                "notes" => f.notes = v,
                "tags" => f.tags = v,
                "groups" => f.groups.push(v),
                "license_id" => f.licence_id = v,
                "frequency" => f.frequency = v,
                "temporal_start" => f.temporal_start = v,
                "temporal_end" => f.temporal_end = v,
                "spatial" => f.spatial = v,
                "contact_name" => f.contact_name = v,
                "contact_email" => f.contact_email = v,
                "landing_page" => f.landing_page = v,
                "version" => f.version = v,
                _ => {}
            }
        }
        f
    }

    fn from_dataset(d: &Dataset) -> DatasetFields {
        DatasetFields {
            name: d.name.clone(),
            title: d.title.clone(),
            notes: d.notes.clone(),
            tags: d.tags.join(", "),
            groups: d.groups.iter().map(|(n, _)| n.clone()).collect(),
            licence_id: d.licence_id.clone(),
            frequency: d.frequency.clone(),
            temporal_start: d.temporal_start.clone(),
            temporal_end: d.temporal_end.clone(),
            spatial: d.spatial.clone(),
            contact_name: d.contact_name.clone(),
            contact_email: d.contact_email.clone(),
            landing_page: d.landing_page.clone(),
            version: d.version.clone(),
        }
    }

    fn input(&self) -> DatasetInput {
        DatasetInput {
            name: self.name.clone(),
            title: self.title.clone(),
            notes: self.notes.clone(),
            tags: vec![self.tags.clone()],
            groups: self.groups.clone(),
            licence_id: self.licence_id.clone(),
            frequency: self.frequency.clone(),
            temporal_start: self.temporal_start.clone(),
            temporal_end: self.temporal_end.clone(),
            spatial: self.spatial.clone(),
            contact_name: self.contact_name.clone(),
            contact_email: self.contact_email.clone(),
            landing_page: self.landing_page.clone(),
            version: self.version.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "catalog/dataset_form.html")]
struct DatasetFormPage {
    c: Ctx,
    heading: String,
    action: String,
    subject: Subject,
    f: DatasetFields,
    errors: Vec<String>,
    groups: Vec<Group>,
    licences: &'static [Licence],
    frequencies: &'static [Frequency],
}

async fn subject_of(state: &AppState, id: i64) -> AppResult<Subject> {
    subjects_store::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn dataset_form(
    viewer: &Viewer,
    state: &AppState,
    subject: Subject,
    f: DatasetFields,
    errors: Vec<String>,
    existing: Option<&str>,
) -> AppResult<Response> {
    let (heading, action) = match existing {
        Some(name) => (
            viewer.lang.t("catalog-edit-dataset"),
            format!("/datos/{name}/editar"),
        ),
        None => (
            viewer.lang.t("catalog-new-dataset"),
            format!("/sujetos/{}/datos/nuevo", subject.id),
        ),
    };
    let page = DatasetFormPage {
        c: Ctx::new(viewer, &action),
        heading,
        action: action.clone(),
        subject,
        f,
        groups: store::list_groups(&state.db).await?,
        licences: LICENCES,
        frequencies: Frequency::ALL,
        errors: errors.clone(),
    };
    if errors.is_empty() {
        render(&page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

async fn new_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    viewer.require(Action::PublishForSubject(id))?;
    let subject = subject_of(&state, id).await?;
    let f = DatasetFields {
        licence_id: Licence::default_licence().id.to_owned(),
        frequency: Frequency::Annual.as_str().to_owned(),
        ..DatasetFields::default()
    };
    dataset_form(&viewer, &state, subject, f, Vec::new(), None).await
}

async fn create(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    viewer.require(Action::PublishForSubject(id))?;
    let subject = subject_of(&state, id).await?;
    let f = DatasetFields::from_body(&body);
    let lang = viewer.lang.code();
    let input = match f.input().clean() {
        Ok(i) => i,
        Err(errors) => {
            let errors = errors.iter().map(|e| e.message(lang)).collect();
            return dataset_form(&viewer, &state, subject, f, errors, None).await;
        }
    };
    let tx = state.db.begin().await?;
    match store::create_dataset(&tx, &viewer.who(), id, &input).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/datos/{}", input.name)).into_response())
        }
        Err(e) => {
            drop(tx);
            let errors = form_errors(e.into(), viewer.lang)?;
            dataset_form(&viewer, &state, subject, f, errors, None).await
        }
    }
}

async fn edit_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let d = load_dataset(&state, &name).await?;
    viewer.require(Action::PublishForSubject(d.subject_id))?;
    editable(&d)?;
    let subject = subject_of(&state, d.subject_id).await?;
    dataset_form(
        &viewer,
        &state,
        subject,
        DatasetFields::from_dataset(&d),
        Vec::new(),
        Some(&d.name),
    )
    .await
}

async fn update(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let d = load_dataset(&state, &name).await?;
    viewer.require(Action::PublishForSubject(d.subject_id))?;
    editable(&d)?;
    let subject = subject_of(&state, d.subject_id).await?;
    let f = DatasetFields::from_body(&body);
    let lang = viewer.lang.code();
    let input = match f.input().clean() {
        Ok(i) => i,
        Err(errors) => {
            let errors = errors.iter().map(|e| e.message(lang)).collect();
            return dataset_form(&viewer, &state, subject, f, errors, Some(&d.name)).await;
        }
    };
    let tx = state.db.begin().await?;
    match store::update_dataset(&tx, &viewer.who(), d.id, &input).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/datos/{}", input.name)).into_response())
        }
        Err(e) => {
            drop(tx);
            let errors = form_errors(e.into(), viewer.lang)?;
            dataset_form(&viewer, &state, subject, f, errors, Some(&d.name)).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Resources: adding, replacing, describing, deleting

#[derive(Template)]
#[template(path = "catalog/resource_form.html")]
struct ResourceFormPage {
    c: Ctx,
    d: Dataset,
    name: String,
    description: String,
    url: String,
    errors: Vec<String>,
    max_mb: usize,
}

async fn new_resource_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let d = load_dataset(&state, &name).await?;
    viewer.require(Action::PublishForSubject(d.subject_id))?;
    editable(&d)?;
    render(&ResourceFormPage {
        c: Ctx::new(&viewer, &format!("/datos/{}/recursos/nuevo", d.name)),
        d,
        name: String::new(),
        description: String::new(),
        url: String::new(),
        errors: Vec::new(),
        max_mb: MAX_RESOURCE_MB,
    })
}

async fn add_resource(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let d = load_dataset(&state, &name).await?;
    viewer.require(Action::PublishForSubject(d.subject_id))?;
    editable(&d)?;
    let form = read_form(form, MAX_RESOURCE_BYTES).await?;
    let (rname, description, url) = (
        form.text("name").to_owned(),
        form.text("description").to_owned(),
        form.text("url").to_owned(),
    );
    let prepared = prepare_resource(
        &state,
        viewer.lang.code(),
        &rname,
        &description,
        &url,
        form.file,
    )
    .await?;
    let input = match prepared {
        Ok(i) => i,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ResourceFormPage {
                    c: Ctx::new(&viewer, &format!("/datos/{}/recursos/nuevo", d.name)),
                    d,
                    name: rname,
                    description,
                    url,
                    errors,
                    max_mb: MAX_RESOURCE_MB,
                },
            );
        }
    };
    let id = save_new_resource(&state, &viewer.who(), d.id, &input).await?;
    Ok(Redirect::to(&format!("/datos/{}/recursos/{id}", d.name)).into_response())
}

async fn replace_resource(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, rid)): Path<(String, i64)>,
    form: Multipart,
) -> AppResult<Response> {
    let (d, r) = dataset_and_resource(&state, &name, rid).await?;
    viewer.require(Action::PublishForSubject(d.subject_id))?;
    editable(&d)?;
    let form = read_form(form, MAX_RESOURCE_BYTES).await?;
    let url = form.text("url").to_owned();
    let prepared = prepare_resource(
        &state,
        viewer.lang.code(),
        &r.name,
        &r.description,
        &url,
        form.file,
    )
    .await?;
    let input = match prepared {
        Ok(i) => i,
        Err(errors) => {
            return edit_resource_page(&viewer, d, r, errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let tx = state.db.begin().await?;
    let before = match store::replace_resource(&tx, &viewer.who(), rid, &input).await {
        Ok(before) => before,
        Err(e) => {
            drop(tx);
            forget_file(&state, &input).await;
            return Err(e.into());
        }
    };
    if let Err(e) = tx.commit().await {
        forget_file(&state, &input).await;
        return Err(e.into());
    }
    if let Some(old) = before {
        state.files.delete_if_unused(&state.db, &old).await?;
    }
    state.loads.notify_one();
    Ok(Redirect::to(&format!("/datos/{}/recursos/{rid}", d.name)).into_response())
}

#[derive(Template)]
#[template(path = "catalog/resource_edit.html")]
struct ResourceEditPage {
    c: Ctx,
    d: Dataset,
    r: Resource,
    errors: Vec<String>,
    max_mb: usize,
}

fn edit_resource_page(
    viewer: &Viewer,
    d: Dataset,
    r: Resource,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    render_status(
        status,
        &ResourceEditPage {
            c: Ctx::new(
                viewer,
                &format!("/datos/{}/recursos/{}/editar", d.name, r.id),
            ),
            d,
            r,
            errors,
            max_mb: MAX_RESOURCE_MB,
        },
    )
}

async fn dataset_and_resource(
    state: &AppState,
    name: &str,
    rid: i64,
) -> AppResult<(Dataset, Resource)> {
    let d = load_dataset(state, name).await?;
    let r = d
        .resources
        .iter()
        .find(|r| r.id == rid)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((d, r))
}

async fn edit_resource_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, rid)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (d, r) = dataset_and_resource(&state, &name, rid).await?;
    viewer.require(Action::PublishForSubject(d.subject_id))?;
    editable(&d)?;
    edit_resource_page(&viewer, d, r, Vec::new(), StatusCode::OK)
}

async fn edit_resource(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, rid)): Path<(String, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let (d, r) = dataset_and_resource(&state, &name, rid).await?;
    viewer.require(Action::PublishForSubject(d.subject_id))?;
    editable(&d)?;
    let fields: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| fields.get(k).map_or("", |v| v.trim()).to_owned();
    let rname = get("name");
    if rname.is_empty() {
        let msg = if viewer.lang.code() == "en" {
            "name: a name is required"
        } else {
            "name: escribe un nombre"
        };
        return edit_resource_page(
            &viewer,
            d,
            r,
            vec![msg.into()],
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let schema = r.schema.clone().map(|mut s| {
        for (i, f) in s.fields.iter_mut().enumerate() {
            f.title = get(&format!("title_{i}"));
            f.description = get(&format!("description_{i}"));
        }
        s
    });
    let tx = state.db.begin().await?;
    store::describe_resource(
        &tx,
        &viewer.who(),
        rid,
        &rname,
        &get("description"),
        schema.as_ref(),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/datos/{}/recursos/{rid}", d.name)).into_response())
}

async fn delete_resource(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, rid)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (d, _) = dataset_and_resource(&state, &name, rid).await?;
    viewer.require(Action::PublishForSubject(d.subject_id))?;
    editable(&d)?;
    let tx = state.db.begin().await?;
    let key = store::delete_resource(&tx, &viewer.who(), rid).await?;
    tx.commit().await?;
    if let Some(key) = key {
        state.files.delete_if_unused(&state.db, &key).await?;
    }
    Ok(Redirect::to(&format!("/datos/{}", d.name)).into_response())
}

// ---------------------------------------------------------------------------------------------
// A resource: its page with the preview, and downloads

#[derive(Template)]
#[template(path = "catalog/resource.html")]
struct ResourcePage {
    c: Ctx,
    d: Dataset,
    r: Resource,
    can_edit: bool,
    load_errors: Vec<String>,
    /// The preview, when the rows are in the datastore.
    preview: Option<Preview>,
}

struct Preview {
    schema: TableSchema,
    q: String,
    filters: Vec<String>,
    sort: String,
    rows: Vec<Vec<String>>,
    total: i64,
    page: i64,
    last_page: i64,
    /// The query string of the view, without the page.
    view_qs: String,
}

impl Preview {
    /// Whether a cell of the preview (column 0 is the row number) holds a number, shown
    /// right-aligned with thousands separators.
    fn is_number(&self, column: &usize) -> bool {
        use tequio_domain::catalog::table::FieldType;
        column.checked_sub(1).is_some_and(|i| {
            matches!(
                self.schema.fields.get(i).map(|f| f.field_type),
                Some(FieldType::Integer | FieldType::Number)
            )
        })
    }

    fn pager(&self, dataset: &str, resource: &i64) -> crate::listing::Pager {
        crate::listing::Pager::new(
            self.page,
            self.last_page,
            &format!(
                "/datos/{dataset}/recursos/{resource}?{}",
                self.view_qs.trim_start_matches('&')
            ),
            "pagina",
        )
    }

    fn has_filters(&self) -> bool {
        self.filters.iter().any(|f| !f.is_empty())
    }
}

impl ResourcePage {
    fn sort_link(&self, p: &Preview, i: &usize) -> String {
        let name = &p.schema.fields[*i].name;
        let next = if p.sort == *name {
            format!("-{name}")
        } else {
            name.clone()
        };
        let base: String = p
            .view_qs
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("orden="))
            .map(|kv| format!("&{kv}"))
            .collect();
        format!("?orden={}{base}", url_encode(&next))
    }

    fn sort_state(&self, p: &Preview, i: &usize) -> &'static str {
        let name = &p.schema.fields[*i].name;
        if p.sort == *name {
            "ascending"
        } else if p.sort.strip_prefix('-') == Some(name.as_str()) {
            "descending"
        } else {
            "none"
        }
    }
}

/// A resource: its description and, when its rows are in the datastore, a preview with
/// filters, words, sort and pages.
async fn resource_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((name, rid)): Path<(String, i64)>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let (d, r) = dataset_and_resource(&state, &name, rid).await?;
    let preview = match (&r.datastore_table, &r.schema) {
        (Some(table), Some(schema)) => {
            let rows = r.datastore_rows.unwrap_or(0);
            Some(preview(&state, table, rows, schema, &params).await?)
        }
        _ => None,
    };
    let load_errors = r
        .load_error
        .as_deref()
        .map(|e| crate::catalog::load::error_messages(e, viewer.lang.code()))
        .unwrap_or_default();
    render(&ResourcePage {
        c: Ctx::new(&viewer, &format!("/datos/{}/recursos/{}", d.name, r.id)),
        can_edit: d.obligation_id.is_none()
            && viewer.actor.can(Action::PublishForSubject(d.subject_id)),
        d,
        r,
        load_errors,
        preview,
    })
}

/// A page of a datastore table's rows as the query string asks, as text for the preview.
async fn preview(
    state: &AppState,
    table: &str,
    total_rows: i64,
    schema: &TableSchema,
    params: &HashMap<String, String>,
) -> AppResult<Preview> {
    let (mut q, page) = view::parse(schema, params, &PAGE_NAMES, PREVIEW_ROWS)?;
    q.include_total = true;
    let result = store::datastore_search(&state.db, table, total_rows, &q).await?;
    let total = result.total.unwrap_or(0);
    let rows = result
        .rows
        .iter()
        .map(|row| {
            let v = row.values();
            let mut cells = vec![view::cell_text(table::FieldType::Integer, v.first())];
            cells.extend(
                schema
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| view::cell_text(f.field_type, v.get(i + 1))),
            );
            cells
        })
        .collect();
    let filters = schema
        .fields
        .iter()
        .map(|f| {
            params
                .get(&format!("{}{}", crate::listing::FILTER_PREFIX, f.name))
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let mut keys: Vec<_> = params
        .iter()
        .filter(|(k, v)| *k != "pagina" && !v.is_empty())
        .collect();
    keys.sort();
    let view_qs = keys
        .iter()
        .map(|(k, v)| format!("&{}={}", url_encode(k), url_encode(v)))
        .collect();
    Ok(Preview {
        schema: schema.clone(),
        q: params.get("q").cloned().unwrap_or_default(),
        filters,
        sort: params.get("orden").cloned().unwrap_or_default(),
        rows,
        total,
        page,
        last_page: ((total + q.limit - 1) / q.limit).max(1),
        view_qs,
    })
}

async fn download_file(
    State(state): State<AppState>,
    Path((name, rid)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (_, r) = dataset_and_resource(&state, &name, rid).await?;
    let Some(key) = &r.file_key else {
        // A link: send people where it points.
        return Ok(Redirect::to(&r.url).into_response());
    };
    let stream = state.files.stream(key).await?;
    let media = if r.media_type.is_empty() {
        "application/octet-stream".to_owned()
    } else {
        r.media_type.clone()
    };
    let file_name = r.file_name.clone().unwrap_or_else(|| "archivo".into());
    let mut res = (
        [(header::CONTENT_TYPE, media), attachment(&file_name)],
        Body::from_stream(stream),
    )
        .into_response();
    if let Some(size) = r.size {
        res.headers_mut()
            .insert(header::CONTENT_LENGTH, header::HeaderValue::from(size));
    }
    Ok(res)
}

async fn view_download(
    state: AppState,
    name: String,
    rid: i64,
    params: HashMap<String, String>,
    kind: crate::catalog::view::DownloadKind,
) -> AppResult<Response> {
    let (d, r) = dataset_and_resource(&state, &name, rid).await?;
    let (Some(table), Some(schema)) = (r.datastore_table.clone(), r.schema.clone()) else {
        return Err(AppError::NotFound);
    };
    let (q, _) = view::parse(&schema, &params, &PAGE_NAMES, 1)?;
    let file = format!("{}_{}", d.name, r.id);
    Ok(crate::catalog::view::download(
        state.db.clone(),
        table,
        r.datastore_rows.unwrap_or(0),
        schema,
        q,
        kind,
        &file,
    ))
}

async fn download_csv(
    State(state): State<AppState>,
    Path((name, rid)): Path<(String, i64)>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let cells = crate::csv_out::CsvCells::from_params(&params);
    view_download(
        state,
        name,
        rid,
        params,
        crate::catalog::view::DownloadKind::Csv(cells),
    )
    .await
}

async fn download_json(
    State(state): State<AppState>,
    Path((name, rid)): Path<(String, i64)>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    view_download(
        state,
        name,
        rid,
        params,
        crate::catalog::view::DownloadKind::Json,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// The catalogue for machines: DCAT-AP, DCAT-US, Data Package

use crate::catalog::dcat::{self as formats, Site};

enum Rdf {
    Turtle,
    JsonLd,
}

fn rdf_response(graph: &oxrdf::Graph, rdf: Rdf) -> AppResult<Response> {
    let (body, content_type) = match rdf {
        Rdf::Turtle => (formats::to_turtle(graph)?, "text/turtle; charset=utf-8"),
        Rdf::JsonLd => (formats::to_jsonld(graph)?, "application/ld+json"),
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

async fn whole_catalogue(state: &AppState, rdf: Rdf) -> AppResult<Response> {
    let datasets = store::all_datasets(&state.db).await?;
    let groups = store::list_groups(&state.db).await?;
    let site = Site {
        base_url: &state.settings.base_url,
        groups: &groups,
    };
    rdf_response(&formats::dcat_graph(&site, &datasets, true), rdf)
}

async fn one_dataset(state: &AppState, name: &str, rdf: Rdf) -> AppResult<Response> {
    let d = load_dataset(state, name).await?;
    let groups = store::list_groups(&state.db).await?;
    let site = Site {
        base_url: &state.settings.base_url,
        groups: &groups,
    };
    rdf_response(
        &formats::dcat_graph(&site, std::slice::from_ref(&d), false),
        rdf,
    )
}

async fn catalog_turtle(State(state): State<AppState>) -> AppResult<Response> {
    whole_catalogue(&state, Rdf::Turtle).await
}

async fn catalog_jsonld(State(state): State<AppState>) -> AppResult<Response> {
    whole_catalogue(&state, Rdf::JsonLd).await
}

async fn dataset_turtle(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    one_dataset(&state, &name, Rdf::Turtle).await
}

async fn dataset_jsonld(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    one_dataset(&state, &name, Rdf::JsonLd).await
}

async fn catalog_data_json(State(state): State<AppState>) -> AppResult<Response> {
    let datasets = store::all_datasets(&state.db).await?;
    let groups = store::list_groups(&state.db).await?;
    let site = Site {
        base_url: &state.settings.base_url,
        groups: &groups,
    };
    Ok(axum::Json(formats::data_json(&site, &datasets)).into_response())
}

async fn dataset_datapackage(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let d = load_dataset(&state, &name).await?;
    if d.resources.is_empty() {
        // A Data Package must list at least one resource.
        return Err(AppError::Conflict(
            "resources: este conjunto de datos aún no tiene recursos".into(),
        ));
    }
    Ok(axum::Json(formats::datapackage(&state.settings.base_url, &d)).into_response())
}

async fn ocds_response(state: &AppState, subject: Option<i64>) -> AppResult<Response> {
    let package = crate::catalog::ocds::release_package(
        &state.db,
        &state.settings.base_url,
        &state.settings.ocid_prefix,
        subject,
    )
    .await?;
    Ok(axum::Json(package).into_response())
}

/// Procurement results of every subject as an OCDS 1.1 release package.
async fn ocds_all(State(state): State<AppState>) -> AppResult<Response> {
    ocds_response(&state, None).await
}

async fn ocds_subject(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    subject_of(&state, id).await?;
    ocds_response(&state, Some(id)).await
}
