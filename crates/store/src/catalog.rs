//! The open-data catalogue: themes (groups), datasets, keywords, resources, and the datastore
//! that holds the rows of tabular resources so they can be queried.
//!
//! Each loaded resource has its own table, `ds_{resource}_{generation}`, with the columns
//! `_id` (the row's number, from 1), `_full_text` (its text folded for word search) and
//! `c1…cN` (the fields, typed). A new upload is loaded into a new generation's table while the
//! old one keeps answering; one transaction then points the resource at the new table, and
//! the old one is dropped. Readers never see half a load.

use crate::audit::{self, Change, Who};
use crate::db::{Engine, Exec, Row, Tx, Value};
use crate::error::{StoreError, StoreResult};
use crate::files::StoredFile;
use crate::{params, search, summary};
use serde::Serialize;
use std::collections::HashMap;
use tequio_domain::catalog::DatasetInput;
use tequio_domain::catalog::table::{FieldType, TableSchema, Typed};
use tequio_domain::search::SearchKind;

/// A theme datasets are grouped under (CKAN's "group").
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub description: String,
    pub dataset_count: i64,
    pub created_at: String,
}

/// A dataset with its keywords, themes and resources.
#[derive(Debug, Clone, Serialize)]
pub struct Dataset {
    pub id: i64,
    pub name: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub subject_acronym: Option<String>,
    pub title: String,
    pub notes: String,
    pub licence_id: String,
    pub frequency: String,
    pub temporal_start: String,
    pub temporal_end: String,
    pub spatial: String,
    pub contact_name: String,
    pub contact_email: String,
    pub landing_page: String,
    pub version: String,
    /// Set when the dataset presents a transparency obligation of its subject (kept in step
    /// by publishing; not edited by hand).
    pub obligation_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub tags: Vec<String>,
    /// (name, title) of each theme.
    pub groups: Vec<(String, String)>,
    pub resources: Vec<Resource>,
}

/// A file or link of a dataset.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub id: i64,
    pub dataset_id: i64,
    pub position: i64,
    pub name: String,
    pub description: String,
    /// A link's address; empty for an uploaded file.
    pub url: String,
    pub file_key: Option<String>,
    pub file_name: Option<String>,
    pub format: String,
    pub media_type: String,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    /// For an obligation's dataset: the publication this resource presents.
    pub publication_id: Option<i64>,
    pub schema: Option<TableSchema>,
    pub datastore_table: Option<String>,
    pub datastore_rows: Option<i64>,
    /// none, queued, running, done or failed.
    pub load_status: String,
    pub load_generation: i64,
    pub load_done: i64,
    pub load_total: i64,
    /// The load's problems, as JSON (a list of messages per language).
    pub load_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Resource {
    /// Whether its rows can be queried now.
    pub fn in_datastore(&self) -> bool {
        self.datastore_table.is_some() && self.schema.is_some()
    }
}

/// What the catalogue list and its facets need of each dataset.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetSummary {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub notes: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub licence_id: String,
    pub updated_at: String,
    pub created_at: String,
    pub tags: Vec<String>,
    pub groups: Vec<String>,
    pub formats: Vec<String>,
    /// Whether it presents a transparency obligation (made by publishing).
    pub is_obligation: bool,
}

