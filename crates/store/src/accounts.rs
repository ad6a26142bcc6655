//! People, their sessions and one-time tokens, role grants, organisations, the e-mail outbox
//! and the throttle that slows down password guessing.

use crate::audit::{self, Change, Who};
use crate::db::{Exec, Row, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{params, summary};
use serde::Serialize;
use tequio_domain::accounts::{Actor, Grant, Role, Sector};

/// A person with an account.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub locale: String,
    pub email_verified_at: Option<String>,
    pub disabled_at: Option<String>,
    pub created_at: String,
}

const USER_COLUMNS: &str =
    "id, email, display_name, locale, email_verified_at, disabled_at, created_at";

impl User {
    fn from_row(r: &Row) -> StoreResult<User> {
        Ok(User {
            id: r.get(0)?,
            email: r.get(1)?,
            display_name: r.get(2)?,
            locale: r.get(3)?,
            email_verified_at: r.get(4)?,
            disabled_at: r.get(5)?,
            created_at: r.get(6)?,
        })
    }

    /// How this person appears in the audit log.
    pub fn who(&self) -> Who {
        Who::user(self.id, self.display_name.clone())
    }
}

/// Creates an account. `password_hash` is already an Argon2id PHC string.
pub async fn create_user(
    tx: &Tx,
    who: &Who,
    email: &str,
    display_name: &str,
    password_hash: &str,
    locale: &str,
) -> StoreResult<User> {
    let now = crate::now();
    let row = tx
        .query_one(
            &format!(
                "INSERT INTO users (email, display_name, password_hash, locale, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING {USER_COLUMNS}"
            ),
            params![email, display_name, password_hash, locale, now],
        )
        .await?;
    let user = User::from_row(&row)?;
    let who = if who.user_id.is_none() && who.label.is_empty() {
        user.who()
    } else {
        who.clone()
    };
    log_user_event(
        tx,
        &who,
        user.id.to_string(),
        "account.create",
        summary! {"email" => email},
    )
    .await?;
    Ok(user)
}

pub async fn get_user(db: &impl Exec, id: i64) -> StoreResult<Option<User>> {
    let row = db
        .query_opt(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
            params![id],
        )
        .await?;
    row.as_ref().map(User::from_row).transpose()
}

/// The account and its password hash, by e-mail (already normalised).
pub async fn find_by_email(db: &impl Exec, email: &str) -> StoreResult<Option<(User, String)>> {
    let row = db
        .query_opt(
            &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1"),
            params![email],
        )
        .await?;
    row.map(|r| Ok((User::from_row(&r)?, r.get(7)?)))
        .transpose()
}

/// Accounts in e-mail order, optionally filtered by a piece of the e-mail or name.
pub async fn list_users(
    db: &impl Exec,
    q: Option<&str>,
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<User>)> {
    let pattern = format!(
        "%{}%",
        q.unwrap_or("").to_lowercase().replace(['%', '_'], "")
    );
    let total: i64 = db
        .query_one(
            "SELECT COUNT(*) FROM users WHERE email LIKE $1 OR LOWER(display_name) LIKE $1",
            params![pattern.as_str()],
        )
        .await?
        .get(0)?;
    let rows = db
        .query(
            &format!(
                "SELECT {USER_COLUMNS} FROM users WHERE email LIKE $1 OR LOWER(display_name) LIKE $1
                 ORDER BY email LIMIT $2 OFFSET $3"
            ),
            params![pattern, limit.clamp(1, 500), offset.max(0)],
        )
        .await?;
    Ok((
        total,
        rows.iter()
            .map(User::from_row)
            .collect::<StoreResult<_>>()?,
    ))
}

