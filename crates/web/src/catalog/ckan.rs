//! The CKAN Action API (read side), at `/api/3/action/{name}` and `/api/action/{name}`, so
//! that CKAN's clients and harvesters (`ckanapi`, national portals) work with Tequio unchanged.
//!
//! Parameters come from the query string (GET) or a JSON object body (POST), as in CKAN.
//! Answers use CKAN's envelope: `{"help", "success": true, "result"}`, and on failure
//! `{"success": false, "error": {"__type", "message" | field lists}}` with CKAN's statuses:
//! 404 `Not Found Error`, 409 `Validation Error`, 403 `Authorization Error`, 400 for an
//! unknown action. Parameters CKAN would ignore are ignored here too.
//!
//! Organisations are the obligated subjects; groups are the catalogue's themes.

use crate::catalog::view;
use crate::catalog::{ListFilter, count_values, filtered};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value as Json, json};
use std::collections::HashMap;
use tequio_domain::catalog::table::TableSchema;
use tequio_domain::catalog::{Frequency, Licence};
use tequio_store::catalog::{self as store, Dataset, DatasetSummary, DatastoreQuery, Resource};
use tequio_store::subjects::{self as subjects_store, Subject};
use tequio_store::{StoreError, Value};

/// The CKAN version whose API this follows (clients use it to choose features).
const CKAN_VERSION: &str = "2.10.4";
/// Most datasets on one page of `package_search`, as in CKAN.
const MAX_ROWS: i64 = 1000;
/// Most rows of one `datastore_search` call, as in CKAN.
const MAX_DATASTORE_LIMIT: i64 = 32000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/3/action/{name}", get(action_get).post(action_post))
        .route("/api/action/{name}", get(action_get).post(action_post))
        .route("/api/3", get(api_version))
        .route("/api", get(api_version))
        .layer(crate::http::read_only_cors())
}

async fn api_version() -> Response {
    json_response(StatusCode::OK, json!({ "version": 3 }).to_string())
}

/// A parameter's problem, as CKAN reports it (a validation error naming the field).
fn field_error(field: &str, message: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("{field}: {message}"))
}

/// Actions fail with the one error type of handlers; [`error_response`] is CKAN's view of it.
type CkanResult<T> = AppResult<T>;

fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        body,
    )
        .into_response()
}

fn help_url(state: &AppState, action: &str) -> String {
    format!(
        "{}/api/3/action/help_show?name={action}",
        state.settings.base_url
    )
}

/// CKAN's view of an error: its `__type`, message and status, in CKAN's envelope.
fn error_response(state: &AppState, action: &str, e: AppError) -> Response {
    let typed = |kind: &str, message: &str| json!({ "__type": kind, "message": message });
    let (status, error) = match &e {
        AppError::NotFound => (StatusCode::NOT_FOUND, typed("Not Found Error", "Not found")),
        AppError::Missing(m) => (StatusCode::NOT_FOUND, typed("Not Found Error", m)),
        AppError::Forbidden | AppError::Unauthorized | AppError::CrossSite => (
            StatusCode::FORBIDDEN,
            typed("Authorization Error", "Access denied"),
        ),
        AppError::NotAllowed(m) => (StatusCode::FORBIDDEN, typed("Authorization Error", m)),
        other => match other.messages(Lang::Es) {
            Some(messages) => {
                let mut error = Map::new();
                error.insert("__type".into(), json!("Validation Error"));
                for m in messages {
                    let (f, m) = m.split_once(": ").unwrap_or(("", m.as_str()));
                    let entry = error.entry(f).or_insert_with(|| json!([]));
                    if let Some(list) = entry.as_array_mut() {
                        list.push(json!(m));
                    }
                }
                (StatusCode::CONFLICT, Json::Object(error))
            }
            None => {
                tracing::error!(error = format!("{other:#}"), "CKAN action failed");
                let m = "Internal Server Error";
                (StatusCode::INTERNAL_SERVER_ERROR, typed(m, m))
            }
        },
    };
    let body = json!({ "help": help_url(state, action), "success": false, "error": error });
    json_response(status, body.to_string())
}

/// CKAN's answer to an action it does not know.
fn unknown_action(state: &AppState, name: &str) -> Response {
    let error = json!({
        "__type": "Bad request",
        "message": format!("Bad request - Action name not known: {name}"),
    });
    let body = json!({ "help": help_url(state, name), "success": false, "error": error });
    json_response(StatusCode::BAD_REQUEST, body.to_string())
}

/// The success envelope around a result already written as JSON.
fn success(state: &AppState, action: &str, result: &str) -> Response {
    let mut body = String::with_capacity(result.len() + 120);
    body.push_str("{\"help\":");
    view::write_str(&mut body, &help_url(state, action));
    body.push_str(",\"success\":true,\"result\":");
    body.push_str(result);
    body.push('}');
    json_response(StatusCode::OK, body)
}