/// A new resource, or a new content for one.
#[derive(Debug, Clone, Default)]
pub struct ResourceInput {
    pub name: String,
    pub description: String,
    /// For a link.
    pub url: String,
    pub file: Option<StoredFile>,
    pub format: String,
    pub media_type: String,
    /// For a tabular file: its inferred dictionary and row count; the datastore loads it.
    pub schema: Option<TableSchema>,
    pub rows: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Groups

pub async fn create_group(
    tx: &Tx,
    who: &Who,
    name: &str,
    title: &str,
    description: &str,
) -> StoreResult<i64> {
    if !tequio_domain::catalog::valid_name(name) {
        return Err(StoreError::Invalid(format!(
            "name: «{name}» no sirve como nombre: usa de 2 a 100 minúsculas sin acentos, números, - o _"
        )));
    }
    if title.trim().is_empty() {
        return Err(StoreError::Invalid("title: escribe un título".into()));
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO catalog_groups (name, title, description, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            params![name, title.trim(), description.trim(), crate::now()],
        )
        .await?
        .get(0)?;
    audit::append(
        tx,
        who,
        Change {
            action: "group.create",
            target_kind: "group",
            target_id: id.to_string(),
            public: true,
            summary: summary! { "name" => name, "title" => title.trim() },
        },
    )
    .await?;
    Ok(id)
}

const GROUP_SELECT: &str = "SELECT g.id, g.name, g.title, g.description, g.created_at,
    (SELECT COUNT(*) FROM dataset_groups dg WHERE dg.group_id = g.id) FROM catalog_groups g";

fn group_from_row(mut r: Row) -> StoreResult<Group> {
    Ok(Group {
        id: r.take(0)?,
        name: r.take(1)?,
        title: r.take(2)?,
        description: r.take(3)?,
        created_at: r.take(4)?,
        dataset_count: r.take(5)?,
    })
}

/// Every theme, by title.
pub async fn list_groups(db: &impl Exec) -> StoreResult<Vec<Group>> {
    db.query(&format!("{GROUP_SELECT} ORDER BY g.title"), params![])
        .await?
        .into_iter()
        .map(group_from_row)
        .collect()
}

/// A theme by its name or its id.
pub async fn group(db: &impl Exec, name_or_id: &str) -> StoreResult<Group> {
    let id = name_or_id.parse::<i64>().unwrap_or(-1);
    let row = db
        .query_opt(
            &format!("{GROUP_SELECT} WHERE g.name = $1 OR g.id = $2"),
            params![name_or_id, id],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    group_from_row(row)
}

// ---------------------------------------------------------------------------------------------
// Datasets

async fn group_ids(tx: &Tx, names: &[String]) -> StoreResult<Vec<i64>> {
    let mut ids = Vec::new();
    for name in names {
        let row = tx
            .query_opt(
                "SELECT id FROM catalog_groups WHERE name = $1",
                params![name],
            )
            .await?;
        match row {
            Some(r) => ids.push(r.get(0)?),
            None => {
                return Err(StoreError::Invalid(format!(
                    "groups: «{name}» no es un tema del catálogo"
                )));
            }
        }
    }
    Ok(ids)
}

async fn save_tags_and_groups(tx: &Tx, id: i64, input: &DatasetInput) -> StoreResult<()> {
    let groups = group_ids(tx, &input.groups).await?;
    tx.execute(
        "DELETE FROM dataset_tags WHERE dataset_id = $1",
        params![id],
    )
    .await?;
    tx.execute(
        "DELETE FROM dataset_groups WHERE dataset_id = $1",
        params![id],
    )
    .await?;
    for tag in &input.tags {
        tx.execute(
            "INSERT INTO dataset_tags (dataset_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            params![id, tag],
        )
        .await?;
    }
    for g in groups {
        tx.execute(
            "INSERT INTO dataset_groups (dataset_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            params![id, g],
        )
        .await?;
    }
    Ok(())
}

/// Keeps the dataset's entry of the global search current.
async fn index_dataset(tx: &Tx, id: i64) -> StoreResult<()> {
    let d = dataset(tx, &id.to_string()).await?;
    let body = format!(
        "{} {} {} {}",
        d.notes,
        d.tags.join(" "),
        d.subject_name,
        d.resources
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    search::put(tx, SearchKind::Dataset, id, &d.title, &body, &d.name).await
}

/// Creates a dataset owned by `subject_id`. `input` must have been cleaned
/// ([`DatasetInput::clean`]).
pub async fn create_dataset(
    tx: &Tx,
    who: &Who,
    subject_id: i64,
    input: &DatasetInput,
) -> StoreResult<i64> {
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO datasets (name, subject_id, title, notes, licence_id, frequency, temporal_start,
                temporal_end, spatial, contact_name, contact_email, landing_page, version, created_by,
                created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
            params![
                &input.name,
                subject_id,
                &input.title,
                &input.notes,
                &input.licence_id,
                &input.frequency,
                &input.temporal_start,
                &input.temporal_end,
                &input.spatial,
                &input.contact_name,
                &input.contact_email,
                &input.landing_page,
                &input.version,
                who.user_id,
                now
            ],
        )
        .await?
        .get(0)?;
    save_tags_and_groups(tx, id, input).await?;
    index_dataset(tx, id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "dataset.create",
            target_kind: "dataset",
            target_id: id.to_string(),
            public: true,
            summary: summary! { "name" => &input.name, "title" => &input.title, "subject_id" => subject_id },
        },
    )
    .await?;
    Ok(id)
}

/// Replaces a dataset's description (not its owner nor its resources).
pub async fn update_dataset(tx: &Tx, who: &Who, id: i64, input: &DatasetInput) -> StoreResult<()> {
    let before = dataset(tx, &id.to_string()).await?;
    tx.execute(
        "UPDATE datasets SET name = $2, title = $3, notes = $4, licence_id = $5, frequency = $6,
            temporal_start = $7, temporal_end = $8, spatial = $9, contact_name = $10,
            contact_email = $11, landing_page = $12, version = $13, updated_at = $14
         WHERE id = $1",
        params![
            id,
            &input.name,
            &input.title,
            &input.notes,
            &input.licence_id,
            &input.frequency,
            &input.temporal_start,
            &input.temporal_end,
            &input.spatial,
            &input.contact_name,
            &input.contact_email,
            &input.landing_page,
            &input.version,
            crate::now()
        ],
    )
    .await?;
    save_tags_and_groups(tx, id, input).await?;
    index_dataset(tx, id).await?;
    let mut changed = Vec::new();
    for (field, old, new) in [
        ("name", &before.name, &input.name),
        ("title", &before.title, &input.title),
        ("notes", &before.notes, &input.notes),
        ("license_id", &before.licence_id, &input.licence_id),
        ("frequency", &before.frequency, &input.frequency),
        ("version", &before.version, &input.version),
    ] {
        if old != new {
            changed.push(field);
        }
    }
    if before.tags != input.tags {
        changed.push("tags");
    }
    audit::append(
        tx,
        who,
        Change {
            action: "dataset.update",
            target_kind: "dataset",
            target_id: id.to_string(),
            public: true,
            summary: summary! { "name" => &input.name, "changed" => changed },
        },
    )
    .await?;
    Ok(())
}

const DATASET_SELECT: &str =
    "SELECT d.id, d.name, d.subject_id, s.name, s.acronym, d.title, d.notes,
    d.licence_id, d.frequency, d.temporal_start, d.temporal_end, d.spatial, d.contact_name,
    d.contact_email, d.landing_page, d.version, d.created_at, d.updated_at, d.obligation_id
    FROM datasets d JOIN subjects s ON s.id = d.subject_id";

const RESOURCE_SELECT: &str = "SELECT id, dataset_id, position, name, description, url, file_key,
    file_name, format, media_type, size, sha256, table_schema, datastore_table, datastore_rows,
    load_status, load_generation, load_done, load_total, load_error, created_at, updated_at,
    publication_id FROM resources";

fn resource_from_row(mut r: Row) -> StoreResult<Resource> {
    let schema: Option<String> = r.take(12)?;
    let schema = match schema {
        Some(s) => Some(
            serde_json::from_str(&s)
                .map_err(|e| StoreError::Decode(format!("table_schema: {e}")))?,
        ),
        None => None,
    };
    Ok(Resource {
        id: r.take(0)?,
        dataset_id: r.take(1)?,
        position: r.take(2)?,
        name: r.take(3)?,
        description: r.take(4)?,
        url: r.take(5)?,
        file_key: r.take(6)?,
        file_name: r.take(7)?,
        format: r.take(8)?,
        media_type: r.take(9)?,
        size: r.take(10)?,
        sha256: r.take(11)?,
        publication_id: r.take(22)?,
        schema,
        datastore_table: r.take(13)?,
        datastore_rows: r.take(14)?,
        load_status: r.take(15)?,
        load_generation: r.take(16)?,
        load_done: r.take(17)?,
        load_total: r.take(18)?,
        load_error: r.take(19)?,
        created_at: r.take(20)?,
        updated_at: r.take(21)?,
    })
}

/// A dataset by its name or its id, whole.
pub async fn dataset(db: &impl Exec, name_or_id: &str) -> StoreResult<Dataset> {
    let id = name_or_id.parse::<i64>().unwrap_or(-1);
    let mut r = db
        .query_opt(
            &format!("{DATASET_SELECT} WHERE d.name = $1 OR d.id = $2"),
            params![name_or_id, id],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let id: i64 = r.take(0)?;
    let tags = db
        .query(
            "SELECT tag FROM dataset_tags WHERE dataset_id = $1 ORDER BY tag",
            params![id],
        )
        .await?
        .into_iter()
        .map(|mut r| r.take(0))
        .collect::<StoreResult<_>>()?;
    let groups = db
        .query(
            "SELECT g.name, g.title FROM dataset_groups dg JOIN catalog_groups g ON g.id = dg.group_id
             WHERE dg.dataset_id = $1 ORDER BY g.title",
            params![id],
        )
        .await?
        .into_iter()
        .map(|mut r| Ok((r.take(0)?, r.take(1)?)))
        .collect::<StoreResult<_>>()?;
    let resources = db
        .query(
            &format!("{RESOURCE_SELECT} WHERE dataset_id = $1 ORDER BY position, id"),
            params![id],
        )
        .await?
        .into_iter()
        .map(resource_from_row)
        .collect::<StoreResult<_>>()?;
    Ok(Dataset {
        id,
        name: r.take(1)?,
        subject_id: r.take(2)?,
        subject_name: r.take(3)?,
        subject_acronym: r.take(4)?,
        title: r.take(5)?,
        notes: r.take(6)?,
        licence_id: r.take(7)?,
        frequency: r.take(8)?,
        temporal_start: r.take(9)?,
        temporal_end: r.take(10)?,
        spatial: r.take(11)?,
        contact_name: r.take(12)?,
        contact_email: r.take(13)?,
        landing_page: r.take(14)?,
        version: r.take(15)?,
        created_at: r.take(16)?,
        updated_at: r.take(17)?,
        obligation_id: r.take(18)?,
        tags,
        groups,
        resources,
    })
}

/// Every dataset whole (for the catalogue's exports), by name: four queries whatever the size.
pub async fn all_datasets(db: &impl Exec) -> StoreResult<Vec<Dataset>> {
    datasets_where(db, None).await
}

/// The datasets with these ids, whole, in the order given (a page of search results): four
/// queries for the page, not four per dataset.
pub async fn datasets_with_ids(db: &impl Exec, ids: &[i64]) -> StoreResult<Vec<Dataset>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = datasets_where(db, Some(ids)).await?;
    let order: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    found.sort_by_key(|d| order.get(&d.id).copied().unwrap_or(usize::MAX));
    Ok(found)
}

async fn datasets_where(db: &impl Exec, ids: Option<&[i64]>) -> StoreResult<Vec<Dataset>> {
    // Ids are numbers made by the database: written into the query as a list of numbers.
    let list_of = |column: &str| match ids {
        Some(ids) => format!(
            " WHERE {column} IN ({})",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        ),
        None => String::new(),
    };
    let mut list: Vec<Dataset> = Vec::new();
    for mut r in db
        .query(
            &format!("{DATASET_SELECT}{} ORDER BY d.name", list_of("d.id")),
            params![],
        )
        .await?
    {
        list.push(Dataset {
            id: r.take(0)?,
            name: r.take(1)?,
            subject_id: r.take(2)?,
            subject_name: r.take(3)?,
            subject_acronym: r.take(4)?,
            title: r.take(5)?,
            notes: r.take(6)?,
            licence_id: r.take(7)?,
            frequency: r.take(8)?,
            temporal_start: r.take(9)?,
            temporal_end: r.take(10)?,
            spatial: r.take(11)?,
            contact_name: r.take(12)?,
            contact_email: r.take(13)?,
            landing_page: r.take(14)?,
            version: r.take(15)?,
            created_at: r.take(16)?,
            updated_at: r.take(17)?,
            obligation_id: r.take(18)?,
            tags: Vec::new(),
            groups: Vec::new(),
            resources: Vec::new(),
        });
    }
    let at: HashMap<i64, usize> = list.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    for mut r in db
        .query(
            &format!(
                "SELECT dataset_id, tag FROM dataset_tags{} ORDER BY tag",
                list_of("dataset_id")
            ),
            params![],
        )
        .await?
    {
        let id: i64 = r.take(0)?;
        if let Some(i) = at.get(&id) {
            list[*i].tags.push(r.take(1)?);
        }
    }
    for mut r in db
        .query(
            &format!(
                "SELECT dg.dataset_id, g.name, g.title FROM dataset_groups dg
                 JOIN catalog_groups g ON g.id = dg.group_id{} ORDER BY g.title",
                list_of("dg.dataset_id")
            ),
            params![],
        )
        .await?
    {
        let id: i64 = r.take(0)?;
        if let Some(i) = at.get(&id) {
            list[*i].groups.push((r.take(1)?, r.take(2)?));
        }
    }
    for r in db
        .query(
            &format!(
                "{RESOURCE_SELECT}{} ORDER BY position, id",
                list_of("dataset_id")
            ),
            params![],
        )
        .await?
    {
        let res = resource_from_row(r)?;
        if let Some(i) = at.get(&res.dataset_id) {
            list[*i].resources.push(res);
        }
    }
    Ok(list)
}

/// Every dataset, newest change first, with what facets need: four queries whatever the size.
pub async fn summaries(db: &impl Exec) -> StoreResult<Vec<DatasetSummary>> {
    let mut list: Vec<DatasetSummary> = db
        .query(
            "SELECT d.id, d.name, d.title, d.notes, d.subject_id, s.name, d.licence_id, d.updated_at, d.created_at,
                d.obligation_id
             FROM datasets d JOIN subjects s ON s.id = d.subject_id ORDER BY d.updated_at DESC, d.id DESC",
            params![],
        )
        .await?
        .into_iter()
        .map(|mut r| {
            Ok(DatasetSummary {
                id: r.take(0)?,
                name: r.take(1)?,
                title: r.take(2)?,
                notes: r.take(3)?,
                subject_id: r.take(4)?,
                subject_name: r.take(5)?,
                licence_id: r.take(6)?,
                updated_at: r.take(7)?,
                created_at: r.take(8)?,
                is_obligation: !r.values()[9].eq(&Value::Null),
                tags: Vec::new(),
                groups: Vec::new(),
                formats: Vec::new(),
            })
        })
        .collect::<StoreResult<_>>()?;
    let at: HashMap<i64, usize> = list.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let pairs = |rows: Vec<Row>| -> StoreResult<Vec<(i64, String)>> {
        rows.into_iter()
            .map(|mut r| Ok((r.take(0)?, r.take(1)?)))
            .collect()
    };
    for (id, tag) in pairs(
        db.query(
            "SELECT dataset_id, tag FROM dataset_tags ORDER BY tag",
            params![],
        )
        .await?,
    )? {
        if let Some(i) = at.get(&id) {
            list[*i].tags.push(tag);
        }
    }
    for (id, g) in pairs(
        db.query(
            "SELECT dg.dataset_id, g.name FROM dataset_groups dg JOIN catalog_groups g ON g.id = dg.group_id ORDER BY g.name",
            params![],
        )
        .await?,
    )? {
        if let Some(i) = at.get(&id) {
            list[*i].groups.push(g);
        }
    }
    for (id, f) in pairs(
        db.query(
            "SELECT DISTINCT dataset_id, format FROM resources WHERE format <> '' ORDER BY format",
            params![],
        )
        .await?,
    )? {
        if let Some(i) = at.get(&id) {
            list[*i].formats.push(f);
        }
    }
    Ok(list)
}

/// Ids of datasets whose text matches `q` in the global search index, best first.
pub async fn search_ids(db: &impl Exec, q: &str) -> StoreResult<Vec<i64>> {
    let results = search::search(
        db,
        &search::Query {
            text: q.to_owned(),
            kinds: vec![SearchKind::Dataset],
            limit: search::MAX_CANDIDATES as usize,
            offset: 0,
        },
    )
    .await?;
    Ok(results.hits.iter().map(|h| h.ref_id).collect())
}

// ---------------------------------------------------------------------------------------------
// Resources

/// A resource by id.
pub async fn resource(db: &impl Exec, id: i64) -> StoreResult<Resource> {
    let row = db
        .query_opt(&format!("{RESOURCE_SELECT} WHERE id = $1"), params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    resource_from_row(row)
}

fn schema_json(schema: Option<&TableSchema>) -> StoreResult<Option<String>> {
    schema
        .map(|s| serde_json::to_string(s).map_err(|e| StoreError::Decode(e.to_string())))
        .transpose()
}

async fn touch_dataset(tx: &Tx, dataset_id: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE datasets SET updated_at = $2 WHERE id = $1",
        params![dataset_id, crate::now()],
    )
    .await?;
    Ok(())
}

/// Adds a resource at the end of a dataset. A tabular file is queued for the datastore.
pub async fn add_resource(
    tx: &Tx,
    who: &Who,
    dataset_id: i64,
    input: &ResourceInput,
) -> StoreResult<i64> {
    let now = crate::now();
    let file = input.file.as_ref();
    let status = if input.schema.is_some() {
        "queued"
    } else {
        "none"
    };
    let id: i64 = tx
        .query_one(
            "INSERT INTO resources (dataset_id, position, name, description, url, file_key, file_name,
                format, media_type, size, sha256, table_schema, load_status, load_generation, load_total,
                created_at, updated_at)
             VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM resources WHERE dataset_id = $1),
                $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14, $14)
             RETURNING id",
            params![
                dataset_id,
                &input.name,
                &input.description,
                &input.url,
                file.map(|f| f.key.clone()),
                file.map(|f| f.name.clone()),
                &input.format,
                &input.media_type,
                file.map(|f| f.size),
                file.map(|f| f.sha256.clone()),
                schema_json(input.schema.as_ref())?,
                status,
                input.rows.unwrap_or(0),
                now
            ],
        )
        .await?
        .get(0)?;
    touch_dataset(tx, dataset_id).await?;
    index_dataset(tx, dataset_id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "resource.add",
            target_kind: "resource",
            target_id: id.to_string(),
            public: true,
            summary: summary! {
                "dataset_id" => dataset_id, "name" => &input.name, "format" => &input.format,
                "sha256" => file.map(|f| f.sha256.clone()), "url" => &input.url,
            },
        },
    )
    .await?;
    Ok(id)
}

