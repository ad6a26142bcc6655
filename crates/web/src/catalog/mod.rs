//! The open-data catalogue: datasets and their resources, the datastore that serves a
//! tabular resource's rows, and the formats harvesters read (CKAN's Action API, DCAT-AP,
//! DCAT-US, Data Packages, OCDS). What its pages, API and CLI share is here.

pub mod api;
pub mod ckan;
pub mod cli;
pub mod dcat;
pub mod load;
pub mod ocds;
pub mod pages;
pub mod view;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::upload::FileField;
use axum::Router;
use std::collections::HashMap;
use tequio_domain::catalog::FileFormat;
use tequio_domain::catalog::table;
use tequio_store::catalog::{self as store, DatasetSummary, ResourceInput};

/// Pages, downloads, `/api/v1` (nested by the app) stay apart; these are the small requests
/// outside `/api/v1`: the pages and CKAN's Action API.
pub fn routes() -> Router<AppState> {
    Router::new().merge(pages::routes()).merge(ckan::routes())
}

/// `/api/v1` routes, nested by the app.
pub fn api_routes() -> Router<AppState> {
    api::routes()
}

/// Forms that carry a resource's file.
pub fn upload_routes() -> Router<AppState> {
    pages::upload_routes()
}

/// The largest file a resource can be (the web form and the API).
pub const MAX_RESOURCE_MB: usize = 200;
pub const MAX_RESOURCE_BYTES: usize = MAX_RESOURCE_MB * 1024 * 1024;

// The list and its facets, shared by the catalogue's page, `/api/v1/datasets` and CKAN's
// `package_search`.

/// What the catalogue list is filtered by (shared with the CKAN API's `package_search`).
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub q: String,
    pub subject: Option<i64>,
    pub groups: Vec<String>,
    pub tags: Vec<String>,
    pub formats: Vec<String>,
    pub licences: Vec<String>,
    /// Only obligations' datasets (`Some(true)`) or only the others (`Some(false)`).
    pub obligations: Option<bool>,
}

impl ListFilter {
    /// Whether a dataset passes every filter except the words.
    pub fn accepts(&self, d: &DatasetSummary) -> bool {
        self.subject.is_none_or(|s| d.subject_id == s)
            && self.groups.iter().all(|g| d.groups.contains(g))
            && self.tags.iter().all(|t| d.tags.contains(t))
            && self
                .formats
                .iter()
                .all(|f| d.formats.iter().any(|x| x.eq_ignore_ascii_case(f)))
            && self.licences.iter().all(|l| d.licence_id == *l)
            && self.obligations.is_none_or(|o| d.is_obligation == o)
    }
}

/// The datasets matching `f`: the best matches of the words first when there are words,
/// else the most recently changed first.
pub async fn filtered(state: &AppState, f: &ListFilter) -> AppResult<Vec<DatasetSummary>> {
    let all = store::summaries(&state.db).await?;
    if f.q.trim().is_empty() {
        return Ok(all.into_iter().filter(|d| f.accepts(d)).collect());
    }
    let ids = store::search_ids(&state.db, &f.q).await?;
    let mut by_id: HashMap<i64, DatasetSummary> = all.into_iter().map(|d| (d.id, d)).collect();
    Ok(ids
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .filter(|d| f.accepts(d))
        .collect())
}

/// Counts of each value of a facet over `list`, most frequent first.
pub fn count_values<'a>(
    list: &'a [DatasetSummary],
    values: impl Fn(&'a DatasetSummary) -> Vec<String>,
) -> Vec<(String, usize)> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for d in list {
        for v in values(d) {
            *counts.entry(v).or_default() += 1;
        }
    }
    let mut out: Vec<_> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

// Resources, shared by the pages and the file-store tests.