async fn action_get(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let mut params = Map::new();
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        // A key given twice becomes a list, as CKAN reads it.
        match params.get_mut(k.as_ref()) {
            Some(Json::Array(list)) => list.push(json!(v)),
            Some(existing) => {
                let first = existing.take();
                *existing = json!([first, v]);
            }
            None => {
                params.insert(k.into_owned(), json!(v));
            }
        }
    }
    dispatch(&state, &name, Params(params)).await
}

async fn action_post(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let trimmed = body.iter().position(|b| !b.is_ascii_whitespace());
    let params = match trimmed {
        None => {
            return action_get(State(state), Path(name), RawQuery(query)).await;
        }
        Some(_) => match serde_json::from_slice::<Json>(&body) {
            Ok(Json::Object(map)) => map,
            Ok(_) => {
                return error_response(
                    &state,
                    &name,
                    field_error("body", "the body must be a JSON object"),
                );
            }
            Err(e) => {
                // A form-encoded body (CKAN accepts those too).
                if body.first() != Some(&b'{') {
                    let mut map = Map::new();
                    for (k, v) in form_urlencoded::parse(&body) {
                        map.insert(k.into_owned(), json!(v));
                    }
                    map
                } else {
                    return error_response(
                        &state,
                        &name,
                        field_error("body", format!("the body is not valid JSON: {e}")),
                    );
                }
            }
        },
    };
    dispatch(&state, &name, Params(params)).await
}

/// CKAN's write actions: refused here (publishing goes through the pages and `/api/v1`,
/// with their permissions and checks).
const WRITE_ACTIONS: &[&str] = &[
    "package_create",
    "package_update",
    "package_patch",
    "package_delete",
    "resource_create",
    "resource_update",
    "resource_patch",
    "resource_delete",
    "organization_create",
    "group_create",
    "datastore_create",
    "datastore_upsert",
    "datastore_delete",
];

async fn dispatch(state: &AppState, name: &str, p: Params) -> Response {
    let result = match name {
        "status_show" => Ok(status_show(state)),
        "help_show" => help_show(&p),
        "package_list" => package_list(state, &p).await,
        "package_show" => package_show(state, &p).await,
        "package_search" => package_search(state, &p).await,
        "organization_list" => organization_list(state, &p).await,
        "organization_show" => organization_show(state, &p).await,
        "group_list" => group_list(state, &p).await,
        "group_show" => group_show(state, &p).await,
        "tag_list" => tag_list(state, &p).await,
        "resource_show" => resource_show(state, &p).await,
        "datastore_search" => datastore_search(state, &p).await,
        n if WRITE_ACTIONS.contains(&n) => Err(AppError::NotAllowed(
            "Tequio's CKAN API is read-only: publish through the web pages or /api/v1".into(),
        )),
        other => return unknown_action(state, other),
    };
    match result {
        Ok(r) => success(state, name, &r),
        Err(e) => error_response(state, name, e),
    }
}

/// An action's parameters, with CKAN's leniency: numbers may come as text, lists as JSON
/// text or comma-separated.
struct Params(Map<String, Json>);

impl Params {
    fn text(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Json::String(s) => Some(s.clone()),
            Json::Null => None,
            Json::Array(a) => a
                .last()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
            other => Some(other.to_string()),
        }
    }

    fn required(&self, key: &str) -> CkanResult<String> {
        self.text(key)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| field_error(key, "Missing value"))
    }

    fn int(&self, key: &str, default: i64, min: i64) -> CkanResult<i64> {
        match self.0.get(key) {
            None | Some(Json::Null) => Ok(default),
            Some(v) => {
                let n = match v {
                    Json::Number(n) => n.as_i64(),
                    Json::String(s) if s.trim().is_empty() => Some(default),
                    Json::String(s) => s.trim().parse().ok(),
                    _ => None,
                };
                match n {
                    Some(n) if n >= min => Ok(n),
                    _ if min == 0 => Err(field_error(key, "Must be a natural number")),
                    _ => Err(field_error(key, "Must be a postive integer")),
                }
            }
        }
    }

    fn bool(&self, key: &str, default: bool) -> CkanResult<bool> {
        match self.0.get(key) {
            None | Some(Json::Null) => Ok(default),
            Some(Json::Bool(b)) => Ok(*b),
            Some(Json::String(s)) => match s.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" | "" => Ok(false),
                _ => Err(field_error(
                    key,
                    format!("Value must be one of: true, false (not '{s}')"),
                )),
            },
            Some(Json::Number(n)) => Ok(n.as_i64() != Some(0)),
            Some(_) => Err(field_error(key, "Value must be one of: true, false")),
        }
    }

    /// A list given as a JSON list, as JSON text (`'["tags"]'`), or as comma-separated text.
    fn list(&self, key: &str) -> CkanResult<Vec<String>> {
        let as_strings = |items: &[Json]| -> CkanResult<Vec<String>> {
            items
                .iter()
                .map(|v| match v {
                    Json::String(s) => Ok(s.clone()),
                    _ => Err(field_error(key, "must be a list of strings")),
                })
                .collect()
        };
        match self.0.get(key) {
            None | Some(Json::Null) => Ok(Vec::new()),
            Some(Json::Array(items)) => {
                // Repeated query keys, each possibly JSON text itself.
                let mut out = Vec::new();
                for s in as_strings(items)? {
                    out.extend(parse_list_text(key, &s)?);
                }
                Ok(out)
            }
            Some(Json::String(s)) => parse_list_text(key, s),
            Some(_) => Err(field_error(key, "must be a list of strings")),
        }
    }

    /// A JSON object given as an object or as JSON text.
    fn object(&self, key: &str) -> CkanResult<Map<String, Json>> {
        match self.0.get(key) {
            None | Some(Json::Null) => Ok(Map::new()),
            Some(Json::Object(m)) => Ok(m.clone()),
            Some(Json::String(s)) if s.trim().is_empty() => Ok(Map::new()),
            Some(Json::String(s)) => match serde_json::from_str::<Json>(s) {
                Ok(Json::Object(m)) => Ok(m),
                _ => Err(field_error(key, "Cannot parse JSON object")),
            },
            Some(_) => Err(field_error(key, "Not a JSON object")),
        }
    }
}