/// Gives a resource new content (a new file or link). The datastore keeps serving the old
/// rows until the new ones are loaded. Returns the file key it held before.
pub async fn replace_resource(
    tx: &Tx,
    who: &Who,
    id: i64,
    input: &ResourceInput,
) -> StoreResult<Option<String>> {
    let before = resource(tx, id).await?;
    let file = input.file.as_ref();
    let status = if input.schema.is_some() {
        "queued"
    } else {
        "none"
    };
    tx.execute(
        "UPDATE resources SET url = $2, file_key = $3, file_name = $4, format = $5, media_type = $6,
            size = $7, sha256 = $8, table_schema = $9, load_status = $10,
            load_generation = load_generation + 1, load_done = 0, load_total = $11, load_error = NULL,
            updated_at = $12
         WHERE id = $1",
        params![
            id,
            &input.url,
            file.map(|f| f.key.clone()),
            file.map(|f| f.name.clone()),
            &input.format,
            &input.media_type,
            file.map(|f| f.size),
            file.map(|f| f.sha256.clone()),
            schema_json(input.schema.as_ref())?,
            status,
            input.rows.unwrap_or(0),
            crate::now()
        ],
    )
    .await?;
    if input.schema.is_none() {
        // No longer tabular: its old rows must not be served as if current.
        tx.execute(
            "UPDATE resources SET datastore_table = NULL, datastore_rows = NULL WHERE id = $1",
            params![id],
        )
        .await?;
    }
    touch_dataset(tx, before.dataset_id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "resource.replace",
            target_kind: "resource",
            target_id: id.to_string(),
            public: true,
            summary: summary! {
                "dataset_id" => before.dataset_id, "sha256_before" => before.sha256,
                "sha256" => file.map(|f| f.sha256.clone()), "url" => &input.url,
            },
        },
    )
    .await?;
    Ok(before.file_key)
}

