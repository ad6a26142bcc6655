//! Outgoing e-mail. Every message is recorded in the outbox in the same transaction as the
//! change that caused it; after the commit it is sent through SMTP when one is configured.
//! Without SMTP it stays in the outbox with status `local`, where admins read it
//! (/admin/correo), so verification and reset work on a laptop with no mail server.

use crate::error::AppResult;
use crate::state::AppState;
use lettre::message::Mailbox;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use tequio_store::{Tx, accounts};

/// A message written, not yet sent.
pub struct Queued {
    id: i64,
    to: String,
    subject: String,
    body: String,
}

/// Records a message in the outbox inside `tx`. Call [`deliver`] after committing.
pub async fn queue(
    state: &AppState,
    tx: &Tx,
    to: &str,
    subject: &str,
    body: &str,
) -> AppResult<Queued> {
    let status = if state.settings.smtp_url.is_some() {
        "pending"
    } else {
        "local"
    };
    let id = accounts::enqueue_mail(tx, to, subject, body, status).await?;
    Ok(Queued {
        id,
        to: to.to_owned(),
        subject: subject.to_owned(),
        body: body.to_owned(),
    })
}

/// Sends a queued message through SMTP, in the background, and records the outcome.
pub fn deliver(state: &AppState, queued: Queued) {
    let Some(url) = state.settings.smtp_url.clone() else {
        return;
    };
    let state = state.clone();
    tokio::spawn(async move {
        let outcome = send(&url, &state.settings.smtp_from, &queued).await;
        let (status, error) = match &outcome {
            Ok(()) => ("sent", None),
            Err(e) => {
                tracing::warn!(error = %e, outbox_id = queued.id, "e-mail not sent");
                ("failed", Some(e.to_string()))
            }
        };
        if let Err(e) = accounts::mark_mail(&state.db, queued.id, status, error.as_deref()).await {
            tracing::error!(error = %e, "cannot record the e-mail's outcome");
        }
    });
}

async fn send(url: &str, from: &str, q: &Queued) -> anyhow::Result<()> {
    let transport: AsyncSmtpTransport<Tokio1Executor> = match url.strip_prefix("smtp+plain://") {
        // A relay on the local network that speaks no TLS.
        Some(host_port) => {
            let (host, port) = host_port.split_once(':').unwrap_or((host_port, "25"));
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                .port(port.parse()?)
                .build()
        }
        None => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build(),
    };
    let message = Message::builder()
        .from(from.parse::<Mailbox>()?)
        .to(q.to.parse::<Mailbox>()?)
        .subject(q.subject.clone())
        .body(q.body.clone())?;
    transport.send(message).await?;
    Ok(())
}