fn parse_list_text(key: &str, s: &str) -> CkanResult<Vec<String>> {
    let t = s.trim();
    if t.starts_with('[') {
        serde_json::from_str::<Vec<String>>(t)
            .map_err(|_| field_error(key, "Cannot parse JSON list of strings"))
    } else {
        Ok(t.split(',')
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect())
    }
}

// ---------------------------------------------------------------------------------------------
// Shapes

/// The organisation name of a subject: its name as a slug, plus its id (unique and stable).
pub fn organization_name(id: i64, name: &str) -> String {
    let slug: String = tequio_domain::text::slugify(name)
        .chars()
        .take(80)
        .collect();
    format!("{}-{id}", slug.trim_end_matches('-'))
}

/// The subject id of an organisation name or id.
fn organization_id(key: &str) -> Option<i64> {
    key.parse()
        .ok()
        .or_else(|| key.rsplit('-').next().and_then(|n| n.parse().ok()))
}

fn organization_dict(s: &Subject, package_count: usize) -> Json {
    json!({
        "id": s.id.to_string(),
        "name": organization_name(s.id, &s.name),
        "title": s.name,
        "display_name": s.name,
        "description": s.acronym.clone().unwrap_or_default(),
        "type": "organization",
        "is_organization": true,
        "state": if s.is_active() { "active" } else { "deleted" },
        "approval_status": "approved",
        "image_url": "",
        "created": s.created_at,
        "package_count": package_count,
    })
}

fn resource_dict(state: &AppState, d: &Dataset, r: &Resource) -> Json {
    json!({
        "id": r.id.to_string(),
        "package_id": d.id.to_string(),
        "name": r.name,
        "description": r.description,
        "format": r.format,
        "mimetype": if r.media_type.is_empty() { Json::Null } else { json!(r.media_type) },
        "url": crate::catalog::dcat::download_url(&state.settings.base_url, d, r),
        "url_type": if r.file_key.is_some() { json!("upload") } else { Json::Null },
        "size": r.size,
        "hash": r.sha256.as_ref().map(|h| format!("sha256:{h}")).unwrap_or_default(),
        "created": r.created_at.trim_end_matches('Z'),
        "last_modified": r.updated_at.trim_end_matches('Z'),
        "metadata_modified": r.updated_at.trim_end_matches('Z'),
        "position": r.position - 1,
        "state": "active",
        "datastore_active": r.in_datastore(),
        "schema": r.schema.as_ref().map(|s| serde_json::to_value(s).unwrap_or(Json::Null)),
    })
}