/// Edits a resource's name, description and the titles and descriptions of its columns.
pub async fn describe_resource(
    tx: &Tx,
    who: &Who,
    id: i64,
    name: &str,
    description: &str,
    schema: Option<&TableSchema>,
) -> StoreResult<()> {
    let before = resource(tx, id).await?;
    if let (Some(old), Some(new)) = (&before.schema, schema)
        && (old.fields.len() != new.fields.len()
            || old
                .fields
                .iter()
                .zip(&new.fields)
                .any(|(a, b)| a.name != b.name || a.field_type != b.field_type))
    {
        return Err(StoreError::Invalid(
            "schema: solo se pueden cambiar títulos y descripciones de las columnas".into(),
        ));
    }
    tx.execute(
        "UPDATE resources SET name = $2, description = $3, table_schema = COALESCE($4, table_schema),
            updated_at = $5 WHERE id = $1",
        params![id, name, description, schema_json(schema)?, crate::now()],
    )
    .await?;
    touch_dataset(tx, before.dataset_id).await?;
    index_dataset(tx, before.dataset_id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "resource.describe",
            target_kind: "resource",
            target_id: id.to_string(),
            public: true,
            summary: summary! { "dataset_id" => before.dataset_id, "name" => name },
        },
    )
    .await?;
    Ok(())
}

