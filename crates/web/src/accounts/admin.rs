//! The admin area: accounts and their roles, organisations and their members, the outbox.
//! Subjects have their admin forms in `pages::subjects`.

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::html::{Ctx, render, render_status};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tequio_domain::accounts::{Action, Grant, Role, Sector};
use tequio_domain::text::normalize_email;
use tequio_store::accounts::{self, GrantRecord, Organisation, OutboxMessage, User};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index))
        .route("/admin/usuarios", get(users))
        .route("/admin/usuarios/{id}", get(user))
        .route("/admin/usuarios/{id}/roles", post(grant))
        .route("/admin/usuarios/{id}/revocar", post(revoke))
        .route("/admin/usuarios/{id}/estado", post(set_state))
        .route(
            "/admin/organizaciones",
            get(organisations).post(create_organisation),
        )
        .route("/admin/organizaciones/{id}", post(update_organisation))
        .route("/admin/organizaciones/{id}/miembros", post(add_member))
        .route("/admin/organizaciones/{id}/quitar", post(remove_member))
        .route("/admin/correo", get(outbox))
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    c: Ctx,
}

async fn index(viewer: Viewer) -> AppResult<Response> {
    viewer.require(Action::ManageUsers)?;
    render(&IndexPage {
        c: Ctx::new(&viewer, "/admin"),
    })
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    c: Ctx,
    q: String,
    total: String,
    users: Vec<User>,
}

#[derive(Deserialize)]
struct UsersQuery {
    q: Option<String>,
}

async fn users(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(p): Query<UsersQuery>,
) -> AppResult<Response> {
    viewer.require(Action::ManageUsers)?;
    let q = p.q.unwrap_or_default();
    let (total, users) = accounts::list_users(&state.db, Some(q.trim()), 200, 0).await?;
    let total = viewer
        .lang
        .t_args("admin-users-count", &[("count", total.to_string())]);
    render(&UsersPage {
        c: Ctx::new(&viewer, "/admin/usuarios"),
        q,
        total,
        users,
    })
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    c: Ctx,
    user: User,
    grants: Vec<GrantRecord>,
    roles: &'static [Role],
    errors: Vec<String>,
}

async fn user_page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    errors: Vec<String>,
) -> AppResult<Response> {
    let user = accounts::get_user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let grants = accounts::list_grants(&state.db, id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &UserPage {
            c: Ctx::new(viewer, &format!("/admin/usuarios/{id}")),
            user,
            grants,
            roles: Role::ALL,
            errors,
        },
    )
}

async fn user(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    viewer.require(Action::ManageUsers)?;
    user_page(&state, &viewer, id, Vec::new()).await
}

#[derive(Deserialize)]
struct GrantForm {
    role: String,
    #[serde(default)]
    scope_id: String,
}

async fn grant(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<GrantForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageGrants)?;
    let role = Role::parse(&f.role)
        .ok_or_else(|| AppError::BadRequest(format!("role: «{}» no es un rol", f.role)))?;
    let scope = match f.scope_id.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return user_page(
                    &state,
                    &viewer,
                    id,
                    vec![format!("scope_id: «{s}» no es un número")],
                )
                .await;
            }
        },
    };
    let grant = match Grant::new(role, scope) {
        Ok(g) => g,
        Err(e) => {
            return user_page(
                &state,
                &viewer,
                id,
                vec![format!(
                    "scope_id: {}",
                    viewer
                        .lang
                        .t_args("err-grant-scope", &[("detail", e.to_string())])
                )],
            )
            .await;
        }
    };
    if accounts::get_user(&state.db, id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let tx = state.db.begin().await?;
    match accounts::grant(&tx, &viewer.who(), id, grant).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/admin/usuarios/{id}")).into_response())
        }
        Err(e) => {
            drop(tx);
            user_page(&state, &viewer, id, vec![AppError::from(e).to_string()]).await
        }
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    grant_id: i64,
}

async fn revoke(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<RevokeForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageGrants)?;
    // The grant must belong to this user: a form cannot reach another account's grants.
    if !accounts::list_grants(&state.db, id)
        .await?
        .iter()
        .any(|g| g.id == f.grant_id)
    {
        return Err(AppError::NotFound);
    }
    if viewer.user.as_ref().is_some_and(|u| u.id == id) {
        let grants = accounts::list_grants(&state.db, id).await?;
        if grants
            .iter()
            .any(|g| g.id == f.grant_id && g.grant.role == Role::Admin)
        {
            return user_page(
                &state,
                &viewer,
                id,
                vec![viewer.lang.t("err-revoke-own-admin")],
            )
            .await;
        }
    }
    let tx = state.db.begin().await?;
    accounts::revoke(&tx, &viewer.who(), f.grant_id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/usuarios/{id}")).into_response())
}