fn package_dict(state: &AppState, d: &Dataset, groups: &[store::Group]) -> Json {
    let licence = Licence::find(&d.licence_id);
    let frequency = Frequency::parse(&d.frequency);
    let mut extras = vec![json!({"key": "frequency", "value": d.frequency})];
    if let Some(ob) = d.obligation_id {
        extras.push(json!({"key": "transparency_obligation_id", "value": ob.to_string()}));
    }
    if let Some(f) = frequency {
        extras.push(json!({"key": "accrual_periodicity", "value": f.eu_uri()}));
    }
    for (k, v) in [
        ("temporal_start", &d.temporal_start),
        ("temporal_end", &d.temporal_end),
        ("spatial_text", &d.spatial),
    ] {
        if !v.is_empty() {
            extras.push(json!({"key": k, "value": v}));
        }
    }
    let organization = json!({
        "id": d.subject_id.to_string(),
        "name": organization_name(d.subject_id, &d.subject_name),
        "title": d.subject_name,
        "type": "organization",
        "is_organization": true,
        "state": "active",
        "image_url": "",
        "description": d.subject_acronym.clone().unwrap_or_default(),
    });
    json!({
        "id": d.id.to_string(),
        "name": d.name,
        "title": d.title,
        "notes": d.notes,
        "url": d.landing_page,
        "version": if d.version.is_empty() { Json::Null } else { json!(d.version) },
        "type": "dataset",
        "state": "active",
        "private": false,
        "license_id": d.licence_id,
        "license_title": licence.map(|l| l.title),
        "license_url": licence.map(|l| l.url),
        "isopen": licence.is_some_and(|l| l.open),
        "author": d.subject_name,
        "author_email": Json::Null,
        "maintainer": if d.contact_name.is_empty() { Json::Null } else { json!(d.contact_name) },
        "maintainer_email": if d.contact_email.is_empty() { Json::Null } else { json!(d.contact_email) },
        "metadata_created": d.created_at.trim_end_matches('Z'),
        "metadata_modified": d.updated_at.trim_end_matches('Z'),
        "owner_org": d.subject_id.to_string(),
        "organization": organization,
        "tags": d.tags.iter().map(|t| json!({"name": t, "display_name": t, "state": "active", "vocabulary_id": null})).collect::<Vec<_>>(),
        "num_tags": d.tags.len(),
        "groups": d.groups.iter().map(|(n, t)| {
            let g = groups.iter().find(|g| g.name == *n);
            json!({"id": g.map(|g| g.id.to_string()), "name": n, "title": t, "display_name": t,
                   "description": g.map(|g| g.description.clone()).unwrap_or_default(), "image_display_url": ""})
        }).collect::<Vec<_>>(),
        "resources": d.resources.iter().map(|r| resource_dict(state, d, r)).collect::<Vec<_>>(),
        "num_resources": d.resources.len(),
        "extras": extras,
        "relationships_as_object": [],
        "relationships_as_subject": [],
    })
}

// ---------------------------------------------------------------------------------------------
// Actions

fn status_show(state: &AppState) -> String {
    json!({
        "site_title": "Tequio",
        "site_description": "Gobierno abierto: transparencia, datos abiertos y colaboración",
        "site_url": state.settings.base_url,
        "ckan_version": CKAN_VERSION,
        "tequio_version": env!("CARGO_PKG_VERSION"),
        "locale_default": "es",
        "extensions": ["datastore"],
    })
    .to_string()
}

fn help_show(p: &Params) -> CkanResult<String> {
    let name = p.required("name")?;
    let text = match name.as_str() {
        "package_search" => {
            "Searches datasets: q, fq (organization, tags, groups, res_format, license_id, name), rows (at most 1000), start, sort, facet.field, facet.limit."
        }
        "package_show" => "A dataset by id or name.",
        "package_list" => "The names of all datasets.",
        "organization_list" | "organization_show" => {
            "Organizations are Tequio's obligated subjects."
        }
        "group_list" | "group_show" => "Groups are the catalogue's themes.",
        "tag_list" => "Keywords in use.",
        "resource_show" => "A resource by id.",
        "datastore_search" => {
            "Rows of a resource in the datastore: resource_id, filters, q, limit (at most 32000), offset, fields, sort, include_total, records_format (csv and tsv text is safe for spreadsheets unless exact=true)."
        }
        "status_show" => "This site and the CKAN version it follows.",
        _ => {
            return Err(AppError::Missing(format!(
                "Action function not found: {name}"
            )));
        }
    };
    Ok(json!(text).to_string())
}

fn page_of<T>(items: Vec<T>, p: &Params) -> CkanResult<Vec<T>> {
    let offset = usize::try_from(p.int("offset", 0, 0)?).unwrap_or(0);
    let limit = match p.0.get("limit") {
        None | Some(Json::Null) => usize::MAX,
        _ => usize::try_from(p.int("limit", 0, 0)?).unwrap_or(usize::MAX),
    };
    Ok(items.into_iter().skip(offset).take(limit).collect())
}

async fn package_list(state: &AppState, p: &Params) -> CkanResult<String> {
    let mut names: Vec<String> = store::summaries(&state.db)
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect();
    names.sort();
    Ok(json!(page_of(names, p)?).to_string())
}

async fn package_show(state: &AppState, p: &Params) -> CkanResult<String> {
    let id = p.required("id")?;
    let d = store::dataset(&state.db, &id).await.map_err(|e| match e {
        StoreError::NotFound => AppError::Missing("Not found".into()),
        other => other.into(),
    })?;
    let groups = store::list_groups(&state.db).await?;
    Ok(package_dict(state, &d, &groups).to_string())
}