/// Removes a resource and its datastore table. Returns its file key, for the caller to delete
/// from the file store once this transaction commits (when no other resource shares it).
pub async fn delete_resource(tx: &Tx, who: &Who, id: i64) -> StoreResult<Option<String>> {
    let before = resource(tx, id).await?;
    tx.execute("DELETE FROM resources WHERE id = $1", params![id])
        .await?;
    if let Some(table) = &before.datastore_table {
        drop_table_in(tx, table).await?;
    }
    touch_dataset(tx, before.dataset_id).await?;
    index_dataset(tx, before.dataset_id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "resource.delete",
            target_kind: "resource",
            target_id: id.to_string(),
            public: true,
            summary: summary! { "dataset_id" => before.dataset_id, "name" => before.name, "sha256" => before.sha256 },
        },
    )
    .await?;
    Ok(before.file_key)
}

// ---------------------------------------------------------------------------------------------
// Datastore: loading

/// A load to run: the resource, which generation, and where its file is.
#[derive(Debug, Clone)]
pub struct LoadJob {
    pub resource_id: i64,
    pub generation: i64,
    pub file_key: String,
    pub file_name: String,
}

impl LoadJob {
    /// The table this load fills.
    pub fn table_name(&self) -> String {
        format!("ds_{}_{}", self.resource_id, self.generation)
    }
}

