//! The open-data catalogue in `/api/v1`: datasets, their resources, and the rows of a
//! resource in the datastore with the same filters, words, sort and pages as its page.
//! (The CKAN Action API, for CKAN's tools, is in [`super::ckan`].)

use crate::catalog::view;
use crate::error::{AppError, AppResult};
use crate::http::Problem;
use crate::listing::API_NAMES;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tequio_store::catalog::{self as store, Dataset, Resource};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/datasets", get(list_datasets))
        .route("/datasets/{name}", get(get_dataset))
        .route("/resources/{id}", get(get_resource))
        .route("/resources/{id}/rows", get(resource_rows))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_datasets, get_dataset, get_resource, resource_rows),
    components(schemas(
        DatasetSummaryOut,
        DatasetList,
        DatasetOut,
        ResourceOut,
        FieldOut,
        RowPage
    ))
)]
pub struct CatalogDoc;

/// A dataset in a list.
#[derive(Serialize, ToSchema)]
pub struct DatasetSummaryOut {
    /// Its name: the address is `/datos/{name}`.
    name: String,
    title: String,
    /// The obligated subject that publishes it.
    subject_id: i64,
    subject_name: String,
    /// Licence id (`mx-libre-uso`, `cc-by-4.0`…).
    license_id: String,
    tags: Vec<String>,
    /// Theme names.
    groups: Vec<String>,
    /// Formats of its resources (`CSV`, `XLSX`…).
    formats: Vec<String>,
    /// Last change, RFC 3339 UTC.
    updated_at: String,
}

/// A page of datasets.
#[derive(Serialize, ToSchema)]
pub struct DatasetList {
    /// Datasets matching, on every page.
    total: usize,
    page: u32,
    per_page: u32,
    items: Vec<DatasetSummaryOut>,
}

/// Filters and paging of the dataset list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DatasetsQuery {
    /// Words to find (title, description, keywords, publisher).
    q: Option<String>,
    /// Only this subject's datasets.
    subject_id: Option<i64>,
    /// Only datasets with this keyword.
    tag: Option<String>,
    /// Only datasets of this theme (its name).
    group: Option<String>,
    /// Only datasets with a resource in this format (`CSV`…).
    format: Option<String>,
    /// `true`: only the datasets that present transparency obligations; `false`: only the others.
    obligations: Option<bool>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
    /// Datasets per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
}

/// The catalogue's datasets, filtered (the same filters as the catalogue page).
#[utoipa::path(get, path = "/api/v1/datasets", params(DatasetsQuery), responses(
    (status = 200, description = "A page of datasets", body = DatasetList),
    (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json")
))]
async fn list_datasets(
    State(state): State<AppState>,
    Query(p): Query<DatasetsQuery>,
) -> AppResult<Json<DatasetList>> {
    let (page, per_page) = crate::listing::check_page(p.page, p.per_page, 20, 100)?;
    let filter = crate::catalog::ListFilter {
        q: p.q.unwrap_or_default(),
        subject: p.subject_id,
        groups: p.group.into_iter().collect(),
        tags: p.tag.into_iter().collect(),
        formats: p.format.into_iter().collect(),
        licences: Vec::new(),
        obligations: p.obligations,
    };
    let list = crate::catalog::filtered(&state, &filter).await?;
    let total = list.len();
    let items = list
        .into_iter()
        .skip(((page - 1) * per_page) as usize)
        .take(per_page as usize)
        .map(|d| DatasetSummaryOut {
            name: d.name,
            title: d.title,
            subject_id: d.subject_id,
            subject_name: d.subject_name,
            license_id: d.licence_id,
            tags: d.tags,
            groups: d.groups,
            formats: d.formats,
            updated_at: d.updated_at,
        })
        .collect();
    Ok(Json(DatasetList {
        total,
        page,
        per_page,
        items,
    }))
}

/// A column of a tabular resource (its data dictionary).
#[derive(Serialize, ToSchema)]
pub struct FieldOut {
    name: String,
    /// Table Schema type: `integer`, `number`, `boolean`, `date` or `string`.
    #[serde(rename = "type")]
    field_type: String,
    title: String,
    description: String,
}

/// A file or link of a dataset.
#[derive(Serialize, ToSchema)]
pub struct ResourceOut {
    id: i64,
    dataset: String,
    name: String,
    description: String,
    /// Where to download it (an uploaded file) or the link it is.
    url: String,
    format: String,
    media_type: String,
    /// Size in bytes of an uploaded file.
    size: Option<i64>,
    /// SHA-256 of an uploaded file, hex.
    sha256: Option<String>,
    /// Whether its rows can be queried (`/api/v1/resources/{id}/rows`).
    in_datastore: bool,
    /// Rows in the datastore.
    rows: Option<i64>,
    /// The datastore's load: `none`, `queued`, `running`, `done` or `failed`.
    load_status: String,
    /// The data dictionary of a tabular resource.
    fields: Vec<FieldOut>,
    updated_at: String,
}

fn resource_out(base_url: &str, d: &Dataset, r: &Resource) -> ResourceOut {
    ResourceOut {
        id: r.id,
        dataset: d.name.clone(),
        name: r.name.clone(),
        description: r.description.clone(),
        url: crate::catalog::dcat::download_url(base_url, d, r),
        format: r.format.clone(),
        media_type: r.media_type.clone(),
        size: r.size,
        sha256: r.sha256.clone(),
        in_datastore: r.in_datastore(),
        rows: r.datastore_rows,
        load_status: r.load_status.clone(),
        fields: r
            .schema
            .iter()
            .flat_map(|s| &s.fields)
            .map(|f| FieldOut {
                name: f.name.clone(),
                field_type: f.field_type.as_str().to_owned(),
                title: f.title.clone(),
                description: f.description.clone(),
            })
            .collect(),
        updated_at: r.updated_at.clone(),
    }
}