/// A filter of `fq`: `field:value` or `field:"value"` terms, joined by spaces or `AND`.
fn parse_fq(fq: &str, f: &mut ListFilter, names: &mut Vec<String>) -> CkanResult<()> {
    let bad = |m: String| field_error("fq", m);
    let mut rest = fq.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("AND ").or_else(|| rest.strip_prefix("+")) {
            rest = r.trim_start();
            continue;
        }
        let (field, after) = rest
            .split_once(':')
            .ok_or_else(|| bad(format!("Cannot parse fq '{fq}': expected field:value")))?;
        let field = field.trim();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| bad(format!("Cannot parse fq '{fq}': unclosed quote")))?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if value.is_empty() {
            return Err(bad(format!(
                "Cannot parse fq '{fq}': empty value for {field}"
            )));
        }
        let value = value.to_owned();
        match field {
            "organization" | "owner_org" => {
                let id = organization_id(&value)
                    .ok_or_else(|| bad(format!("unknown organization '{value}'")))?;
                f.subject = Some(id);
            }
            "tags" => f.tags.push(value),
            "groups" => f.groups.push(value),
            "res_format" => f.formats.push(value),
            "license_id" => f.licences.push(value),
            "name" => names.push(value),
            "dataset_type" | "type" if value == "dataset" => {}
            "+state" | "state" if value == "active" => {}
            other => {
                return Err(bad(format!(
                    "Cannot filter on '{other}': use organization, tags, groups, res_format, license_id or name"
                )));
            }
        }
        rest = next.trim_start();
    }
    Ok(())
}

