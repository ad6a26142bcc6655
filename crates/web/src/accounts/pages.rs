//! Sign-up, e-mail verification, log-in, log-out, password reset and the account page.

use crate::auth::{
    self, DEVICE_COOKIE, Device, SESSION_COOKIE, SESSION_SECONDS, Viewer, set_cookie, token_hash,
};
use crate::error::{AppError, AppResult};
use crate::html::{Ctx, render, render_status, safe_next};
use crate::i18n::Lang;
use crate::mail;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use tequio_domain::accounts::MIN_PASSWORD_LEN;
use tequio_domain::text::{looks_like_email, normalize_email};
use tequio_store::accounts::{self, TokenPurpose, User};
use tequio_store::audit::Who;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/registro", get(signup_form).post(signup))
        .route("/entrar", get(login_form).post(login))
        .route("/salir", post(logout))
        .route("/verificar", get(verify_email))
        .route("/contrasena/olvide", get(forgot_form).post(forgot))
        .route("/contrasena/restablecer", get(reset_form).post(reset))
        .route("/cuenta", get(account))
        .route("/cuenta/verificar", post(resend_verification))
        .route("/cuenta/nombre", post(rename))
        .route("/cuenta/contrasena", post(change_password))
}

/// The client's address when the server knows it (not behind a proxy that hides it).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Counts an attempt; refuses with 429 (and when to come back) past the limit.
async fn throttle(state: &AppState, key: String, max: i64, window_seconds: i64) -> AppResult<()> {
    match accounts::throttle(&state.db, &key, max, window_seconds).await? {
        Ok(()) => Ok(()),
        Err(retry_after) => Err(AppError::TooManyRequests { retry_after }),
    }
}

/// Failed sign-ins counted over this window.
const LOGIN_WINDOW: i64 = 15 * 60;
/// Failed sign-ins to one account from browsers it has not used, before they are held back.
/// Its owner is then told by e-mail, and can still sign in from a browser used before.
const UNKNOWN_BROWSER_FAILURES: i64 = 10;
/// Failed sign-ins from one trusted browser before it is held back too.
const TRUSTED_BROWSER_FAILURES: i64 = 10;
/// Failed sign-ins from one address, whatever the accounts, before unknown browsers there are
/// held back.
const ADDRESS_FAILURES: i64 = 50;

const VERIFY_SECONDS: i64 = 7 * 24 * 3600;
const RESET_SECONDS: i64 = 3600;

/// Writes the verification e-mail inside `tx`; returns it for delivery after the commit.
async fn queue_verification(
    state: &AppState,
    tx: &tequio_store::Tx,
    user: &User,
    lang: Lang,
) -> AppResult<mail::Queued> {
    let token = auth::new_token()?;
    accounts::create_token(
        tx,
        user.id,
        TokenPurpose::VerifyEmail,
        &token_hash(&token),
        &tequio_store::in_seconds(VERIFY_SECONDS),
    )
    .await?;
    let link = format!("{}/verificar?token={token}", state.settings.base_url);
    let body = lang.t_args(
        "mail-verify-body",
        &[("name", user.display_name.clone()), ("link", link)],
    );
    mail::queue(
        state,
        tx,
        &user.email,
        &lang.t("mail-verify-subject"),
        &body,
    )
    .await
}

/// Starts a session for `user` and trusts this browser (a new device token, replacing the
/// one it brought); returns the cookies to set.
async fn start_session(
    state: &AppState,
    user: &User,
    old_device: Option<&str>,
) -> AppResult<AppendHeaders<[(header::HeaderName, String); 2]>> {
    let token = auth::new_token()?;
    let tx = state.db.begin().await?;
    accounts::create_session(
        &tx,
        user,
        &token_hash(&token),
        &tequio_store::in_seconds(SESSION_SECONDS),
    )
    .await?;
    let device = trust_browser(state, &tx, user, old_device).await?;
    tx.commit().await?;
    Ok(AppendHeaders([
        (
            header::SET_COOKIE,
            set_cookie(
                SESSION_COOKIE,
                &token,
                SESSION_SECONDS,
                state.settings.secure_cookies,
            ),
        ),
        (header::SET_COOKIE, device),
    ]))
}

/// Trusts this browser for `user` inside `tx`: a new device token, replacing the one it
/// brought. Returns the cookie to set.
async fn trust_browser(
    state: &AppState,
    tx: &tequio_store::Tx,
    user: &User,
    old_device: Option<&str>,
) -> AppResult<String> {
    if let Some(old) = old_device {
        accounts::forget_device(tx, old).await?;
    }
    let device = auth::new_token()?;
    accounts::trust_device(tx, user.id, &token_hash(&device)).await?;
    Ok(set_cookie(
        DEVICE_COOKIE,
        &device,
        accounts::DEVICE_SECONDS,
        state.settings.secure_cookies,
    ))
}