pub async fn set_password(
    tx: &Tx,
    who: &Who,
    user_id: i64,
    password_hash: &str,
) -> StoreResult<()> {
    let n = tx
        .execute(
            "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
            params![password_hash, crate::now(), user_id],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    // A new password ends every session and every browser's trust, so a thief's end too.
    tx.execute("DELETE FROM sessions WHERE user_id = $1", params![user_id])
        .await?;
    forget_devices(tx, user_id).await?;
    log_user_event(
        tx,
        who,
        user_id.to_string(),
        "account.password",
        summary! {},
    )
    .await?;
    Ok(())
}

pub async fn mark_email_verified(tx: &Tx, who: &Who, user_id: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE users SET email_verified_at = $1, updated_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
        params![crate::now(), user_id],
    )
    .await?;
    log_user_event(
        tx,
        who,
        user_id.to_string(),
        "account.verify_email",
        summary! {},
    )
    .await?;
    Ok(())
}

/// Disables or re-enables an account; disabling ends its sessions.
/// Changes the name a person is shown by.
pub async fn set_display_name(
    tx: &Tx,
    who: &Who,
    user_id: i64,
    display_name: &str,
) -> StoreResult<()> {
    let name = display_name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(StoreError::Invalid(
            "display_name: el nombre debe tener de 1 a 120 caracteres".into(),
        ));
    }
    let n = tx
        .execute(
            "UPDATE users SET display_name = $1, updated_at = $2 WHERE id = $3",
            params![name, crate::now(), user_id],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    log_user_event(
        tx,
        who,
        user_id.to_string(),
        "account.rename",
        summary! {"display_name" => name},
    )
    .await?;
    Ok(())
}

pub async fn set_disabled(tx: &Tx, who: &Who, user_id: i64, disabled: bool) -> StoreResult<()> {
    let at = disabled.then(crate::now);
    let n = tx
        .execute(
            "UPDATE users SET disabled_at = $1, updated_at = $2 WHERE id = $3",
            params![at, crate::now(), user_id],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    if disabled {
        tx.execute("DELETE FROM sessions WHERE user_id = $1", params![user_id])
            .await?;
    }
    let action = if disabled {
        "account.disable"
    } else {
        "account.enable"
    };
    log_user_event(tx, who, user_id.to_string(), action, summary! {}).await?;
    Ok(())
}

/// Appends a private event about an account (not shown on the public log page).
async fn log_user_event(
    tx: &Tx,
    who: &Who,
    user_id: String,
    action: &str,
    summary: serde_json::Value,
) -> StoreResult<()> {
    audit::append(
        tx,
        who,
        Change {
            action,
            target_kind: "user",
            target_id: user_id,
            public: false,
            summary,
        },
    )
    .await?;
    Ok(())
}

// ---------- sessions ----------

/// Records a session; the cookie holds the token, the database only its hash.
pub async fn create_session(
    tx: &Tx,
    user: &User,
    id_hash: &str,
    expires_at: &str,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        params![id_hash, user.id, crate::now(), expires_at],
    )
    .await?;
    log_user_event(
        tx,
        &user.who(),
        user.id.to_string(),
        "account.login",
        summary! {},
    )
    .await?;
    Ok(())
}

/// The person behind a session, with their grants, if the session is live and the account enabled.
pub async fn session_actor(db: &impl Exec, id_hash: &str) -> StoreResult<Option<(User, Actor)>> {
    let row = db
        .query_opt(
            &format!(
                "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
                USER_COLUMNS
                    .split(", ")
                    .map(|c| format!("u.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            params![id_hash, crate::now()],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let user = User::from_row(&row)?;
    let actor = actor_for(db, &user).await?;
    Ok(Some((user, actor)))
}

/// What the permission rule needs to know about a person.
pub async fn actor_for(db: &impl Exec, user: &User) -> StoreResult<Actor> {
    let grants = list_grants(db, user.id)
        .await?
        .into_iter()
        .map(|g| g.grant)
        .collect();
    Ok(Actor {
        user_id: Some(user.id),
        email_verified: user.email_verified_at.is_some(),
        grants,
    })
}

pub async fn delete_session(tx: &Tx, who: &Who, id_hash: &str) -> StoreResult<()> {
    let n = tx
        .execute("DELETE FROM sessions WHERE id_hash = $1", params![id_hash])
        .await?;
    if n > 0 {
        let user_id = who.user_id.unwrap_or_default().to_string();
        log_user_event(tx, who, user_id, "account.logout", summary! {}).await?;
    }
    Ok(())
}

// ---------- one-time tokens (e-mail verification, password reset) ----------

/// What a one-time token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
        }
    }
}

pub async fn create_token(
    tx: &Tx,
    user_id: i64,
    purpose: TokenPurpose,
    token_hash: &str,
    expires_at: &str,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        params![token_hash, user_id, purpose.as_str(), crate::now(), expires_at],
    )
    .await?;
    // The platform acts here (it sends the link), so the entry names no person.
    log_user_event(
        tx,
        &Who::system(),
        user_id.to_string(),
        "account.token",
        summary! {"purpose" => purpose.as_str()},
    )
    .await?;
    Ok(())
}