/// Takes the oldest queued load, marking it running. Several nodes can call this at once:
/// only one gets each job.
pub async fn claim_load(db: &impl Exec) -> StoreResult<Option<LoadJob>> {
    let row = db
        .query_opt(
            "UPDATE resources SET load_status = 'running', load_done = 0
             WHERE id = (SELECT id FROM resources WHERE load_status = 'queued' ORDER BY updated_at, id LIMIT 1)
               AND load_status = 'queued'
             RETURNING id, load_generation, file_key, file_name",
            params![],
        )
        .await?;
    let Some(mut r) = row else { return Ok(None) };
    let resource_id: i64 = r.take(0)?;
    let generation: i64 = r.take(1)?;
    let file_key: Option<String> = r.take(2)?;
    let file_name: Option<String> = r.take(3)?;
    match file_key {
        Some(file_key) => Ok(Some(LoadJob {
            resource_id,
            generation,
            file_key,
            file_name: file_name.unwrap_or_default(),
        })),
        None => {
            fail_load(db, resource_id, generation, "[]").await?;
            Ok(None)
        }
    }
}

/// Takes the queued load of one resource (the command line loads its own uploads).
pub async fn claim_load_of(db: &impl Exec, resource_id: i64) -> StoreResult<Option<LoadJob>> {
    let row = db
        .query_opt(
            "UPDATE resources SET load_status = 'running', load_done = 0
             WHERE id = $1 AND load_status = 'queued'
             RETURNING id, load_generation, file_key, file_name",
            params![resource_id],
        )
        .await?;
    let Some(mut r) = row else { return Ok(None) };
    let generation: i64 = r.take(1)?;
    let file_key: Option<String> = r.take(2)?;
    let file_name: Option<String> = r.take(3)?;
    Ok(file_key.map(|file_key| LoadJob {
        resource_id,
        generation,
        file_key,
        file_name: file_name.unwrap_or_default(),
    }))
}

/// Puts loads that were running when a node stopped back in the queue (at start-up).
pub async fn requeue_interrupted(db: &impl Exec) -> StoreResult<u64> {
    db.execute(
        "UPDATE resources SET load_status = 'queued', load_done = 0 WHERE load_status = 'running'",
        params![],
    )
    .await
}

/// Records how many rows a running load has written.
pub async fn load_progress(db: &impl Exec, job: &LoadJob, done: i64) -> StoreResult<()> {
    db.execute(
        "UPDATE resources SET load_done = $3 WHERE id = $1 AND load_generation = $2",
        params![job.resource_id, job.generation, done],
    )
    .await?;
    Ok(())
}

/// Marks a load failed with its problems (JSON), unless a newer upload replaced it.
pub async fn fail_load(
    db: &impl Exec,
    resource_id: i64,
    generation: i64,
    error_json: &str,
) -> StoreResult<()> {
    db.execute(
        "UPDATE resources SET load_status = 'failed', load_error = $3
         WHERE id = $1 AND load_generation = $2",
        params![resource_id, generation, error_json],
    )
    .await?;
    Ok(())
}

fn sql_type(engine: Engine, t: FieldType) -> &'static str {
    match (engine, t) {
        (Engine::Sqlite, FieldType::Integer | FieldType::Boolean) => "INTEGER",
        (Engine::Sqlite, FieldType::Number) => "REAL",
        (Engine::Postgres, FieldType::Integer) => "BIGINT",
        (Engine::Postgres, FieldType::Number) => "DOUBLE PRECISION",
        (Engine::Postgres, FieldType::Boolean) => "BOOLEAN",
        (_, FieldType::Date | FieldType::String) => "TEXT",
    }
}

/// A datastore table name is made here, never from input; check anyway before it goes into SQL.
fn checked_table(name: &str) -> StoreResult<&str> {
    let ok = name.starts_with("ds_")
        && name.len() < 60
        && name[3..].bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(name)
    } else {
        Err(StoreError::Invalid(format!(
            "«{name}» is not a datastore table"
        )))
    }
}

/// Creates the (empty) table a load fills, dropping a leftover of an interrupted attempt.
pub async fn create_load_table(
    db: &crate::Db,
    job: &LoadJob,
    schema: &TableSchema,
) -> StoreResult<()> {
    let table = job.table_name();
    let engine = db.engine();
    let id_type = if engine == Engine::Sqlite {
        "INTEGER"
    } else {
        "BIGINT"
    };
    let columns: String = schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| format!(", c{} {}", i + 1, sql_type(engine, f.field_type)))
        .collect();
    db.batch(&format!(
        "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (_id {id_type} PRIMARY KEY, _full_text TEXT NOT NULL{columns})"
    ))
    .await
}

/// Indexes the given columns of a load's table (before it is switched in), so filters,
/// counts and sorts on them do not scan every row.
pub async fn index_load_table(db: &crate::Db, job: &LoadJob, columns: &[usize]) -> StoreResult<()> {
    let table = job.table_name();
    for c in columns {
        let c = c + 1;
        db.batch(&format!("CREATE INDEX {table}_c{c} ON {table} (c{c})"))
            .await?;
    }
    Ok(())
}

/// Inserts rows (already typed, `_id` first, then `_full_text`, then the fields).
pub async fn insert_load_rows(
    tx: &Tx,
    job: &LoadJob,
    columns: usize,
    rows: &mut (dyn Iterator<Item = Vec<Value>> + Send),
) -> StoreResult<u64> {
    let table = job.table_name();
    let placeholders: Vec<String> = (1..=columns + 2).map(|i| format!("${i}")).collect();
    let names: String = (1..=columns).map(|i| format!(", c{i}")).collect();
    let sql = format!(
        "INSERT INTO {table} (_id, _full_text{names}) VALUES ({})",
        placeholders.join(", ")
    );
    tx.execute_each(&[&sql], rows).await
}

