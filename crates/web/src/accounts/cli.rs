//! `tequio admin`: accounts, roles, passwords and witnesses, from the command line.

use anyhow::{Context, bail};
use clap::Subcommand;
use tequio_domain::accounts::{Grant, Role};
use tequio_domain::text::{looks_like_email, normalize_email};
use tequio_store::audit::{self, Who};
use tequio_store::{Db, accounts};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an account (e-mail already verified). Prints a generated password unless
    /// --password-stdin is given.
    CreateUser {
        #[arg(long)]
        email: String,
        /// The name shown for the person.
        #[arg(long)]
        name: String,
        /// Also grant the admin role.
        #[arg(long)]
        admin: bool,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Grant a role: admin, verifier, subject_editor (needs --scope SUBJECT_ID),
    /// body_secretary (needs --scope BODY_ID) or moderator.
    Grant {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        scope: Option<i64>,
    },
    /// Set a new generated password for an account, print it, and end its sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Register a witness whose co-signatures of the log's checkpoints are published: its
    /// name and its public key (what `tequio witness --cosign` prints, or its
    /// /api/v1/audit/key).
    AddWitness {
        #[arg(long)]
        name: String,
        #[arg(long)]
        public_key: String,
    },
}

pub async fn admin(db: &Db, command: AdminCommand) -> anyhow::Result<()> {
    let sys = Who::system();
    match command {
        AdminCommand::CreateUser {
            email,
            name,
            admin,
            password_stdin,
        } => create_user(db, &email, &name, admin, password_stdin).await?,
        AdminCommand::Grant { email, role, scope } => {
            let role = Role::parse(&role).with_context(|| format!("--role: «{role}» is not one of admin, verifier, subject_editor, body_secretary, moderator"))?;
            let grant = Grant::new(role, scope)?;
            let (user, _) = accounts::find_by_email(db, &normalize_email(&email))
                .await?
                .with_context(|| format!("no account for {email}"))?;
            let tx = db.begin().await?;
            accounts::grant(&tx, &sys, user.id, grant).await?;
            tx.commit().await?;
            println!("Granted {} to {email}.", role.as_str());
        }
        AdminCommand::AddWitness { name, public_key } => {
            let key = public_key.trim().to_ascii_lowercase();
            if key.len() != 64 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
                bail!("--public-key: an Ed25519 public key is 64 hexadecimal characters");
            }
            let tx = db.begin().await?;
            audit::add_witness(&tx, &sys, name.trim(), &key)
                .await
                .map_err(|e| match e {
                    tequio_store::StoreError::Conflict { .. } => {
                        anyhow::anyhow!("a witness with that name or key is already registered")
                    }
                    e => e.into(),
                })?;
            tx.commit().await?;
            println!("Registered the witness {} ({key}).", name.trim());
        }
        AdminCommand::ResetPassword { email } => {
            let (user, _) = accounts::find_by_email(db, &normalize_email(&email))
                .await?
                .with_context(|| format!("no account for {email}"))?;
            let password = crate::auth::generate_password()?;
            let hash = crate::auth::hash_password(password.clone())
                .await
                .map_err(|e| anyhow::anyhow!("{e:#}"))?;
            let tx = db.begin().await?;
            accounts::set_password(&tx, &sys, user.id, &hash).await?;
            tx.commit().await?;
            println!("New password for {email} (shown only now): {password}");
        }
    }
    Ok(())
}

/// `tequio admin create-user`: an account with its e-mail verified, and its password (generated
/// and printed once, or read from standard input).
async fn create_user(
    db: &Db,
    email: &str,
    name: &str,
    admin: bool,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let sys = Who::system();
    let email = normalize_email(email);
    if !looks_like_email(&email) {
        bail!("--email: «{email}» is not an e-mail address");
    }
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        (line.trim_end_matches(['\n', '\r']).to_owned(), false)
    } else {
        (crate::auth::generate_password()?, true)
    };
    if password.chars().count() < tequio_domain::accounts::MIN_PASSWORD_LEN {
        bail!(
            "the password needs at least {} characters",
            tequio_domain::accounts::MIN_PASSWORD_LEN
        );
    }
    let hash = crate::auth::hash_password(password.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let tx = db.begin().await?;
    let user = accounts::create_user(&tx, &sys, &email, name.trim(), &hash, "es")
        .await
        .map_err(|e| match e {
            tequio_store::StoreError::Conflict { .. } => {
                anyhow::anyhow!("an account with {email} already exists")
            }
            e => e.into(),
        })?;
    accounts::mark_email_verified(&tx, &sys, user.id).await?;
    if admin {
        accounts::grant(&tx, &sys, user.id, Grant::new(Role::Admin, None)?).await?;
    }
    tx.commit().await?;
    println!("Created account {} for {email}.", user.id);
    if generated {
        println!("Password (shown only now): {password}");
    }
    Ok(())
}