/// Uses up a token: returns its account when the token exists, is for `purpose`, is unused and
/// has not expired.
pub async fn consume_token(
    tx: &Tx,
    purpose: TokenPurpose,
    token_hash: &str,
) -> StoreResult<Option<User>> {
    let now = crate::now();
    let row = tx
        .query_opt(
            "UPDATE user_tokens SET used_at = $1
             WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
             RETURNING user_id",
            params![now.as_str(), token_hash, purpose.as_str()],
        )
        .await?;
    match row {
        Some(r) => get_user(tx, r.get(0)?).await,
        None => Ok(None),
    }
}

// ---------- grants ----------

/// A role held by a person, as listed in the admin area.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GrantRecord {
    pub id: i64,
    pub user_id: i64,
    pub grant: Grant,
    pub created_at: String,
}

fn grant_from_row(r: &Row) -> StoreResult<Option<GrantRecord>> {
    let role: String = r.get(2)?;
    let scope: i64 = r.get(3)?;
    let Some(role) = Role::parse(&role) else {
        return Ok(None);
    };
    Ok(Some(GrantRecord {
        id: r.get(0)?,
        user_id: r.get(1)?,
        grant: Grant {
            role,
            scope_id: role.scope_kind().map(|_| scope),
        },
        created_at: r.get(4)?,
    }))
}

pub async fn list_grants(db: &impl Exec, user_id: i64) -> StoreResult<Vec<GrantRecord>> {
    let rows = db
        .query("SELECT id, user_id, role, scope_id, created_at FROM grants WHERE user_id = $1 ORDER BY id", params![user_id])
        .await?;
    Ok(rows
        .iter()
        .map(grant_from_row)
        .collect::<StoreResult<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect())
}

/// Everyone who holds `role`, with the scope.
pub async fn holders_of(db: &impl Exec, role: Role) -> StoreResult<Vec<GrantRecord>> {
    let rows = db
        .query("SELECT id, user_id, role, scope_id, created_at FROM grants WHERE role = $1 ORDER BY user_id", params![role.as_str()])
        .await?;
    Ok(rows
        .iter()
        .map(grant_from_row)
        .collect::<StoreResult<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect())
}

