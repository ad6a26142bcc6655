//! Organisations (civil society, academia, private sector, professional colleges, government):
//! the public list and page.

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::html::{Ctx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use tequio_domain::accounts::{Action, Sector};
use tequio_store::accounts::{self, Member, Organisation};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organizaciones", get(list))
        .route("/organizaciones/{id}", get(show))
}

#[derive(Template)]
#[template(path = "organisations/list.html")]
struct ListPage {
    c: Ctx,
    organisations: Vec<Organisation>,
}

async fn list(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    let organisations = accounts::list_organisations(&state.db).await?;
    render(&ListPage {
        c: Ctx::new(&viewer, "/organizaciones"),
        organisations,
    })
}

#[derive(Template)]
#[template(path = "organisations/show.html")]
struct ShowPage {
    c: Ctx,
    o: Organisation,
    admin: bool,
    /// Only filled for admins: members' e-mails are not public.
    members: Vec<Member>,
    sectors: &'static [Sector],
}

async fn show(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let o = accounts::get_organisation(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let admin = viewer.actor.can(Action::ManageOrganisations);
    let members = if admin {
        accounts::members(&state.db, id).await?
    } else {
        Vec::new()
    };
    render(&ShowPage {
        c: Ctx::new(&viewer, &format!("/organizaciones/{id}")),
        o,
        admin,
        members,
        sectors: Sector::ALL,
    })
}
