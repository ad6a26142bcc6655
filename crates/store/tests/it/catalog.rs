//! The catalogue's store on every engine under test: themes, datasets and their facets,
//! resources, the datastore (a load in chunks, queries with filters, words, sort, cursor and
//! totals, an atomic replacement, a failure), deletion, and topic portals.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tequio_domain::catalog::DatasetInput;
use tequio_domain::catalog::table;
use tequio_store::audit::Who;
use tequio_store::catalog::{self as cat, DatastoreQuery, ResourceInput};
use tequio_store::files::{self, StoredFile};
use tequio_store::subjects::{self, SubjectInput};
use tequio_store::topics::{self, TopicInput, TopicLink};
use tequio_store::{Db, StoreError, Value};

const CSV: &str = "municipio,programa,monto,fecha\n\
Oaxaca de Juárez,Becas,100,2025-01-10\n\
Etla,Becas,250.5,2025-02-11\n\
Oaxaca de Juárez,Salud,75,2025-03-12\n\
Tlacolula,Vivienda,900,2025-04-13\n\
Oaxaca de Juárez,Vivienda,30,2025-05-14\n";

fn file(key: &str) -> StoredFile {
    StoredFile {
        key: key.into(),
        name: "apoyos.csv".into(),
        size: 10,
        sha256: key.trim_start_matches("k-").repeat(8),
    }
}