#[derive(Deserialize)]
struct StateForm {
    disabled: u8,
}

async fn set_state(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<StateForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageUsers)?;
    if viewer.user.as_ref().is_some_and(|u| u.id == id) && f.disabled == 1 {
        return user_page(&state, &viewer, id, vec![viewer.lang.t("err-disable-self")]).await;
    }
    let tx = state.db.begin().await?;
    accounts::set_disabled(&tx, &viewer.who(), id, f.disabled == 1).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/usuarios/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrganisationsPage {
    c: Ctx,
    organisations: Vec<Organisation>,
    sectors: &'static [Sector],
    errors: Vec<String>,
}

async fn organisations_page(
    state: &AppState,
    viewer: &Viewer,
    errors: Vec<String>,
) -> AppResult<Response> {
    let organisations = accounts::list_organisations(&state.db).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &OrganisationsPage {
            c: Ctx::new(viewer, "/admin/organizaciones"),
            organisations,
            sectors: Sector::ALL,
            errors,
        },
    )
}

async fn organisations(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    viewer.require(Action::ManageOrganisations)?;
    organisations_page(&state, &viewer, Vec::new()).await
}

#[derive(Deserialize)]
struct OrganisationForm {
    #[serde(default)]
    name: String,
    sector: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    website: String,
}

async fn create_organisation(
    viewer: Viewer,
    State(state): State<AppState>,
    axum::Form(f): axum::Form<OrganisationForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageOrganisations)?;
    let sector = Sector::parse(&f.sector)
        .ok_or_else(|| AppError::BadRequest(format!("sector: «{}» no es un sector", f.sector)))?;
    let website = f.website.trim();
    if !(website.is_empty() || website.starts_with("https://") || website.starts_with("http://")) {
        return organisations_page(&state, &viewer, vec![viewer.lang.t("err-website")]).await;
    }
    let tx = state.db.begin().await?;
    match accounts::create_organisation(
        &tx,
        &viewer.who(),
        &f.name,
        sector,
        &f.description,
        Some(website),
    )
    .await
    {
        Ok(id) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/organizaciones/{id}")).into_response())
        }
        Err(e) => {
            drop(tx);
            organisations_page(&state, &viewer, vec![AppError::from(e).to_string()]).await
        }
    }
}

async fn update_organisation(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<OrganisationForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageOrganisations)?;
    let sector = Sector::parse(&f.sector)
        .ok_or_else(|| AppError::BadRequest(format!("sector: «{}» no es un sector", f.sector)))?;
    let website = f.website.trim();
    if !(website.is_empty() || website.starts_with("https://") || website.starts_with("http://")) {
        return Err(AppError::Invalid(viewer.lang.t("err-website")));
    }
    let tx = state.db.begin().await?;
    accounts::update_organisation(
        &tx,
        &viewer.who(),
        id,
        &f.name,
        sector,
        &f.description,
        Some(website),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/organizaciones/{id}")).into_response())
}

#[derive(Deserialize)]
struct MemberForm {
    email: String,
    representative: Option<String>,
}

async fn add_member(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<MemberForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageOrganisations)?;
    accounts::get_organisation(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (user, _) = accounts::find_by_email(&state.db, &normalize_email(&f.email))
        .await?
        .ok_or_else(|| AppError::Invalid(viewer.lang.t("err-no-such-account")))?;
    let tx = state.db.begin().await?;
    accounts::add_member(&tx, &viewer.who(), id, user.id, f.representative.is_some()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/organizaciones/{id}")).into_response())
}

#[derive(Deserialize)]
struct RemoveForm {
    user_id: i64,
}

async fn remove_member(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<RemoveForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageOrganisations)?;
    let tx = state.db.begin().await?;
    accounts::remove_member(&tx, &viewer.who(), id, f.user_id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/organizaciones/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    c: Ctx,
    messages: Vec<OutboxMessage>,
}

async fn outbox(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    viewer.require(Action::ManageUsers)?;
    let messages = accounts::list_outbox(&state.db, 100).await?;
    render(&OutboxPage {
        c: Ctx::new(&viewer, "/admin/correo"),
        messages,
    })
}