/// Gives a role. A scoped role's subject must exist (bodies are checked when they exist).
pub async fn grant(tx: &Tx, who: &Who, user_id: i64, grant: Grant) -> StoreResult<i64> {
    if grant.role.scope_kind() == Some(tequio_domain::accounts::ScopeKind::Subject) {
        let scope = grant.scope_id.unwrap_or_default();
        if tx
            .query_opt("SELECT id FROM subjects WHERE id = $1", params![scope])
            .await?
            .is_none()
        {
            return Err(StoreError::Invalid(format!(
                "scope_id: no existe el sujeto obligado {scope}"
            )));
        }
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO grants (user_id, role, scope_id, granted_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            params![user_id, grant.role.as_str(), grant.scope_id.unwrap_or(0), who.user_id, crate::now()],
        )
        .await?
        .get(0)?;
    log_user_event(
        tx,
        who,
        user_id.to_string(),
        "grant.create",
        summary! {"role" => grant.role.as_str(), "scope_id" => grant.scope_id},
    )
    .await?;
    Ok(id)
}

pub async fn revoke(tx: &Tx, who: &Who, grant_id: i64) -> StoreResult<()> {
    let row = tx
        .query_opt(
            "DELETE FROM grants WHERE id = $1 RETURNING user_id, role, scope_id",
            params![grant_id],
        )
        .await?;
    let row = row.ok_or(StoreError::NotFound)?;
    let (user_id, role, scope): (i64, String, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
    log_user_event(
        tx,
        who,
        user_id.to_string(),
        "grant.revoke",
        summary! {"role" => role, "scope_id" => scope},
    )
    .await?;
    Ok(())
}

// ---------- organisations ----------

/// A civil-society organisation, university, chamber, professional college or government
/// office that people act for.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub sector: Sector,
    pub description: String,
    pub website: Option<String>,
    pub members: i64,
}

const ORG_SELECT: &str = "SELECT o.id, o.name, o.sector, o.description, o.website,
    (SELECT COUNT(*) FROM organisation_members m WHERE m.organisation_id = o.id) FROM organisations o";

impl Organisation {
    fn from_row(r: &Row) -> StoreResult<Organisation> {
        let sector: String = r.get(2)?;
        Ok(Organisation {
            id: r.get(0)?,
            name: r.get(1)?,
            sector: Sector::parse(&sector).unwrap_or(Sector::CivilSociety),
            description: r.get(3)?,
            website: r.get(4)?,
            members: r.get(5)?,
        })
    }
}

pub async fn create_organisation(
    tx: &Tx,
    who: &Who,
    name: &str,
    sector: Sector,
    description: &str,
    website: Option<&str>,
) -> StoreResult<i64> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid("name: el nombre es obligatorio".into()));
    }
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO organisations (name, sector, description, website, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            params![
                name,
                sector.as_str(),
                description.trim(),
                website.map(str::trim).filter(|w| !w.is_empty()),
                now
            ],
        )
        .await?
        .get(0)?;
    audit::append(
        tx,
        who,
        Change {
            action: "organisation.create",
            target_kind: "organisation",
            target_id: id.to_string(),
            public: true,
            summary: summary! {"name" => name, "sector" => sector.as_str()},
        },
    )
    .await?;
    Ok(id)
}

/// Changes an organisation's details; the log records what changed, before and after.
pub async fn update_organisation(
    tx: &Tx,
    who: &Who,
    id: i64,
    name: &str,
    sector: Sector,
    description: &str,
    website: Option<&str>,
) -> StoreResult<Organisation> {
    let before = get_organisation(tx, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid("name: el nombre es obligatorio".into()));
    }
    let website = website.map(str::trim).filter(|w| !w.is_empty());
    tx.execute(
        "UPDATE organisations SET name = $1, sector = $2, description = $3, website = $4, updated_at = $5 WHERE id = $6",
        params![name, sector.as_str(), description.trim(), website, crate::now(), id],
    )
    .await?;
    let after = get_organisation(tx, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut changed = serde_json::Map::new();
    let pairs = [
        (
            "name",
            serde_json::json!(before.name),
            serde_json::json!(after.name),
        ),
        (
            "sector",
            serde_json::json!(before.sector),
            serde_json::json!(after.sector),
        ),
        (
            "description",
            serde_json::json!(before.description),
            serde_json::json!(after.description),
        ),
        (
            "website",
            serde_json::json!(before.website),
            serde_json::json!(after.website),
        ),
    ];
    for (field, old, new) in pairs {
        if old != new {
            changed.insert(field.into(), serde_json::json!([old, new]));
        }
    }
    if !changed.is_empty() {
        audit::append(
            tx,
            who,
            Change {
                action: "organisation.update",
                target_kind: "organisation",
                target_id: id.to_string(),
                public: true,
                summary: serde_json::Value::Object(changed),
            },
        )
        .await?;
    }
    Ok(after)
}

pub async fn get_organisation(db: &impl Exec, id: i64) -> StoreResult<Option<Organisation>> {
    let row = db
        .query_opt(&format!("{ORG_SELECT} WHERE o.id = $1"), params![id])
        .await?;
    row.as_ref().map(Organisation::from_row).transpose()
}

