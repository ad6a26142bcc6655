//! Passwords (Argon2id), session cookies and the [`Viewer`]: who is asking, in which language.

use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use tequio_domain::accounts::{Action, Actor, Role};
use tequio_store::accounts::{self, User};

pub const SESSION_COOKIE: &str = "tequio_session";
/// A browser's device cookie: given at each sign-in, it lets the account's owner sign in from
/// that browser while unknown browsers are held back after failed attempts (OWASP's "device
/// cookies").
pub const DEVICE_COOKIE: &str = "tequio_dispositivo";
pub const LANG_COOKIE: &str = "tequio_lang";
/// How long a session lasts.
pub const SESSION_SECONDS: i64 = 14 * 24 * 3600;

/// A new random token (32 bytes, hex): for session cookies and one-time links.
pub fn new_token() -> AppResult<String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(hex::encode(buf))
}

/// What the database keeps of a token: its SHA-256, so a leaked table opens no session.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password with Argon2id, off the async workers (it is slow on purpose).
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// Checks a password against a stored hash, off the async workers.
pub async fn verify_password(password: String, hash: String) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || password_auth::verify_password(password, &hash).is_ok())
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// The value of one cookie from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the attributes every Tequio cookie carries.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// The language of a request: the cookie set by the switch, else the browser's preference.
pub fn lang_of(parts: &Parts) -> Lang {
    // `?lang=en` names a page's language in its address (what `hreflang` links point at);
    // otherwise the person's choice (a cookie), then their browser's.
    lang_in_query(parts.uri.query().unwrap_or(""))
        .or_else(|| cookie(parts, LANG_COOKIE).and_then(Lang::parse))
        .unwrap_or_else(|| {
            parts
                .headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept_language)
                .unwrap_or_default()
        })
}

/// The language a `lang=` parameter of the query string names, if any.
fn lang_in_query(query: &str) -> Option<Lang> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

/// Who is asking: a visitor or a signed-in person with their grants, and their language.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: Option<User>,
    pub actor: Actor,
    pub lang: Lang,
    /// The hash of the session token, for signing out.
    pub session_hash: Option<String>,
    /// The portal's identity, for the layout.
    pub look: std::sync::Arc<tequio_domain::site::Look>,
    /// The site's public address (`https://…`, no trailing slash), for canonical links.
    pub site_url: std::sync::Arc<str>,
}

impl Viewer {
    /// Refuses unless the viewer may do `action`.
    pub fn require(&self, action: Action) -> AppResult<()> {
        if self.actor.can(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The signed-in person, or a 403 for visitors.
    pub fn user(&self) -> AppResult<&User> {
        self.user.as_ref().ok_or(AppError::Forbidden)
    }

    pub fn is_admin(&self) -> bool {
        self.actor.has_role(Role::Admin)
    }

    /// How the audit log names this viewer.
    pub fn who(&self) -> tequio_store::audit::Who {
        self.user
            .as_ref()
            .map(User::who)
            .unwrap_or_else(tequio_store::audit::Who::system)
    }
}

/// The SHA-256 of the request's device cookie, when it has a well-formed one.
pub struct Device(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Device {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Device(
            cookie(parts, DEVICE_COOKIE)
                .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
                .map(token_hash),
        ))
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = lang_of(parts);
        let session_hash = cookie(parts, SESSION_COOKIE)
            .filter(|t| t.len() == 64)
            .map(token_hash);
        let found = match &session_hash {
            Some(h) => accounts::session_actor(&state.db, h).await?,
            None => None,
        };
        let look = state.look().await?;
        let site_url: std::sync::Arc<str> = state.settings.base_url.trim_end_matches('/').into();
        Ok(match found {
            Some((user, actor)) => Viewer {
                user: Some(user),
                actor,
                lang,
                session_hash,
                look,
                site_url,
            },
            None => Viewer {
                user: None,
                actor: Actor::visitor(),
                lang,
                session_hash: None,
                look,
                site_url,
            },
        })
    }
}

/// A password nobody can guess and a person can type: 4 groups of 5 lowercase letters and digits.
pub fn generate_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}
