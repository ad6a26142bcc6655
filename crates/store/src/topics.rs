//! Topic portals (transparencia proactiva y focalizada): a page about a public problem for an
//! audience, its Markdown body, and links to datasets, publications and documents.

use crate::audit::{self, Change, Who};
use crate::db::{Exec, Row, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{params, search, summary};
use serde::Serialize;
use tequio_domain::search::SearchKind;

/// What a portal links to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TopicLink {
    /// A dataset of the catalogue: its name and title (filled when read).
    Dataset {
        id: i64,
        name: String,
        title: String,
    },
    /// A transparency publication: its id and a description (filled when read).
    Publication { id: i64, title: String },
    /// A document anywhere on the web.
    Document { title: String, url: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct Topic {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub audience: String,
    pub problem: String,
    /// Markdown; rendered and sanitised when shown.
    pub body: String,
    pub subject_id: Option<i64>,
    pub subject_name: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub links: Vec<TopicLink>,
}

/// What an editor writes. Links name datasets by name and publications by id.
#[derive(Debug, Clone, Default)]
pub struct TopicInput {
    pub name: String,
    pub title: String,
    pub audience: String,
    pub problem: String,
    pub body: String,
    pub subject_id: Option<i64>,
    pub datasets: Vec<String>,
    pub publications: Vec<i64>,
    /// (title, url); the url already checked to be http(s).
    pub documents: Vec<(String, String)>,
}

const TOPIC_SELECT: &str =
    "SELECT t.id, t.name, t.title, t.audience, t.problem, t.body, t.subject_id,
    s.name, t.created_at, t.updated_at FROM topics t LEFT JOIN subjects s ON s.id = t.subject_id";

fn topic_from_row(mut r: Row) -> StoreResult<Topic> {
    Ok(Topic {
        id: r.take(0)?,
        name: r.take(1)?,
        title: r.take(2)?,
        audience: r.take(3)?,
        problem: r.take(4)?,
        body: r.take(5)?,
        subject_id: r.take(6)?,
        subject_name: r.take(7)?,
        created_at: r.take(8)?,
        updated_at: r.take(9)?,
        links: Vec::new(),
    })
}

/// Every portal, newest change first (without their links).
pub async fn list(db: &impl Exec) -> StoreResult<Vec<Topic>> {
    db.query(
        &format!("{TOPIC_SELECT} ORDER BY t.updated_at DESC, t.id DESC"),
        params![],
    )
    .await?
    .into_iter()
    .map(topic_from_row)
    .collect()
}

/// A portal by name, with its links.
pub async fn get(db: &impl Exec, name: &str) -> StoreResult<Topic> {
    let row = db
        .query_opt(&format!("{TOPIC_SELECT} WHERE t.name = $1"), params![name])
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut topic = topic_from_row(row)?;
    let rows = db
        .query(
            "SELECT l.kind, l.dataset_id, d.name, d.title, l.publication_id, p.period, p.format_code, o.title,
                    s.name, l.title, l.url
             FROM topic_links l
             LEFT JOIN datasets d ON d.id = l.dataset_id
             LEFT JOIN publications p ON p.id = l.publication_id
             LEFT JOIN obligations o ON o.id = p.obligation_id
             LEFT JOIN subjects s ON s.id = p.subject_id
             WHERE l.topic_id = $1 ORDER BY l.position",
            params![topic.id],
        )
        .await?;
    for mut r in rows {
        let kind: String = r.take(0)?;
        topic.links.push(match kind.as_str() {
            "dataset" => TopicLink::Dataset {
                id: r.take(1)?,
                name: r.take(2)?,
                title: r.take(3)?,
            },
            "publication" => {
                let period: String = r.take(5)?;
                let format: String = r.take(6)?;
                let obligation: String = r.take(7)?;
                let subject: String = r.take(8)?;
                TopicLink::Publication {
                    id: r.take(4)?,
                    title: format!("{obligation} · {subject} · {period} ({format})"),
                }
            }
            _ => TopicLink::Document {
                title: r.take(9)?,
                url: r.take(10)?,
            },
        });
    }
    Ok(topic)
}

async fn save_links(tx: &Tx, topic_id: i64, input: &TopicInput) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM topic_links WHERE topic_id = $1",
        params![topic_id],
    )
    .await?;
    let mut position = 0i64;
    for name in &input.datasets {
        let id: i64 = tx
            .query_opt("SELECT id FROM datasets WHERE name = $1", params![name])
            .await?
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "datasets: «{name}» no es un conjunto de datos del catálogo"
                ))
            })?
            .get(0)?;
        position += 1;
        tx.execute(
            "INSERT INTO topic_links (topic_id, position, kind, dataset_id) VALUES ($1, $2, 'dataset', $3)",
            params![topic_id, position, id],
        )
        .await?;
    }
    for id in &input.publications {
        if tx
            .query_opt("SELECT 1 FROM publications WHERE id = $1", params![*id])
            .await?
            .is_none()
        {
            return Err(StoreError::Invalid(format!(
                "publications: no hay una publicación con el número {id}"
            )));
        }
        position += 1;
        tx.execute(
            "INSERT INTO topic_links (topic_id, position, kind, publication_id) VALUES ($1, $2, 'publication', $3)",
            params![topic_id, position, *id],
        )
        .await?;
    }
    for (title, url) in &input.documents {
        position += 1;
        tx.execute(
            "INSERT INTO topic_links (topic_id, position, kind, title, url) VALUES ($1, $2, 'document', $3, $4)",
            params![topic_id, position, title, url],
        )
        .await?;
    }
    Ok(())
}

async fn index(tx: &Tx, id: i64, input: &TopicInput) -> StoreResult<()> {
    search::put(
        tx,
        SearchKind::Topic,
        id,
        &input.title,
        &format!("{} {} {}", input.audience, input.problem, input.body),
        &input.name,
    )
    .await
}

/// Creates a portal. The input's fields must have been checked (see the web's form).
pub async fn create(tx: &Tx, who: &Who, input: &TopicInput) -> StoreResult<i64> {
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO topics (name, title, audience, problem, body, subject_id, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            params![
                &input.name,
                &input.title,
                &input.audience,
                &input.problem,
                &input.body,
                input.subject_id,
                who.user_id,
                now
            ],
        )
        .await?
        .get(0)?;
    save_links(tx, id, input).await?;
    index(tx, id, input).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "topic.create",
            target_kind: "topic",
            target_id: id.to_string(),
            public: true,
            summary: summary! { "name" => &input.name, "title" => &input.title, "subject_id" => input.subject_id },
        },
    )
    .await?;
    Ok(id)
}

/// Replaces a portal's content and links (not its owner).
pub async fn update(tx: &Tx, who: &Who, id: i64, input: &TopicInput) -> StoreResult<()> {
    let changed = tx
        .execute(
            "UPDATE topics SET name = $2, title = $3, audience = $4, problem = $5, body = $6, updated_at = $7
             WHERE id = $1",
            params![
                id,
                &input.name,
                &input.title,
                &input.audience,
                &input.problem,
                &input.body,
                crate::now()
            ],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    save_links(tx, id, input).await?;
    index(tx, id, input).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "topic.update",
            target_kind: "topic",
            target_id: id.to_string(),
            public: true,
            summary: summary! { "name" => &input.name, "title" => &input.title },
        },
    )
    .await?;
    Ok(())
}