/// A dataset with its resources.
#[derive(Serialize, ToSchema)]
pub struct DatasetOut {
    name: String,
    title: String,
    description: String,
    subject_id: i64,
    subject_name: String,
    license_id: String,
    /// `continuous`, `daily`, `weekly`, `monthly`, `quarterly`, `semiannual`, `annual`, `irregular` or `never`.
    frequency: String,
    tags: Vec<String>,
    groups: Vec<String>,
    temporal_start: String,
    temporal_end: String,
    spatial: String,
    contact_name: String,
    contact_email: String,
    landing_page: String,
    version: String,
    /// Set when the dataset presents a transparency obligation (its resources are periods).
    obligation_id: Option<i64>,
    created_at: String,
    updated_at: String,
    resources: Vec<ResourceOut>,
}

/// A dataset by name.
#[utoipa::path(get, path = "/api/v1/datasets/{name}", params(("name" = String, Path, description = "The dataset's name")), responses(
    (status = 200, description = "The dataset", body = DatasetOut),
    (status = 404, description = "No such dataset", body = Problem, content_type = "application/problem+json")
))]
async fn get_dataset(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Json<DatasetOut>> {
    if name.parse::<i64>().is_ok() {
        // Names are never numbers; the store would read a number as an id.
        return Err(AppError::NotFound);
    }
    let d = store::dataset(&state.db, &name).await?;
    let base = &state.settings.base_url;
    Ok(Json(DatasetOut {
        resources: d
            .resources
            .iter()
            .map(|r| resource_out(base, &d, r))
            .collect(),
        name: d.name.clone(),
        title: d.title.clone(),
        description: d.notes.clone(),
        subject_id: d.subject_id,
        subject_name: d.subject_name.clone(),
        license_id: d.licence_id.clone(),
        frequency: d.frequency.clone(),
        tags: d.tags.clone(),
        groups: d.groups.iter().map(|(n, _)| n.clone()).collect(),
        temporal_start: d.temporal_start.clone(),
        temporal_end: d.temporal_end.clone(),
        spatial: d.spatial.clone(),
        contact_name: d.contact_name.clone(),
        contact_email: d.contact_email.clone(),
        landing_page: d.landing_page.clone(),
        version: d.version.clone(),
        obligation_id: d.obligation_id,
        created_at: d.created_at.clone(),
        updated_at: d.updated_at.clone(),
    }))
}

async fn resource_of(state: &AppState, id: i64) -> AppResult<(Dataset, Resource)> {
    let r = store::resource(&state.db, id).await?;
    let d = store::dataset(&state.db, &r.dataset_id.to_string()).await?;
    Ok((d, r))
}

/// A resource by id.
#[utoipa::path(get, path = "/api/v1/resources/{id}", params(("id" = i64, Path, description = "The resource's id")), responses(
    (status = 200, description = "The resource", body = ResourceOut),
    (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json")
))]
async fn get_resource(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<ResourceOut>> {
    let (d, r) = resource_of(&state, id).await?;
    Ok(Json(resource_out(&state.settings.base_url, &d, &r)))
}

/// A page of a resource's rows.
#[derive(Serialize, ToSchema)]
pub struct RowPage {
    /// Rows matching, on every page.
    total: i64,
    page: i64,
    per_page: i64,
    /// The columns of each row after `_id`, in order.
    columns: Vec<String>,
    /// Each row as an object: `_id` (its number in the file, from 1) and every column, typed.
    #[schema(value_type = Vec<Object>)]
    items: Box<serde_json::value::RawValue>,
}

/// Query of a resource's rows.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RowsQuery {
    /// Words that must all appear in the row (accents and case do not matter).
    q: Option<String>,
    /// A column to sort by; prefix `-` for descending. Column filters are `f_<column>=value`
    /// (rows whose column equals the value).
    sort: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<u32>,
    /// Rows per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    per_page: Option<u32>,
}

/// The rows of a resource in the datastore: the same filters, words, sort and pages as its
/// page and its downloads.
#[utoipa::path(get, path = "/api/v1/resources/{id}/rows", params(("id" = i64, Path, description = "The resource's id"), RowsQuery), responses(
    (status = 200, description = "A page of rows", body = RowPage),
    (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such resource, or its rows are not in the datastore", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The resource has no such column, or a filter's value cannot be of its column's type", body = Problem, content_type = "application/problem+json")
))]
async fn resource_rows(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let r = store::resource(&state.db, id).await?;
    let (Some(table), Some(schema)) = (&r.datastore_table, &r.schema) else {
        return Err(AppError::NotFound);
    };
    let (mut q, page) = view::parse(schema, &params, &API_NAMES, 100)?;
    q.include_total = true;
    let result =
        store::datastore_search(&state.db, table, r.datastore_rows.unwrap_or(0), &q).await?;
    let mut items = String::from("[");
    for (i, row) in result.rows.iter().enumerate() {
        if i > 0 {
            items.push(',');
        }
        view::write_object(&mut items, schema, &q.columns, row.values());
    }
    items.push(']');
    let items = serde_json::value::RawValue::from_string(items)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Json(RowPage {
        total: result.total.unwrap_or(0),
        page,
        per_page: q.limit,
        columns: schema.fields.iter().map(|f| f.name.clone()).collect(),
        items,
    })
    .into_response())
}