// ---------- sign-up ----------

#[derive(Template)]
#[template(path = "accounts/signup.html")]
struct SignupPage {
    c: Ctx,
    display_name: String,
    email: String,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
struct SignupForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn signup_form(viewer: Viewer) -> AppResult<Response> {
    render(&SignupPage {
        c: Ctx::new(&viewer, "/registro"),
        display_name: String::new(),
        email: String::new(),
        errors: Vec::new(),
    })
}

async fn signup(
    viewer: Viewer,
    ClientIp(ip): ClientIp,
    State(state): State<AppState>,
    axum::Form(f): axum::Form<SignupForm>,
) -> AppResult<Response> {
    let lang = viewer.lang;
    if let Some(ip) = ip {
        throttle(&state, format!("signup:{ip}"), 10, 3600).await?;
    }
    let email = normalize_email(&f.email);
    let name = f.display_name.trim().to_owned();
    let errors = signup_errors(lang, &name, &email, &f.password);
    let again = |errors: Vec<String>| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SignupPage {
                c: Ctx::new(&viewer, "/registro"),
                display_name: name.clone(),
                email: email.clone(),
                errors,
            },
        )
    };
    if !errors.is_empty() {
        return again(errors);
    }
    let hash = auth::hash_password(f.password).await?;
    let tx = state.db.begin().await?;
    let nobody = Who {
        user_id: None,
        label: String::new(),
    };
    let user = match accounts::create_user(&tx, &nobody, &email, &name, &hash, lang.code()).await {
        Ok(u) => u,
        Err(tequio_store::StoreError::Conflict { .. }) => {
            drop(tx);
            return again(vec![lang.t("err-email-taken")]);
        }
        Err(e) => return Err(e.into()),
    };
    let queued = queue_verification(&state, &tx, &user, lang).await?;
    tx.commit().await?;
    mail::deliver(&state, queued);
    let cookies = start_session(&state, &user, None).await?;
    Ok((cookies, Redirect::to("/cuenta?aviso=verify-sent")).into_response())
}

/// What is wrong with a sign-up's name, address and password, in the person's language.
fn signup_errors(lang: Lang, name: &str, email: &str, password: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 120 {
        errors.push(lang.t("err-display-name"));
    }
    if !looks_like_email(email) {
        errors.push(lang.t("err-email"));
    }
    if password.chars().count() < MIN_PASSWORD_LEN || password.len() > 1000 {
        errors.push(lang.t("err-password-length"));
    }
    errors
}

// ---------- log-in and log-out ----------

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    c: Ctx,
    email: String,
    next: String,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

async fn login_form(viewer: Viewer, Query(q): Query<NextParam>) -> AppResult<Response> {
    render(&LoginPage {
        c: Ctx::new(&viewer, "/entrar"),
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        errors: Vec::new(),
    })
}

/// A real Argon2id hash of a random password, checked when the e-mail is unknown so that
/// answering takes as long as for a known one.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password_auth::generate_hash(auth::new_token().unwrap_or_default()))
}