pub async fn list_organisations(db: &impl Exec) -> StoreResult<Vec<Organisation>> {
    let rows = db
        .query(&format!("{ORG_SELECT} ORDER BY o.name"), params![])
        .await?;
    rows.iter().map(Organisation::from_row).collect()
}

/// A member of an organisation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Member {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub is_representative: bool,
}

pub async fn members(db: &impl Exec, organisation_id: i64) -> StoreResult<Vec<Member>> {
    let rows = db
        .query(
            "SELECT u.id, u.display_name, u.email, m.is_representative FROM organisation_members m
             JOIN users u ON u.id = m.user_id WHERE m.organisation_id = $1 ORDER BY u.display_name",
            params![organisation_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                user_id: r.get(0)?,
                display_name: r.get(1)?,
                email: r.get(2)?,
                is_representative: r.get(3)?,
            })
        })
        .collect()
}

/// Organisations a person belongs to.
pub async fn organisations_of(db: &impl Exec, user_id: i64) -> StoreResult<Vec<Organisation>> {
    let rows = db
        .query(
            &format!("{ORG_SELECT} WHERE o.id IN (SELECT organisation_id FROM organisation_members WHERE user_id = $1) ORDER BY o.name"),
            params![user_id],
        )
        .await?;
    rows.iter().map(Organisation::from_row).collect()
}

pub async fn add_member(
    tx: &Tx,
    who: &Who,
    organisation_id: i64,
    user_id: i64,
    is_representative: bool,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO organisation_members (organisation_id, user_id, is_representative, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (organisation_id, user_id) DO UPDATE SET is_representative = excluded.is_representative",
        params![organisation_id, user_id, is_representative, crate::now()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "organisation.add_member",
            target_kind: "organisation",
            target_id: organisation_id.to_string(),
            public: false,
            summary: summary! {"user_id" => user_id, "is_representative" => is_representative},
        },
    )
    .await?;
    Ok(())
}

pub async fn remove_member(
    tx: &Tx,
    who: &Who,
    organisation_id: i64,
    user_id: i64,
) -> StoreResult<()> {
    let n = tx
        .execute(
            "DELETE FROM organisation_members WHERE organisation_id = $1 AND user_id = $2",
            params![organisation_id, user_id],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::append(
        tx,
        who,
        Change {
            action: "organisation.remove_member",
            target_kind: "organisation",
            target_id: organisation_id.to_string(),
            public: false,
            summary: summary! {"user_id" => user_id},
        },
    )
    .await?;
    Ok(())
}

// ---------- outbox ----------

/// An e-mail the platform wrote.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutboxMessage {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    /// `local` (no mail server configured: read it here), `sent` or `failed`.
    pub status: String,
    pub error: Option<String>,
}

pub async fn enqueue_mail(
    tx: &Tx,
    to: &str,
    subject: &str,
    body: &str,
    status: &str,
) -> StoreResult<i64> {
    tx.query_one(
        "INSERT INTO outbox (to_address, subject, body, created_at, status) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        params![to, subject, body, crate::now(), status],
    )
    .await?
    .get(0)
}

/// Records how sending a message went (outside any business transaction: it happens after).
pub async fn mark_mail(
    db: &impl Exec,
    id: i64,
    status: &str,
    error: Option<&str>,
) -> StoreResult<()> {
    db.execute(
        "UPDATE outbox SET status = $1, error = $2, sent_at = $3 WHERE id = $4",
        params![status, error, crate::now(), id],
    )
    .await?;
    Ok(())
}

pub async fn list_outbox(db: &impl Exec, limit: i64) -> StoreResult<Vec<OutboxMessage>> {
    let rows = db
        .query(
            "SELECT id, to_address, subject, body, created_at, status, error FROM outbox ORDER BY id DESC LIMIT $1",
            params![limit.clamp(1, 500)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(OutboxMessage {
                id: r.get(0)?,
                to_address: r.get(1)?,
                subject: r.get(2)?,
                body: r.get(3)?,
                created_at: r.get(4)?,
                status: r.get(5)?,
                error: r.get(6)?,
            })
        })
        .collect()
}