/// Sort keys of `package_search` that Tequio supports.
fn sort_datasets(list: &mut [DatasetSummary], sort: &str, ranked: bool) -> CkanResult<()> {
    let mut keys = Vec::new();
    for part in sort.split(',') {
        let mut words = part.split_whitespace();
        let Some(field) = words.next() else { continue };
        let desc = match words.next().unwrap_or("asc") {
            "asc" => false,
            "desc" => true,
            other => {
                return Err(field_error(
                    "sort",
                    format!("Invalid sort direction '{other}': use asc or desc"),
                ));
            }
        };
        if !matches!(
            field,
            "score" | "metadata_modified" | "metadata_created" | "name" | "title" | "title_string"
        ) {
            return Err(field_error(
                "sort",
                format!(
                    "Cannot sort by '{field}': use score, metadata_modified, metadata_created, name or title_string"
                ),
            ));
        }
        keys.push((field.to_owned(), desc));
    }
    // The list comes best match first (with words) or newest first; a stable sort keeps that
    // order among equals, so `score` needs no key of its own.
    if keys.iter().all(|(k, _)| k == "score") && ranked {
        return Ok(());
    }
    list.sort_by(|a, b| {
        for (k, desc) in &keys {
            let o = match k.as_str() {
                "metadata_modified" => a.updated_at.cmp(&b.updated_at),
                "metadata_created" => a.created_at.cmp(&b.created_at),
                "name" => a.name.cmp(&b.name),
                "title" | "title_string" => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
                _ => std::cmp::Ordering::Equal,
            };
            let o = if *desc { o.reverse() } else { o };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(())
}

async fn package_search(state: &AppState, p: &Params) -> CkanResult<String> {
    let mut f = ListFilter::default();
    let q = p.text("q").unwrap_or_default();
    let q = q.trim();
    if !(q.is_empty() || q == "*:*" || q == "*") {
        f.q = q.to_owned();
    }
    let mut names = Vec::new();
    if let Some(fq) = p.text("fq") {
        parse_fq(&fq, &mut f, &mut names)?;
    }
    for fq in p.list("fq_list")? {
        parse_fq(&fq, &mut f, &mut names)?;
    }
    let rows = p.int("rows", 10, 0)?.min(MAX_ROWS);
    let start = p.int("start", 0, 0)?;
    let sort = p
        .text("sort")
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "score desc, metadata_modified desc".into());
    let facet_fields = p.list("facet.field")?;
    let facet_limit = p.int("facet.limit", 50, -1)?;
    let mut list = filtered(state, &f).await?;
    if !names.is_empty() {
        list.retain(|d| names.contains(&d.name));
    }
    sort_datasets(&mut list, &sort, !f.q.is_empty())?;
    let count = list.len();
    let groups = store::list_groups(&state.db).await?;
    let mut facets = Map::new();
    let mut search_facets = Map::new();
    for field in &facet_fields {
        let counts: Vec<(String, usize)> = match field.as_str() {
            "tags" => count_values(&list, |d| d.tags.clone()),
            "groups" => count_values(&list, |d| d.groups.clone()),
            "res_format" => count_values(&list, |d| d.formats.clone()),
            "license_id" => count_values(&list, |d| vec![d.licence_id.clone()]),
            "organization" => count_values(&list, |d| {
                vec![organization_name(d.subject_id, &d.subject_name)]
            }),
            other => {
                return Err(field_error(
                    "facet.field",
                    format!(
                        "Cannot facet on '{other}': use tags, groups, res_format, license_id or organization"
                    ),
                ));
            }
        };
        let limit = usize::try_from(facet_limit).unwrap_or(usize::MAX);
        let shown: Vec<_> = counts.into_iter().take(limit).collect();
        let display = |v: &str| -> String {
            match field.as_str() {
                "groups" => groups
                    .iter()
                    .find(|g| g.name == v)
                    .map_or_else(|| v.to_owned(), |g| g.title.clone()),
                "organization" => list
                    .iter()
                    .find(|d| organization_name(d.subject_id, &d.subject_name) == v)
                    .map_or_else(|| v.to_owned(), |d| d.subject_name.clone()),
                "license_id" => {
                    Licence::find(v).map_or_else(|| v.to_owned(), |l| l.title.to_owned())
                }
                _ => v.to_owned(),
            }
        };
        facets.insert(
            field.clone(),
            Json::Object(shown.iter().map(|(v, n)| (v.clone(), json!(n))).collect()),
        );
        search_facets.insert(
            field.clone(),
            json!({
                "title": field,
                "items": shown.iter().map(|(v, n)| json!({"name": v, "display_name": display(v), "count": n})).collect::<Vec<_>>(),
            }),
        );
    }
    let page: Vec<DatasetSummary> = list
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(rows).unwrap_or(0))
        .collect();
    let ids: Vec<i64> = page.iter().map(|s| s.id).collect();
    let results = packages(state, &ids, &groups).await?;
    Ok(json!({
        "count": count,
        "sort": sort,
        "results": results,
        "facets": facets,
        "search_facets": search_facets,
    })
    .to_string())
}

/// Package dicts of these datasets, in this order (one batch of queries for them all).
async fn packages(state: &AppState, ids: &[i64], groups: &[store::Group]) -> CkanResult<Vec<Json>> {
    Ok(store::datasets_with_ids(&state.db, ids)
        .await?
        .iter()
        .map(|d| package_dict(state, d, groups))
        .collect())
}

async fn organization_counts(state: &AppState) -> CkanResult<HashMap<i64, usize>> {
    let mut counts = HashMap::new();
    for d in store::summaries(&state.db).await? {
        *counts.entry(d.subject_id).or_insert(0) += 1;
    }
    Ok(counts)
}

async fn all_subjects(state: &AppState) -> CkanResult<Vec<Subject>> {
    let (_, subjects) = subjects_store::list(
        &state.db,
        &subjects_store::Filter {
            limit: 100_000,
            ..Default::default()
        },
    )
    .await?;
    Ok(subjects)
}

async fn organization_list(state: &AppState, p: &Params) -> CkanResult<String> {
    let counts = organization_counts(state).await?;
    let all_fields = p.bool("all_fields", false)?;
    let mut subjects = all_subjects(state).await?;
    subjects.sort_by(|a, b| a.name.cmp(&b.name));
    let subjects = page_of(subjects, p)?;
    let out: Vec<Json> = subjects
        .iter()
        .map(|s| {
            if all_fields {
                organization_dict(s, counts.get(&s.id).copied().unwrap_or(0))
            } else {
                json!(organization_name(s.id, &s.name))
            }
        })
        .collect();
    Ok(json!(out).to_string())
}

async fn organization_show(state: &AppState, p: &Params) -> CkanResult<String> {
    let key = p.required("id")?;
    let id = organization_id(&key)
        .ok_or_else(|| AppError::Missing("Organization was not found.".into()))?;
    let s = subjects_store::get(&state.db, id)
        .await?
        .filter(|s| key == s.id.to_string() || key == organization_name(s.id, &s.name))
        .ok_or_else(|| AppError::Missing("Organization was not found.".into()))?;
    let counts = organization_counts(state).await?;
    let mut dict = organization_dict(&s, counts.get(&s.id).copied().unwrap_or(0));
    if p.bool("include_datasets", false)? {
        let groups = store::list_groups(&state.db).await?;
        let ids: Vec<i64> = store::summaries(&state.db)
            .await?
            .into_iter()
            .filter(|d| d.subject_id == s.id)
            .take(1000)
            .map(|d| d.id)
            .collect();
        dict["packages"] = json!(packages(state, &ids, &groups).await?);
    }
    Ok(dict.to_string())
}

fn group_dict(g: &store::Group) -> Json {
    json!({
        "id": g.id.to_string(),
        "name": g.name,
        "title": g.title,
        "display_name": g.title,
        "description": g.description,
        "type": "group",
        "is_organization": false,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "created": g.created_at.trim_end_matches('Z'),
        "package_count": g.dataset_count,
    })
}

async fn group_list(state: &AppState, p: &Params) -> CkanResult<String> {
    let all_fields = p.bool("all_fields", false)?;
    let groups = page_of(store::list_groups(&state.db).await?, p)?;
    let out: Vec<Json> = groups
        .iter()
        .map(|g| {
            if all_fields {
                group_dict(g)
            } else {
                json!(g.name)
            }
        })
        .collect();
    Ok(json!(out).to_string())
}

async fn group_show(state: &AppState, p: &Params) -> CkanResult<String> {
    let key = p.required("id")?;
    let g = store::group(&state.db, &key).await.map_err(|e| match e {
        StoreError::NotFound => AppError::Missing("Group was not found.".into()),
        other => other.into(),
    })?;
    let mut dict = group_dict(&g);
    if p.bool("include_datasets", false)? {
        let groups = store::list_groups(&state.db).await?;
        let ids: Vec<i64> = store::summaries(&state.db)
            .await?
            .into_iter()
            .filter(|d| d.groups.contains(&g.name))
            .take(1000)
            .map(|d| d.id)
            .collect();
        dict["packages"] = json!(packages(state, &ids, &groups).await?);
    }
    Ok(dict.to_string())
}

async fn tag_list(state: &AppState, p: &Params) -> CkanResult<String> {
    let query = p.text("query").unwrap_or_default().to_lowercase();
    let all_fields = p.bool("all_fields", false)?;
    let mut tags: Vec<String> = store::summaries(&state.db)
        .await?
        .into_iter()
        .flat_map(|d| d.tags)
        .filter(|t| query.is_empty() || t.to_lowercase().contains(&query))
        .collect();
    tags.sort();
    tags.dedup();
    let out: Vec<Json> = tags
        .iter()
        .map(|t| {
            if all_fields {
                json!({"name": t, "display_name": t, "vocabulary_id": null})
            } else {
                json!(t)
            }
        })
        .collect();
    Ok(json!(out).to_string())
}

async fn resource_and_dataset(state: &AppState, key: &str) -> CkanResult<(Dataset, Resource)> {
    let not_found = || AppError::Missing(format!("Resource \"{key}\" was not found."));
    let id: i64 = key.trim().parse().map_err(|_| not_found())?;
    let r = store::resource(&state.db, id).await.map_err(|e| match e {
        StoreError::NotFound => not_found(),
        other => other.into(),
    })?;
    let d = store::dataset(&state.db, &r.dataset_id.to_string()).await?;
    Ok((d, r))
}

async fn resource_show(state: &AppState, p: &Params) -> CkanResult<String> {
    let key = p.required("id")?;
    let (d, r) = resource_and_dataset(state, &key).await?;
    Ok(resource_dict(state, &d, &r).to_string())
}

/// The column positions named by `fields`, in that order (all when empty). `_id` is implied.
fn field_positions(schema: &TableSchema, names: &[String]) -> CkanResult<Vec<usize>> {
    if names.is_empty() {
        return Ok((0..schema.fields.len()).collect());
    }
    let mut out = Vec::new();
    for n in names.iter().filter(|n| *n != "_id") {
        let i = schema
            .position(n)
            .ok_or_else(|| field_error("fields", format!("field \"{n}\" not in table")))?;
        out.push(i);
    }
    Ok(out)
}

fn datastore_sort(schema: &TableSchema, p: &Params) -> CkanResult<Vec<(Option<usize>, bool)>> {
    let mut out = Vec::new();
    for part in p.list("sort")? {
        let mut words = part.split_whitespace();
        let Some(name) = words.next() else { continue };
        let name = name.trim_matches('"');
        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(field_error(
                    "sort",
                    format!("Invalid sort direction \"{other}\""),
                ));
            }
        };
        let column = if name == "_id" {
            None
        } else {
            Some(
                schema
                    .position(name)
                    .ok_or_else(|| field_error("sort", format!("field \"{name}\" not in table")))?,
            )
        };
        out.push((column, desc));
    }
    Ok(out)
}