async fn login(
    viewer: Viewer,
    ClientIp(ip): ClientIp,
    Device(device): Device,
    State(state): State<AppState>,
    axum::Form(f): axum::Form<LoginForm>,
) -> AppResult<Response> {
    let email = normalize_email(&f.email);
    let found = accounts::find_by_email(&state.db, &email).await?;
    // A browser this account signed in from before answers to its own counter, so failures
    // from anywhere else never lock the owner out.
    let trusted = match (&device, &found) {
        (Some(d), Some((u, _))) => accounts::trusted_device(&state.db, d).await? == Some(u.id),
        _ => false,
    };
    let account = match (&device, trusted) {
        (Some(d), true) => (format!("login-device:{d}"), TRUSTED_BROWSER_FAILURES),
        _ => (format!("login:{email}"), UNKNOWN_BROWSER_FAILURES),
    };
    // A trusted browser answers to its own counter only: failures from its address (other
    // people behind the same proxy, an attacker on the same network) never hold it back.
    let address = ip
        .filter(|_| !trusted)
        .map(|ip| (format!("login-ip:{ip}"), ADDRESS_FAILURES));
    for (key, max) in std::iter::once(&account).chain(&address) {
        let seen = accounts::attempts(&state.db, key, LOGIN_WINDOW).await?;
        if seen.count >= *max {
            let why = if key.starts_with("login-ip:") {
                "err-login-throttled-address"
            } else if trusted {
                "err-login-throttled-browser"
            } else {
                "err-login-throttled"
            };
            return login_held_back(&viewer, email, &f.next, why, seen.retry_after);
        }
    }
    let (user, hash) = match &found {
        Some((u, h)) => (Some(u.clone()), h.clone()),
        None => (None, dummy_hash().to_owned()),
    };
    let ok = auth::verify_password(f.password, hash).await?;
    let user = user.filter(|u| ok && u.disabled_at.is_none());
    let Some(user) = user else {
        let owner = found.as_ref().map(|(u, _)| u).filter(|_| !trusted);
        count_failure(&state, &account, address.as_ref(), owner).await?;
        let page = LoginPage {
            c: Ctx::new(&viewer, "/entrar"),
            email,
            next: safe_next(f.next.as_deref()),
            errors: vec![viewer.lang.t("err-login")],
        };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let cookies = start_session(&state, &user, device.as_deref()).await?;
    Ok((cookies, Redirect::to(&safe_next(f.next.as_deref()))).into_response())
}

/// Counts a failed sign-in against the account's (or browser's) counter and the address's;
/// the account's owner hears of it once, when failures from unknown browsers reach the limit.
async fn count_failure(
    state: &AppState,
    account: &(String, i64),
    address: Option<&(String, i64)>,
    owner: Option<&tequio_store::accounts::User>,
) -> AppResult<()> {
    for (key, _) in std::iter::once(account).chain(address) {
        accounts::record_attempt(&state.db, key).await?;
    }
    if let Some(owner) = owner {
        let seen = accounts::attempts(&state.db, &account.0, LOGIN_WINDOW).await?;
        if seen.count == UNKNOWN_BROWSER_FAILURES {
            warn_owner(state, owner).await?;
        }
    }
    Ok(())
}

/// The sign-in form again, held back: 429 with `Retry-After` and what the person can do.
fn login_held_back(
    viewer: &Viewer,
    email: String,
    next: &Option<String>,
    why: &str,
    retry_after: i64,
) -> AppResult<Response> {
    let minutes = (retry_after + 59) / 60;
    let page = LoginPage {
        c: Ctx::new(viewer, "/entrar"),
        email,
        next: safe_next(next.as_deref()),
        errors: vec![viewer.lang.t_args(why, &[("minutes", minutes.to_string())])],
    };
    let mut res = render_status(StatusCode::TOO_MANY_REQUESTS, &page)?;
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
    Ok(res)
}

/// Tells an account's owner, once per window, that its sign-in is being held back for
/// browsers it has not used.
async fn warn_owner(state: &AppState, owner: &User) -> AppResult<()> {
    let lang = Lang::parse(&owner.locale).unwrap_or(Lang::Es);
    let body = lang.t_args(
        "mail-throttled-body",
        &[
            ("name", owner.display_name.clone()),
            ("attempts", UNKNOWN_BROWSER_FAILURES.to_string()),
            ("minutes", (LOGIN_WINDOW / 60).to_string()),
            (
                "link",
                format!("{}/contrasena/olvide", state.settings.base_url),
            ),
        ],
    );
    let tx = state.db.begin().await?;
    let queued = mail::queue(
        state,
        &tx,
        &owner.email,
        &lang.t("mail-throttled-subject"),
        &body,
    )
    .await?;
    tx.commit().await?;
    mail::deliver(state, queued);
    Ok(())
}

async fn logout(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    if let Some(hash) = &viewer.session_hash {
        let tx = state.db.begin().await?;
        accounts::delete_session(&tx, &viewer.who(), hash).await?;
        tx.commit().await?;
    }
    let cookie = set_cookie(SESSION_COOKIE, "", 0, state.settings.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}

// ---------- e-mail verification ----------

#[derive(Template)]
#[template(path = "accounts/message.html")]
struct MessagePage {
    c: Ctx,
    title: String,
    body: String,
    link: String,
    link_text: String,
}

fn message(
    viewer: &Viewer,
    status: StatusCode,
    key: &str,
    link: &str,
    link_key: &str,
) -> AppResult<Response> {
    let lang = viewer.lang;
    render_status(
        status,
        &MessagePage {
            c: Ctx::new(viewer, link),
            title: lang.t(&format!("{key}-title")),
            body: lang.t(&format!("{key}-body")),
            link: link.to_owned(),
            link_text: lang.t(link_key),
        },
    )
}

#[derive(Deserialize)]
struct TokenParam {
    token: Option<String>,
}

async fn verify_email(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(q): Query<TokenParam>,
) -> AppResult<Response> {
    let token = q.token.unwrap_or_default();
    let tx = state.db.begin().await?;
    let Some(user) =
        accounts::consume_token(&tx, TokenPurpose::VerifyEmail, &token_hash(&token)).await?
    else {
        drop(tx);
        return message(
            &viewer,
            StatusCode::BAD_REQUEST,
            "msg-bad-link",
            "/cuenta",
            "account-title",
        );
    };
    accounts::mark_email_verified(&tx, &user.who(), user.id).await?;
    tx.commit().await?;
    message(
        &viewer,
        StatusCode::OK,
        "msg-verified",
        "/cuenta",
        "account-title",
    )
}

async fn resend_verification(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    let user = viewer.user()?.clone();
    throttle(&state, format!("verify:{}", user.id), 5, 3600).await?;
    if user.email_verified_at.is_some() {
        return Ok(Redirect::to("/cuenta").into_response());
    }
    let tx = state.db.begin().await?;
    let queued = queue_verification(&state, &tx, &user, viewer.lang).await?;
    tx.commit().await?;
    mail::deliver(&state, queued);
    Ok(Redirect::to("/cuenta?aviso=verify-sent").into_response())
}

// ---------- password reset ----------

#[derive(Template)]
#[template(path = "accounts/forgot.html")]
struct ForgotPage {
    c: Ctx,
    errors: Vec<String>,
}

async fn forgot_form(viewer: Viewer) -> AppResult<Response> {
    render(&ForgotPage {
        c: Ctx::new(&viewer, "/contrasena/olvide"),
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

async fn forgot(
    viewer: Viewer,
    ClientIp(ip): ClientIp,
    State(state): State<AppState>,
    axum::Form(f): axum::Form<ForgotForm>,
) -> AppResult<Response> {
    let email = normalize_email(&f.email);
    if !looks_like_email(&email) {
        let page = ForgotPage {
            c: Ctx::new(&viewer, "/contrasena/olvide"),
            errors: vec![viewer.lang.t("err-email")],
        };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    throttle(&state, format!("reset:{email}"), 3, 3600).await?;
    if let Some(ip) = ip {
        throttle(&state, format!("reset-ip:{ip}"), 20, 3600).await?;
    }
    // The same answer whether or not the address has an account: no one learns who is registered.
    if let Some((user, _)) = accounts::find_by_email(&state.db, &email)
        .await?
        .filter(|(u, _)| u.disabled_at.is_none())
    {
        send_reset_link(
            &state,
            &user,
            Lang::parse(&user.locale).unwrap_or(viewer.lang),
        )
        .await?;
    }
    message(
        &viewer,
        StatusCode::OK,
        "msg-reset-sent",
        "/entrar",
        "nav-login",
    )
}

/// Mails a one-time link to choose a new password.
async fn send_reset_link(
    state: &AppState,
    user: &tequio_store::accounts::User,
    lang: Lang,
) -> AppResult<()> {
    let token = auth::new_token()?;
    let tx = state.db.begin().await?;
    accounts::create_token(
        &tx,
        user.id,
        TokenPurpose::ResetPassword,
        &token_hash(&token),
        &tequio_store::in_seconds(RESET_SECONDS),
    )
    .await?;
    let link = format!(
        "{}/contrasena/restablecer?token={token}",
        state.settings.base_url
    );
    let body = lang.t_args(
        "mail-reset-body",
        &[("name", user.display_name.clone()), ("link", link)],
    );
    let queued = mail::queue(
        state,
        &tx,
        &user.email,
        &lang.t("mail-reset-subject"),
        &body,
    )
    .await?;
    tx.commit().await?;
    mail::deliver(state, queued);
    Ok(())
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
struct ResetPage {
    c: Ctx,
    token: String,
    errors: Vec<String>,
}

async fn reset_form(viewer: Viewer, Query(q): Query<TokenParam>) -> AppResult<Response> {
    render(&ResetPage {
        c: Ctx::new(&viewer, "/contrasena/restablecer"),
        token: q.token.unwrap_or_default(),
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

async fn reset(
    viewer: Viewer,
    Device(device): Device,
    State(state): State<AppState>,
    axum::Form(f): axum::Form<ResetForm>,
) -> AppResult<Response> {
    if f.password.chars().count() < MIN_PASSWORD_LEN || f.password.len() > 1000 {
        let page = ResetPage {
            c: Ctx::new(&viewer, "/contrasena/restablecer"),
            token: f.token,
            errors: vec![viewer.lang.t("err-password-length")],
        };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let hash = auth::hash_password(f.password).await?;
    let tx = state.db.begin().await?;
    let Some(user) =
        accounts::consume_token(&tx, TokenPurpose::ResetPassword, &token_hash(&f.token)).await?
    else {
        drop(tx);
        return message(
            &viewer,
            StatusCode::BAD_REQUEST,
            "msg-bad-link",
            "/contrasena/olvide",
            "forgot-title",
        );
    };
    accounts::set_password(&tx, &user.who(), user.id, &hash).await?;
    // Reaching the link proves the mailbox is theirs: so is this browser, which may then sign
    // in even while unknown browsers are held back.
    if user.email_verified_at.is_none() {
        accounts::mark_email_verified(&tx, &user.who(), user.id).await?;
    }
    let trusted = trust_browser(&state, &tx, &user, device.as_deref()).await?;
    tx.commit().await?;
    let mut res = message(
        &viewer,
        StatusCode::OK,
        "msg-password-changed",
        "/entrar",
        "nav-login",
    )?;
    res.headers_mut().append(
        header::SET_COOKIE,
        header::HeaderValue::from_str(&trusted)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?,
    );
    Ok(res)
}

// ---------- the account page ----------

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    c: Ctx,
    errors: Vec<String>,
    user: User,
    grants: Vec<accounts::GrantRecord>,
    organisations: Vec<accounts::Organisation>,
}

#[derive(Deserialize)]
struct NoticeParam {
    aviso: Option<String>,
}

async fn account(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(q): Query<NoticeParam>,
) -> AppResult<Response> {
    let Some(user) = viewer.user.clone() else {
        return Ok(Redirect::to("/entrar?next=/cuenta").into_response());
    };
    let notice = match q.aviso.as_deref() {
        Some("verify-sent") => Some(viewer.lang.t("notice-verify-sent")),
        Some("saved") => Some(viewer.lang.t("notice-saved")),
        _ => None,
    };
    account_page(&state, &viewer, user, notice, Vec::new()).await
}

async fn account_page(
    state: &AppState,
    viewer: &Viewer,
    user: User,
    notice: Option<String>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let grants = accounts::list_grants(&state.db, user.id).await?;
    let organisations = accounts::organisations_of(&state.db, user.id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &AccountPage {
            c: Ctx::new(viewer, "/cuenta").with_notice(notice),
            errors,
            user,
            grants,
            organisations,
        },
    )
}

#[derive(Deserialize)]
struct RenameForm {
    #[serde(default)]
    display_name: String,
}

async fn rename(
    viewer: Viewer,
    State(state): State<AppState>,
    axum::Form(f): axum::Form<RenameForm>,
) -> AppResult<Response> {
    let user = viewer.user()?.clone();
    let name = f.display_name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return account_page(
            &state,
            &viewer,
            user,
            None,
            vec![viewer.lang.t("err-display-name")],
        )
        .await;
    }
    let tx = state.db.begin().await?;
    accounts::set_display_name(&tx, &viewer.who(), user.id, name).await?;
    tx.commit().await?;
    Ok(Redirect::to("/cuenta?aviso=saved").into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

/// Changes the password, which ends every session; a new one starts for this browser.
async fn change_password(
    viewer: Viewer,
    Device(device): Device,
    State(state): State<AppState>,
    axum::Form(f): axum::Form<PasswordForm>,
) -> AppResult<Response> {
    let user = viewer.user()?.clone();
    throttle(&state, format!("password-change:{}", user.id), 10, 900).await?;
    let (_, hash) = accounts::find_by_email(&state.db, &user.email)
        .await?
        .ok_or(AppError::Forbidden)?;
    let mut errors = Vec::new();
    if !auth::verify_password(f.current, hash).await? {
        errors.push(viewer.lang.t("err-current-password"));
    }
    if f.password.chars().count() < MIN_PASSWORD_LEN || f.password.len() > 1000 {
        errors.push(viewer.lang.t("err-password-length"));
    }
    if !errors.is_empty() {
        return account_page(&state, &viewer, user, None, errors).await;
    }
    let new_hash = auth::hash_password(f.password).await?;
    let tx = state.db.begin().await?;
    accounts::set_password(&tx, &viewer.who(), user.id, &new_hash).await?;
    tx.commit().await?;
    let cookies = start_session(&state, &user, device.as_deref()).await?;
    Ok((cookies, Redirect::to("/cuenta?aviso=saved")).into_response())
}