/// Loads `csv` for a claimed job the way the server's worker does (chunks of 2 rows).
async fn load(db: &Db, job: &cat::LoadJob, csv: &str) -> i64 {
    let limits = tequio_domain::tabular::Limits::default();
    let t = table::read("apoyos.csv", csv.as_bytes(), &limits).unwrap();
    cat::create_load_table(db, job, &t.schema).await.unwrap();
    let rows: Vec<Vec<String>> = t.rows(csv.as_bytes(), &limits);
    let types: Vec<_> = t.schema.fields.iter().map(|f| f.field_type).collect();
    let mut id = 0i64;
    for chunk in rows.chunks(2) {
        let mut values = chunk
            .iter()
            .map(|row| {
                id += 1;
                let mut v = vec![Value::Int(id), Value::Text(row.join(" ").to_lowercase())];
                v.extend(
                    row.iter()
                        .zip(&types)
                        .map(|(c, ty)| cat::value_of(ty.convert(c).unwrap())),
                );
                v
            })
            .collect::<Vec<_>>()
            .into_iter();
        let tx = db.begin().await.unwrap();
        cat::insert_load_rows(&tx, job, types.len(), &mut values)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        cat::load_progress(db, job, id).await.unwrap();
    }
    cat::index_load_table(db, job, &[0, 1]).await.unwrap();
    let tx = db.begin().await.unwrap();
    let unused = cat::finish_load(&tx, &Who::system(), job, id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    if let Some(old) = unused {
        cat::drop_table(db, &old).await.unwrap();
    }
    id
}

fn column(page: &cat::DatastorePage, i: usize) -> Vec<Value> {
    page.rows.iter().map(|r| r.values()[i].clone()).collect()
}

#[tokio::test]
async fn the_catalogue_story() {
    for t in tequio_testkit::databases().await {
        let (engine, db) = (t.name, &t.db);
        let sys = Who::system();
        let tx = db.begin().await.unwrap();
        let subject = subjects::create(
            &tx,
            &sys,
            SubjectInput {
                name: "Secretaría de Bienestar".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
        cat::create_group(&tx, &sys, "social", "Desarrollo social", "")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let tx = db.begin().await.unwrap();
        let dup = cat::create_group(&tx, &sys, "social", "Otra vez", "").await;
        assert!(
            matches!(dup, Err(StoreError::Conflict { .. })),
            "{engine}: {dup:?}"
        );
        drop(tx);

        // A dataset, its facets and its search entry.
        let input = DatasetInput {
            title: "Apoyos sociales 2025".into(),
            tags: vec!["becas, vivienda".into()],
            groups: vec!["social".into()],
            ..Default::default()
        }
        .clean()
        .unwrap();
        let tx = db.begin().await.unwrap();
        let dataset = cat::create_dataset(&tx, &sys, subject, &input)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let bad = DatasetInput {
            groups: vec!["no-existe".into()],
            ..input.clone()
        };
        let tx = db.begin().await.unwrap();
        assert!(
            matches!(
                cat::update_dataset(&tx, &sys, dataset, &bad).await,
                Err(StoreError::Invalid(_))
            ),
            "{engine}"
        );
        drop(tx);

        // A tabular resource, queued; the loader takes it.
        let schema = table::read(
            "apoyos.csv",
            CSV.as_bytes(),
            &tequio_domain::tabular::Limits::default(),
        )
        .unwrap()
        .schema;
        let tx = db.begin().await.unwrap();
        let rid = cat::add_resource(
            &tx,
            &sys,
            dataset,
            &ResourceInput {
                name: "Apoyos".into(),
                file: Some(file("k-aa")),
                format: "CSV".into(),
                media_type: "text/csv".into(),
                schema: Some(schema.clone()),
                rows: Some(5),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let job = cat::claim_load(db).await.unwrap().expect("a queued load");
        assert_eq!((job.resource_id, job.generation), (rid, 1), "{engine}");
        assert!(
            cat::claim_load(db).await.unwrap().is_none(),
            "{engine}: taken once"
        );
        assert_eq!(load(db, &job, CSV).await, 5);
        let r = cat::resource(db, rid).await.unwrap();
        assert_eq!(
            (r.load_status.as_str(), r.datastore_rows, r.load_done),
            ("done", Some(5), 5),
            "{engine}"
        );
        let table = r.datastore_table.clone().unwrap();

        let summaries = cat::summaries(db).await.unwrap();
        assert_eq!(summaries[0].tags, ["becas", "vivienda"], "{engine}");
        assert_eq!(summaries[0].groups, ["social"]);
        assert_eq!(summaries[0].formats, ["CSV"]);
        assert_eq!(
            cat::search_ids(db, "apoyos sociales").await.unwrap(),
            vec![dataset],
            "{engine}"
        );
        assert_eq!(cat::all_datasets(db).await.unwrap()[0].resources[0].id, rid);
        assert_eq!(cat::list_groups(db).await.unwrap()[0].dataset_count, 1);

        // Queries: a filter, words, a sort, pages, a cursor, totals.
        let all = DatastoreQuery {
            columns: vec![0, 2],
            limit: 10,
            include_total: true,
            ..Default::default()
        };
        let page = cat::datastore_search(db, &table, 5, &all).await.unwrap();
        assert_eq!((page.total, page.rows.len()), (Some(5), 5), "{engine}");
        let q = DatastoreQuery {
            filters: vec![(0, vec![Value::Text("Oaxaca de Juárez".into())])],
            sort: vec![(Some(2), true)],
            ..all.clone()
        };
        let page = cat::datastore_search(db, &table, 5, &q).await.unwrap();
        assert_eq!(page.total, Some(3), "{engine}");
        assert_eq!(
            column(&page, 2),
            [Value::Real(100.0), Value::Real(75.0), Value::Real(30.0)],
            "{engine}"
        );
        let q = DatastoreQuery {
            words: vec!["becas".into()],
            ..all.clone()
        };
        assert_eq!(
            column(&cat::datastore_search(db, &table, 5, &q).await.unwrap(), 0),
            [Value::Int(1), Value::Int(2)],
            "{engine}"
        );
        let q = DatastoreQuery {
            offset: 3,
            limit: 1,
            ..all.clone()
        };
        assert_eq!(
            column(&cat::datastore_search(db, &table, 5, &q).await.unwrap(), 0),
            [Value::Int(4)],
            "{engine}: page by position"
        );
        let q = DatastoreQuery {
            filters: vec![(
                1,
                vec![Value::Text("Becas".into()), Value::Text("Salud".into())],
            )],
            after_id: Some(1),
            ..all.clone()
        };
        let page = cat::datastore_search(db, &table, 5, &q).await.unwrap();
        assert_eq!(
            (column(&page, 0), page.total),
            (vec![Value::Int(2), Value::Int(3)], Some(3)),
            "{engine}: cursor and total"
        );
        let values = cat::column_values(db, &table, 0, 10).await.unwrap();
        assert_eq!(
            values[0],
            (Value::Text("Oaxaca de Juárez".into()), 3),
            "{engine}"
        );

        // A replacement loads a new generation; the old rows serve until it is switched in.
        let tx = db.begin().await.unwrap();
        let before = cat::replace_resource(
            &tx,
            &sys,
            rid,
            &ResourceInput {
                file: Some(file("k-bb")),
                format: "CSV".into(),
                schema: Some(schema.clone()),
                rows: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(before.as_deref(), Some("k-aa"), "{engine}");
        assert!(
            !files::file_in_use(db, "k-aa").await.unwrap()
                && files::file_in_use(db, "k-bb").await.unwrap()
        );
        let job2 = cat::claim_load(db).await.unwrap().unwrap();
        assert_eq!(job2.generation, 2);
        let still = cat::datastore_search(db, &table, 5, &all).await.unwrap();
        assert_eq!(still.rows.len(), 5, "{engine}: the old rows still answer");
        load(
            db,
            &job2,
            "municipio,programa,monto,fecha\nEtla,Becas,1,2025-06-01\n",
        )
        .await;
        let r2 = cat::resource(db, rid).await.unwrap();
        assert_eq!(
            r2.datastore_table.as_deref(),
            Some(job2.table_name().as_str())
        );
        assert!(
            cat::datastore_search(db, &table, 5, &all).await.is_err(),
            "{engine}: the old table is gone"
        );

        // A load that fails keeps the rows it had; a stale load loses the race.
        cat::fail_load(db, rid, 2, "{\"es\":[\"mal\"],\"en\":[\"bad\"]}")
            .await
            .unwrap();
        let r3 = cat::resource(db, rid).await.unwrap();
        assert_eq!(
            (r3.load_status.as_str(), r3.datastore_rows),
            ("failed", Some(1)),
            "{engine}"
        );
        let tx = db.begin().await.unwrap();
        let stale = cat::finish_load(&tx, &sys, &job, 5).await.unwrap();
        drop(tx);
        assert_eq!(
            stale,
            Some(job.table_name()),
            "{engine}: a replaced generation is not switched in"
        );

        // Topics link datasets and documents, and refuse what does not exist.
        let mut topic = TopicInput {
            name: "apoyos".into(),
            title: "Apoyos sociales".into(),
            body: "# Apoyos".into(),
            subject_id: Some(subject),
            datasets: vec![cat::dataset(db, &dataset.to_string()).await.unwrap().name],
            documents: vec![(
                "Reglas".into(),
                "https://bienestar.oaxaca.gob.mx/reglas.pdf".into(),
            )],
            publications: vec![424242],
            ..Default::default()
        };
        let tx = db.begin().await.unwrap();
        assert!(
            matches!(
                topics::create(&tx, &sys, &topic).await,
                Err(StoreError::Invalid(_))
            ),
            "{engine}"
        );
        drop(tx);
        topic.publications.clear();
        let tx = db.begin().await.unwrap();
        let id = topics::create(&tx, &sys, &topic).await.unwrap();
        tx.commit().await.unwrap();
        let got = topics::get(db, "apoyos").await.unwrap();
        assert_eq!(got.links.len(), 2, "{engine}");
        assert!(
            matches!(&got.links[0], TopicLink::Dataset { title, .. } if title == "Apoyos sociales 2025")
        );
        topic.title = "Apoyos sociales 2025".into();
        topic.documents.clear();
        let tx = db.begin().await.unwrap();
        topics::update(&tx, &sys, id, &topic).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            topics::get(db, "apoyos").await.unwrap().links.len(),
            1,
            "{engine}"
        );
        assert_eq!(
            topics::list(db).await.unwrap()[0].title,
            "Apoyos sociales 2025"
        );

        // Deleting the resource drops its rows; the topic's dataset link stays valid.
        let tx = db.begin().await.unwrap();
        assert_eq!(
            cat::delete_resource(&tx, &sys, rid)
                .await
                .unwrap()
                .as_deref(),
            Some("k-bb")
        );
        tx.commit().await.unwrap();
        assert!(!files::file_in_use(db, "k-bb").await.unwrap(), "{engine}");
        assert!(
            cat::datastore_search(db, &job2.table_name(), 1, &all)
                .await
                .is_err(),
            "{engine}: its table is gone"
        );
        assert!(files::file_keys(db).await.unwrap().is_empty());
    }
}