async fn datastore_search(state: &AppState, p: &Params) -> CkanResult<String> {
    let resource_id = p.required("resource_id").or_else(|_| p.required("id"))?;
    let not_found = || AppError::Missing(format!("Resource \"{resource_id}\" was not found."));
    let id: i64 = resource_id.trim().parse().map_err(|_| not_found())?;
    let r = store::resource(&state.db, id).await.map_err(|e| match e {
        StoreError::NotFound => not_found(),
        other => other.into(),
    })?;
    let (Some(table), Some(schema)) = (&r.datastore_table, &r.schema) else {
        return Err(not_found());
    };
    let limit = p.int("limit", 100, 0)?.min(MAX_DATASTORE_LIMIT);
    let offset = p.int("offset", 0, 0)?;
    let include_total = p.bool("include_total", true)?;
    let records_format = p.text("records_format").unwrap_or_else(|| "objects".into());
    if !matches!(records_format.as_str(), "objects" | "lists" | "csv" | "tsv") {
        return Err(field_error(
            "records_format",
            "Value must be one of ['objects', 'lists', 'csv', 'tsv']",
        ));
    }
    // CSV and TSV records are safe to open in a spreadsheet unless `exact` is asked for.
    let cells = if p.bool("exact", false)? {
        crate::csv_out::CsvCells::Exact
    } else {
        crate::csv_out::CsvCells::Safe
    };
    let columns = field_positions(schema, &p.list("fields")?)?;
    let mut filters = Vec::new();
    for (name, v) in p.object("filters")? {
        let c = schema
            .position(&name)
            .ok_or_else(|| field_error("filters", format!("field \"{name}\" not in table")))?;
        let texts: Vec<Option<String>> = match v {
            Json::Array(items) => items.iter().map(json_text).collect(),
            other => vec![json_text(&other)],
        };
        let mut values = Vec::new();
        for t in texts {
            values.push(match t {
                None => Value::Null,
                Some(t) => view::filter_value(schema, c, &t).map_err(|e| {
                    let m = e.to_string();
                    field_error(
                        "filters",
                        m.split_once(": ").map_or(m.clone(), |(_, m)| m.to_owned()),
                    )
                })?,
            });
        }
        filters.push((c, values));
    }
    let words = match p.0.get("q") {
        Some(Json::Object(_)) => {
            return Err(field_error(
                "q",
                "Tequio searches all columns: give q as text",
            ));
        }
        _ => view::words(&p.text("q").unwrap_or_default()),
    };
    let q = DatastoreQuery {
        filters,
        words,
        sort: datastore_sort(schema, p)?,
        columns: columns.clone(),
        limit,
        offset,
        after_id: None,
        include_total,
    };
    let page = store::datastore_search(&state.db, table, r.datastore_rows.unwrap_or(0), &q).await?;
    Ok(datastore_result(
        &resource_id,
        schema,
        &columns,
        &page,
        &q,
        (&records_format, cells),
        p,
    ))
}