/// Points the resource at its newly loaded table, unless a newer upload replaced it meanwhile.
/// Returns the table no longer used (the previous one, or this load's when it lost the race),
/// for the caller to drop.
pub async fn finish_load(
    tx: &Tx,
    who: &Who,
    job: &LoadJob,
    rows: i64,
) -> StoreResult<Option<String>> {
    let current = resource(tx, job.resource_id).await?;
    if current.load_generation != job.generation {
        return Ok(Some(job.table_name()));
    }
    tx.execute(
        "UPDATE resources SET datastore_table = $2, datastore_rows = $3, load_status = 'done',
            load_done = $3, load_error = NULL WHERE id = $1",
        params![job.resource_id, job.table_name(), rows],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "datastore.load",
            target_kind: "resource",
            target_id: job.resource_id.to_string(),
            public: true,
            summary: summary! { "rows" => rows, "sha256" => current.sha256, "generation" => job.generation },
        },
    )
    .await?;
    Ok(current.datastore_table.filter(|t| *t != job.table_name()))
}

async fn drop_table_in(tx: &Tx, table: &str) -> StoreResult<()> {
    tx.batch(&format!("DROP TABLE IF EXISTS {}", checked_table(table)?))
        .await
}

/// Drops a datastore table no resource points at any more.
pub async fn drop_table(db: &crate::Db, table: &str) -> StoreResult<()> {
    db.batch(&format!("DROP TABLE IF EXISTS {}", checked_table(table)?))
        .await
}

/// The value stored for one typed cell.
pub fn value_of(t: Typed) -> Value {
    match t {
        Typed::Null => Value::Null,
        Typed::Int(i) => Value::Int(i),
        Typed::Real(f) => Value::Real(f),
        Typed::Bool(b) => Value::Bool(b),
        Typed::Text(s) => Value::Text(s),
    }
}

// ---------------------------------------------------------------------------------------------
// Datastore: queries

/// A query on a loaded resource. Columns are positions in its schema.
#[derive(Debug, Clone, Default)]
pub struct DatastoreQuery {
    /// (column, accepted values): a row matches when the column equals one of them.
    pub filters: Vec<(usize, Vec<Value>)>,
    /// Words (folded to lowercase without accents) that must all appear in the row.
    pub words: Vec<String>,
    /// (column, descending); `None` is `_id`. Ties are broken by `_id`.
    pub sort: Vec<(Option<usize>, bool)>,
    /// The columns to return, in order; `_id` always comes first.
    pub columns: Vec<usize>,
    pub limit: i64,
    pub offset: i64,
    /// Rows after this `_id` only (keyset paging for downloads; needs the default order).
    pub after_id: Option<i64>,
    pub include_total: bool,
}

/// One page of a query: each row is `_id` and then the asked columns.
#[derive(Debug)]
pub struct DatastorePage {
    pub rows: Vec<Row>,
    pub total: Option<i64>,
}

/// Runs a query on the table `table` holding `total_rows` rows.
pub async fn datastore_search(
    db: &impl Exec,
    table: &str,
    total_rows: i64,
    q: &DatastoreQuery,
) -> StoreResult<DatastorePage> {
    let table = checked_table(table)?;
    let mut params: Vec<Value> = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    for (col, values) in &q.filters {
        let mut alternatives = Vec::new();
        for v in values {
            if *v == Value::Null {
                alternatives.push(format!("c{} IS NULL", col + 1));
            } else {
                params.push(v.clone());
                alternatives.push(format!("c{} = ${}", col + 1, params.len()));
            }
        }
        if alternatives.is_empty() {
            conditions.push("1 = 0".into());
        } else {
            conditions.push(format!("({})", alternatives.join(" OR ")));
        }
    }
    for w in &q.words {
        params.push(Value::Text(format!("%{w}%")));
        conditions.push(format!("_full_text LIKE ${}", params.len()));
    }
    let filtered = !conditions.is_empty();
    let default_order = q.sort.iter().all(|(c, desc)| c.is_none() && !desc);
    // Without filters and in the default order, `_id` is the position: read straight there.
    let mut offset = q.offset;
    if let Some(after) = q.after_id {
        params.push(Value::Int(after));
        conditions.push(format!("_id > ${}", params.len()));
    } else if !filtered && default_order && offset > 0 {
        params.push(Value::Int(offset));
        conditions.push(format!("_id > ${}", params.len()));
        offset = 0;
    }
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let mut order: Vec<String> = q
        .sort
        .iter()
        .map(|(c, desc)| {
            let col = c.map_or_else(|| "_id".to_owned(), |c| format!("c{}", c + 1));
            format!("{col}{}", if *desc { " DESC" } else { "" })
        })
        .collect();
    if !q.sort.iter().any(|(c, _)| c.is_none()) {
        order.push("_id".into());
    }
    let columns: String = q.columns.iter().map(|c| format!(", c{}", c + 1)).collect();
    let limit_param = params.len() + 1;
    let offset_param = params.len() + 2;
    let sql = format!(
        "SELECT _id{columns} FROM {table}{where_clause} ORDER BY {} LIMIT ${limit_param} OFFSET ${offset_param}",
        order.join(", ")
    );
    let count_params = params.clone();
    params.push(Value::Int(q.limit));
    params.push(Value::Int(offset));
    let rows = db.query(&sql, &params).await?;
    let total = if !q.include_total {
        None
    } else if !filtered || (q.after_id.is_some() && q.filters.is_empty() && q.words.is_empty()) {
        Some(total_rows)
    } else {
        let (count_where, count_params) = if q.after_id.is_some() {
            // The count is of the whole filtered view, not of what is after the cursor.
            let n = conditions.len() - 1;
            let w = if n == 0 {
                String::new()
            } else {
                format!(" WHERE {}", conditions[..n].join(" AND "))
            };
            (w, count_params[..count_params.len() - 1].to_vec())
        } else {
            (where_clause, count_params)
        };
        Some(
            db.query_one(
                &format!("SELECT COUNT(*) FROM {table}{count_where}"),
                &count_params,
            )
            .await?
            .get(0)?,
        )
    };
    Ok(DatastorePage { rows, total })
}

