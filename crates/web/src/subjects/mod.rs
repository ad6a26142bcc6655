//! Obligated subjects (sujetos obligados): the registry, its downloads and its admin forms.

pub mod api;
pub mod pages;

use crate::state::AppState;
use axum::Router;
use serde::Serialize;
use tequio_store::subjects;
use utoipa::ToSchema;

/// The pages (small requests).
pub fn routes() -> Router<AppState> {
    Router::new().merge(pages::routes())
}

/// `/api/v1` routes, nested by the app.
pub fn api_routes() -> Router<AppState> {
    api::routes()
}

// What the API and the registry's JSON download write of a subject.

/// The transparency unit of a subject (Unidad de Transparencia).
#[derive(Serialize, ToSchema)]
pub struct UnitOut {
    /// Name of the person in charge.
    pub head: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Opening hours, as written by the subject.
    pub hours: Option<String>,
}

/// An obligated subject (sujeto obligado).
#[derive(Serialize, ToSchema)]
pub struct SubjectOut {
    pub id: i64,
    /// Official name.
    pub name: String,
    pub acronym: Option<String>,
    /// One of: executive, legislative, judicial, autonomous, municipality, political_party,
    /// union, trust, university, other.
    pub kind: String,
    pub guarantor_id: Option<i64>,
    /// Name of the guarantor institute that oversees it.
    pub guarantor: Option<String>,
    /// Its id on the national transparency platform.
    pub platform_id: Option<String>,
    /// `active` or `extinct`.
    pub status: String,
    /// Date it ceased to exist (YYYY-MM-DD), if known.
    pub extinct_on: Option<String>,
    /// The subject it was merged into, if any.
    pub merged_into_id: Option<i64>,
    pub unit: UnitOut,
    /// Link to its public page.
    pub url: String,
    /// Last change (RFC 3339, UTC).
    pub updated_at: String,
}

impl From<subjects::Subject> for SubjectOut {
    fn from(s: subjects::Subject) -> Self {
        SubjectOut {
            url: format!("/sujetos/{}", s.id),
            id: s.id,
            name: s.name,
            acronym: s.acronym,
            kind: s.kind.as_str().to_owned(),
            guarantor_id: s.guarantor_id,
            guarantor: s.guarantor_name,
            platform_id: s.platform_id,
            status: s.status,
            extinct_on: s.extinct_on,
            merged_into_id: s.merged_into_id,
            unit: UnitOut {
                head: s.unit.head,
                address: s.unit.address,
                phone: s.unit.phone,
                email: s.unit.email,
                hours: s.unit.hours,
            },
            updated_at: s.updated_at,
        }
    }
}