// ---------- throttle ----------

/// Attempts counted under one key in a window: how many, and in how many seconds the oldest
/// of them leaves the window (so one more is allowed again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    pub count: i64,
    pub retry_after: i64,
}

/// The attempts recorded under `key` in the last `window_seconds`. Kept in the database so
/// every app node sees the same count.
pub async fn attempts(db: &impl Exec, key: &str, window_seconds: i64) -> StoreResult<Attempts> {
    let since = crate::in_seconds(-window_seconds);
    let row = db
        .query_one(
            "SELECT COUNT(*), MIN(at) FROM throttle WHERE key = $1 AND at > $2",
            params![key, since.as_str()],
        )
        .await?;
    let count: i64 = row.get(0)?;
    let oldest: Option<String> = row.get(1)?;
    let retry_after = oldest
        .and_then(|at| {
            time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339).ok()
        })
        .map_or(0, |at| {
            let leaves = at + time::Duration::seconds(window_seconds);
            (leaves - time::OffsetDateTime::now_utc())
                .whole_seconds()
                .max(1)
        });
    Ok(Attempts { count, retry_after })
}

/// Records one attempt under `key`.
pub async fn record_attempt(db: &impl Exec, key: &str) -> StoreResult<()> {
    db.execute(
        "INSERT INTO throttle (key, at) VALUES ($1, $2)",
        params![key, crate::now()],
    )
    .await?;
    // Old attempts are no longer needed; dropping them here keeps the table small.
    db.execute(
        "DELETE FROM throttle WHERE at < $1",
        params![crate::in_seconds(-86_400)],
    )
    .await?;
    Ok(())
}

/// Counts one attempt under `key` unless `max` were made in the last `window_seconds`:
/// `Ok(())` when counted, `Err(seconds)` when refused, with the seconds to wait.
pub async fn throttle(
    db: &impl Exec,
    key: &str,
    max: i64,
    window_seconds: i64,
) -> StoreResult<Result<(), i64>> {
    let seen = attempts(db, key, window_seconds).await?;
    if seen.count >= max {
        return Ok(Err(seen.retry_after));
    }
    record_attempt(db, key).await?;
    Ok(Ok(()))
}

// ---------- trusted browsers ----------

/// How long a browser stays trusted after it last signed in.
pub const DEVICE_SECONDS: i64 = 365 * 24 * 3600;

/// Trusts the browser that just signed in as `user_id`, by the SHA-256 of its device token.
/// Not in the audit log: the sign-in that earns it is.
pub async fn trust_device(tx: &Tx, user_id: i64, token_hash: &str) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO trusted_devices (token_hash, user_id, created_at, last_used_at)
         VALUES ($1, $2, $3, $3)
         ON CONFLICT (token_hash) DO UPDATE SET last_used_at = $3",
        params![token_hash, user_id, crate::now()],
    )
    .await?;
    tx.execute(
        "DELETE FROM trusted_devices WHERE last_used_at < $1",
        params![crate::in_seconds(-DEVICE_SECONDS)],
    )
    .await?;
    Ok(())
}

/// The account a device token was given to, while it is trusted.
pub async fn trusted_device(db: &impl Exec, token_hash: &str) -> StoreResult<Option<i64>> {
    let row = db
        .query_opt(
            "SELECT user_id FROM trusted_devices WHERE token_hash = $1 AND last_used_at > $2",
            params![token_hash, crate::in_seconds(-DEVICE_SECONDS)],
        )
        .await?;
    row.map(|r| r.get(0)).transpose()
}

/// Stops trusting one browser (too many failed sign-ins from it).
pub async fn forget_device(db: &impl Exec, token_hash: &str) -> StoreResult<()> {
    db.execute(
        "DELETE FROM trusted_devices WHERE token_hash = $1",
        params![token_hash],
    )
    .await?;
    Ok(())
}

/// Stops trusting every browser of an account (its password changed).
pub async fn forget_devices(tx: &Tx, user_id: i64) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM trusted_devices WHERE user_id = $1",
        params![user_id],
    )
    .await?;
    Ok(())
}