fn json_text(v: &Json) -> Option<String> {
    match v {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Writes `datastore_search`'s result straight into a string: it is the hot path of the
/// datastore, and building a JSON tree first would double its cost.
fn datastore_result(
    resource_id: &str,
    schema: &TableSchema,
    columns: &[usize],
    page: &store::DatastorePage,
    q: &DatastoreQuery,
    (records_format, cells): (&str, crate::csv_out::CsvCells),
    p: &Params,
) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(256 + page.rows.len() * 200);
    out.push_str("{\"include_total\":");
    out.push_str(if q.include_total { "true" } else { "false" });
    out.push_str(",\"resource_id\":");
    view::write_str(&mut out, resource_id);
    out.push_str(",\"fields\":[{\"id\":\"_id\",\"type\":\"int\"}");
    for c in columns {
        let f = &schema.fields[*c];
        out.push_str(",{\"id\":");
        view::write_str(&mut out, &f.name);
        let _ = write!(out, ",\"type\":\"{}\"", f.field_type.ckan());
        if !f.title.is_empty() || !f.description.is_empty() {
            out.push_str(",\"info\":{\"label\":");
            view::write_str(&mut out, &f.title);
            out.push_str(",\"notes\":");
            view::write_str(&mut out, &f.description);
            out.push('}');
        }
        out.push('}');
    }
    out.push_str("],\"records_format\":");
    view::write_str(&mut out, records_format);
    out.push_str(",\"records\":");
    match records_format {
        "csv" | "tsv" => {
            let delimiter = if records_format == "tsv" { b'\t' } else { b',' };
            let mut w = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .from_writer(Vec::new());
            for row in &page.rows {
                let v = row.values();
                let id = tequio_domain::catalog::table::FieldType::Integer;
                let mut line = vec![(view::cell_text(id, v.first()), true)];
                line.extend(columns.iter().enumerate().map(|(i, c)| {
                    let ty = schema.fields[*c].field_type;
                    (view::cell_text(ty, v.get(i + 1)), ty.is_numeric())
                }));
                let _ = cells.write_row(&mut w, line.iter().map(|(t, n)| (t.as_str(), *n)));
            }
            let text = w.into_inner().unwrap_or_default();
            view::write_str(&mut out, &String::from_utf8_lossy(&text));
        }
        _ => {
            out.push('[');
            for (i, row) in page.rows.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if records_format == "lists" {
                    view::write_list(&mut out, schema, columns, row.values());
                } else {
                    view::write_object(&mut out, schema, columns, row.values());
                }
            }
            out.push(']');
        }
    }
    let _ = write!(out, ",\"limit\":{}", q.limit);
    if q.offset > 0 {
        let _ = write!(out, ",\"offset\":{}", q.offset);
    }
    // Links keep the caller's parameters, moving the offset.
    let mut base = format!(
        "/api/3/action/datastore_search?resource_id={}",
        crate::html::url_encode(resource_id)
    );
    for (k, v) in &p.0 {
        if matches!(k.as_str(), "resource_id" | "id" | "offset") {
            continue;
        }
        let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        let _ = write!(
            base,
            "&{}={}",
            crate::html::url_encode(k),
            crate::html::url_encode(&v)
        );
    }
    out.push_str(",\"_links\":{\"start\":");
    view::write_str(&mut out, &base);
    out.push_str(",\"next\":");
    view::write_str(&mut out, &format!("{base}&offset={}", q.offset + q.limit));
    out.push('}');
    if let Some(total) = page.total {
        let _ = write!(out, ",\"total\":{total},\"total_was_estimated\":false");
    }
    out.push('}');
    out
}