/// Turns an upload or a link into what the store saves: the file checked (format sniffed,
/// tabular files read whole and their dictionary inferred) and put in the file store.
/// Problems come back as messages in `lang`; nothing is stored then.
pub async fn prepare_resource(
    state: &AppState,
    lang: &str,
    name: &str,
    description: &str,
    url: &str,
    file: FileField,
) -> AppResult<Result<ResourceInput, Vec<String>>> {
    let en = lang == "en";
    let input = ResourceInput {
        name: name.trim().to_owned(),
        description: description.trim().to_owned(),
        ..ResourceInput::default()
    };
    match file {
        FileField::TooLarge { name } => Ok(Err(vec![if en {
            format!("{name}: the file is larger than {MAX_RESOURCE_MB} MB")
        } else {
            format!("{name}: el archivo pesa más de {MAX_RESOURCE_MB} MB")
        }])),
        FileField::Missing => Ok(link_resource(input, url, lang)),
        FileField::Present {
            name: file_name,
            bytes,
        } => file_resource(state, input, file_name, bytes, lang).await,
    }
}

/// A resource that is a link: its address checked, its format guessed from the name it ends in.
fn link_resource(
    mut input: ResourceInput,
    url: &str,
    lang: &str,
) -> Result<ResourceInput, Vec<String>> {
    let en = lang == "en";
    let url = url.trim();
    if url.is_empty() {
        return Err(vec![if en {
            "file: choose a file or give a link".into()
        } else {
            "file: elige un archivo o escribe un enlace".into()
        }]);
    }
    if let Err(e) = tequio_domain::catalog::check_web_url(url, "url") {
        return Err(vec![e.message(lang)]);
    }
    let ext = url
        .split(['?', '#'])
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e)
        .unwrap_or("");
    let format = FileFormat::from_extension(ext);
    input.url = url.to_owned();
    input.format = format.map(|f| f.label.to_owned()).unwrap_or_default();
    input.media_type = format.map(|f| f.media_type.to_owned()).unwrap_or_default();
    if input.name.is_empty() {
        input.name = url
            .rsplit('/')
            .find(|s| !s.is_empty())
            .unwrap_or(url)
            .to_owned();
    }
    Ok(input)
}

/// A resource that is an uploaded file: its format sniffed, a table read whole (within the
/// limits) for its dictionary, then put in the file store.
async fn file_resource(
    state: &AppState,
    mut input: ResourceInput,
    file_name: String,
    bytes: Vec<u8>,
    lang: &str,
) -> AppResult<Result<ResourceInput, Vec<String>>> {
    let format = match FileFormat::detect(&file_name, &bytes) {
        Ok(f) => f,
        Err(e) => return Ok(Err(vec![e.message(lang)])),
    };
    if format.tabular {
        let (read, bytes) = {
            let file_name = file_name.clone();
            let limits = state.settings.resource_limits;
            tokio::task::spawn_blocking(move || {
                let read = table::read(&file_name, &bytes, &limits);
                (read, bytes)
            })
            .await
            .map_err(|e| AppError::Internal(e.into()))?
        };
        match read {
            Ok(t) => {
                input.schema = Some(t.schema);
                input.rows = Some(i64::try_from(t.row_count).unwrap_or(i64::MAX));
                input.file = Some(state.files.put(&file_name, bytes).await?);
            }
            Err(errors) => return Ok(Err(errors.messages(lang))),
        }
    } else {
        input.file = Some(state.files.put(&file_name, bytes).await?);
    }
    input.format = format.label.to_owned();
    input.media_type = format.media_type.to_owned();
    if input.name.is_empty() {
        input.name = file_name;
    }
    Ok(Ok(input))
}

/// Removes a stored file that a failed save left unreferenced (no orphans).
pub async fn forget_file(state: &AppState, input: &ResourceInput) {
    if let Some(f) = &input.file
        && let Err(e) = state.files.delete_if_unused(&state.db, &f.key).await
    {
        tracing::error!(error = %e, key = %f.key, "cannot remove an unused file");
    }
}

/// Saves a prepared resource and wakes the datastore's loader. When saving fails, the file
/// it put in the file store is taken out again: a failed upload leaves no orphan.
pub async fn save_new_resource(
    state: &AppState,
    who: &tequio_store::audit::Who,
    dataset_id: i64,
    input: &ResourceInput,
) -> AppResult<i64> {
    let saved = async {
        let tx = state.db.begin().await?;
        let id = store::add_resource(&tx, who, dataset_id, input).await?;
        tx.commit().await?;
        Ok::<_, tequio_store::StoreError>(id)
    }
    .await;
    match saved {
        Ok(id) => {
            state.loads.notify_one();
            Ok(id)
        }
        Err(e) => {
            forget_file(state, input).await;
            Err(e.into())
        }
    }
}