/// The distinct values of one column (for filter drop-downs), most frequent first.
pub async fn column_values(
    db: &impl Exec,
    table: &str,
    column: usize,
    limit: i64,
) -> StoreResult<Vec<(Value, i64)>> {
    let table = checked_table(table)?;
    let c = column + 1;
    let rows = db
        .query(
            &format!(
                "SELECT c{c}, COUNT(*) FROM {table} WHERE c{c} IS NOT NULL GROUP BY c{c} ORDER BY COUNT(*) DESC, c{c} LIMIT $1"
            ),
            params![limit],
        )
        .await?;
    rows.into_iter()
        .map(|mut r| {
            let count: i64 = r.take(1)?;
            let value = r.values().first().cloned().unwrap_or(Value::Null);
            Ok((value, count))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Transparency obligations as datasets

/// The name of the dataset presenting a subject's obligation: `{subject}-{id}-{code}`.
pub fn obligation_dataset_name(subject_id: i64, subject_name: &str, code: &str) -> String {
    let subject: String = tequio_domain::text::slugify(subject_name)
        .chars()
        .take(60)
        .collect();
    format!(
        "{}-{subject_id}-{}",
        subject.trim_end_matches('-'),
        tequio_domain::text::slugify(code)
    )
}

/// What the catalogue keeps of a new publication of an obligation: given by the publishing
/// side, so that the catalogue does not read transparency's own types.
pub struct PublicationEntry<'a> {
    pub obligation_id: i64,
    pub obligation_code: &'a str,
    /// `Art. 70, fr. VIII`.
    pub reference: String,
    pub title: &'a str,
    pub description: &'a str,
    pub periodicity: tequio_domain::transparency::period::Periodicity,
    pub id: i64,
    pub subject_id: i64,
    pub format_code: &'a str,
    pub period: &'a str,
    pub version: i64,
    pub record_count: i64,
    pub content_hash: &'a str,
}

/// Keeps the catalogue entry of an obligation in step with a new publication (inside the
/// publishing transaction): the subject's dataset for the obligation, created the first time,
/// and its resource for the publication's period and format, pointed at this version. No
/// record is copied: the resource links to the publication's own download.
pub async fn sync_publication(tx: &Tx, p: &PublicationEntry<'_>) -> StoreResult<()> {
    use tequio_domain::transparency::period::Periodicity;
    let subject_name: String = tx
        .query_one(
            "SELECT name FROM subjects WHERE id = $1",
            params![p.subject_id],
        )
        .await?
        .get(0)?;
    let now = crate::now();
    let existing = tx
        .query_opt(
            "SELECT id FROM datasets WHERE subject_id = $1 AND obligation_id = $2",
            params![p.subject_id, p.obligation_id],
        )
        .await?;
    let dataset_id: i64 = match existing {
        Some(r) => r.get(0)?,
        None => {
            let frequency = match p.periodicity {
                Periodicity::Quarterly => "quarterly",
                Periodicity::HalfYearly => "semiannual",
                Periodicity::Yearly => "annual",
            };
            let notes = format!(
                "{}: {}. {}\n\nObligación de transparencia que {} publica en cada periodo; cada archivo es la versión vigente de un periodo.",
                p.reference, p.title, p.description, subject_name
            );
            let id: i64 = tx
                .query_one(
                    "INSERT INTO datasets (name, subject_id, title, notes, licence_id, frequency, obligation_id,
                        created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                    params![
                        obligation_dataset_name(p.subject_id, &subject_name, p.obligation_code),
                        p.subject_id,
                        format!("{} · {}", p.title, subject_name),
                        notes.trim(),
                        tequio_domain::catalog::Licence::default_licence().id,
                        frequency,
                        p.obligation_id,
                        now.as_str()
                    ],
                )
                .await?
                .get(0)?;
            for tag in ["obligaciones de transparencia", p.reference.as_str()] {
                tx.execute(
                    "INSERT INTO dataset_tags (dataset_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    params![id, tag],
                )
                .await?;
            }
            id
        }
    };
    let key = format!("{}/{}", p.format_code, p.period);
    let name = format!(
        "Periodo {} · formato {} · versión {}",
        p.period, p.format_code, p.version
    );
    let url = format!("/publicaciones/{}/registros.csv", p.id);
    let description = format!(
        "{} registros. Huella SHA-256 de su forma canónica: {}",
        p.record_count, p.content_hash
    );
    let updated = tx
        .execute(
            "UPDATE resources SET publication_id = $3, url = $4, name = $5, description = $6, updated_at = $7
             WHERE dataset_id = $1 AND period_key = $2",
            params![dataset_id, key.as_str(), p.id, url.as_str(), name.as_str(), description.as_str(), now.as_str()],
        )
        .await?;
    if updated == 0 {
        tx.execute(
            "INSERT INTO resources (dataset_id, position, name, description, url, format, media_type,
                publication_id, period_key, created_at, updated_at)
             VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM resources WHERE dataset_id = $1),
                $2, $3, $4, 'CSV', 'text/csv', $5, $6, $7, $7)",
            params![dataset_id, name.as_str(), description.as_str(), url.as_str(), p.id, key.as_str(), now.as_str()],
        )
        .await?;
    }
    touch_dataset(tx, dataset_id).await?;
    index_dataset(tx, dataset_id).await
}
