//! The transparency story on every engine under test: load the framework, decide
//! applicability, publish the real Formato 8 export, export it and publish it again with the
//! same hash, correct it, search it, and refuse what must be refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tequio_domain::subjects::SubjectKind;
use tequio_domain::transparency::export;
use tequio_domain::transparency::framework::{FieldType, FrameworkFile};
use tequio_domain::transparency::import;
use tequio_domain::transparency::period::{Date, Period};
use tequio_store::audit::Who;
use tequio_store::subjects::{self, SubjectInput};
use tequio_store::transparency::{self as tr, NewPublication, Published};
use tequio_store::{Db, StoreError};

const FRAMEWORK: &str = include_str!("../../../../frameworks/lgtaip2015-art70.json");
const REAL_F8: &[u8] =
    include_bytes!("../../../../testdata/pnt/formato8_art70_frVIII_2025T3_uady.xlsx");

async fn subject(db: &Db, g: i64, name: &str, kind: SubjectKind) -> i64 {
    let tx = db.begin().await.unwrap();
    let s = subjects::create(
        &tx,
        &Who::system(),
        SubjectInput {
            name: name.into(),
            kind: Some(kind),
            guarantor_id: Some(g),
            ..SubjectInput::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    s.id
}

fn today() -> Date {
    Date::new(2025, 11, 27).unwrap()
}

#[tokio::test]
async fn transparency_story() {
    for t in tequio_testkit::databases().await {
        let db = &t.db;
        let engine = t.name;
        let sys = Who::system();
        let tx = db.begin().await.unwrap();
        let g = subjects::ensure_guarantor(
            &tx,
            &sys,
            "Instituto de Yucatán",
            "INAIP",
            Some("Yucatán"),
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let uady = subject(
            db,
            g,
            "Universidad Autónoma de Yucatán",
            SubjectKind::University,
        )
        .await;
        let party = subject(db, g, "Partido Ejemplo", SubjectKind::PoliticalParty).await;

        // The framework loads; loading it again changes nothing; a changed format gets a new version.
        let file = FrameworkFile::parse(FRAMEWORK).unwrap();
        let tx = db.begin().await.unwrap();
        let report = tr::import_framework(&tx, &sys, g, &file).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            (report.obligations_added, report.formats_added),
            (48, 49),
            "{engine}"
        );
        let tx = db.begin().await.unwrap();
        let again = tr::import_framework(&tx, &sys, g, &file).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            (
                again.obligations_added,
                again.formats_added,
                again.formats_unchanged
            ),
            (0, 0, 49),
            "{engine}"
        );
        let laws = tr::laws(db).await.unwrap();
        assert_eq!(laws.len(), 1);
        assert_eq!(laws[0].obligation_count, 48);
        assert_eq!(
            tr::export_framework(db, laws[0].id).await.unwrap(),
            file,
            "{engine}: export is the file loaded"
        );

        let viii = tr::obligation_by_code(db, g, "70-VIII")
            .await
            .unwrap()
            .unwrap();
        let formats = tr::current_formats(db, viii.id).await.unwrap();
        assert_eq!(formats.len(), 1);
        let f8 = formats[0].clone();
        assert_eq!(f8.version, 1);

        // Applicability: by kind, then by an admin's decision with a reason.
        let table = tr::applicability(db, party).await.unwrap();
        let xvi = table
            .iter()
            .find(|a| a.obligation.code == "70-XVI")
            .unwrap();
        assert!(
            !xvi.applies && !xvi.decided,
            "{engine}: XVI does not apply to parties by law"
        );
        let tx = db.begin().await.unwrap();
        let err = tr::set_applicability(&tx, &sys, uady, viii.id, false, "  ")
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid(ref m) if m.starts_with("reason:")),
            "{engine}: {err:?}"
        );
        drop(tx);

        // Publish the real file.
        let parsed = import::parse("formato8.xlsx", REAL_F8, &f8.def).unwrap();
        let period = import::infer_period(&f8.def, &parsed.records).unwrap();
        assert_eq!(period.code(), "2025-T3");
        let new = NewPublication {
            subject_id: uady,
            obligation: &viii,
            format: &f8,
            period,
            source_name: "formato8.xlsx",
            source_kind: "xlsx",
            note: "",
            today: today(),
        };
        let tx = db.begin().await.unwrap();
        let first = tr::publish(&tx, &sys, &new, &parsed.records).await.unwrap();
        tx.commit().await.unwrap();
        let Published::New(first) = first else {
            panic!("{engine}: expected a new publication")
        };
        assert_eq!(
            (first.version, first.record_count, first.sub_row_count),
            (1, 3900, 57_454),
            "{engine}"
        );
        assert_eq!(
            tr::recompute_hash(db, first.id).await.unwrap(),
            first.content_hash,
            "{engine}"
        );

        // Export the stored publication to XLSX, read it back: the same hash, nothing new saved.
        let stored = tr::all_records(db, first.id).await.unwrap();
        assert_eq!(stored.len(), 3900);
        let mut xlsx = std::io::Cursor::new(Vec::new());
        export::write_xlsx(&f8.def, &export::Heading::default(), stored, &mut xlsx).unwrap();
        let reread = import::parse("export.xlsx", xlsx.get_ref(), &f8.def).unwrap();
        let tx = db.begin().await.unwrap();
        let same = tr::publish(&tx, &sys, &new, &reread.records).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            same,
            Published::Unchanged(first.clone()),
            "{engine}: the round trip keeps the hash"
        );

        // A correction: one record changed makes version 2; the diff names it.
        let mut corrected = reread.records.clone();
        let (nombre, _) = f8.def.field("nombre").unwrap();
        let mut b = tequio_domain::transparency::records::Record::builder(f8.def.fields.len());
        for (i, v) in corrected[0].values().enumerate() {
            b.push(if i == nombre {
                "María Leydi Magaly (corregido)"
            } else {
                v
            });
        }
        corrected[0] = b.finish(String::new(), 7);
        let tx = db.begin().await.unwrap();
        let Published::New(second) = tr::publish(&tx, &sys, &new, &corrected).await.unwrap() else {
            panic!("{engine}: expected a new version")
        };
        tx.commit().await.unwrap();
        assert_eq!(second.version, 2);
        assert_ne!(second.content_hash, first.content_hash);
        // The obligation is in the open-data catalogue: one dataset, one resource for the
        // period, now pointing at the correction.
        let name = tequio_store::catalog::obligation_dataset_name(
            uady,
            "Universidad Autónoma de Yucatán",
            "70-VIII",
        );
        let d = tequio_store::catalog::dataset(db, &name).await.unwrap();
        assert_eq!(d.obligation_id, Some(viii.id), "{engine}");
        assert_eq!(d.frequency, "quarterly");
        assert_eq!(
            d.resources.len(),
            1,
            "{engine}: one resource per period and format"
        );
        assert_eq!(d.resources[0].publication_id, Some(second.id), "{engine}");
        assert_eq!(
            d.resources[0].url,
            format!("/publicaciones/{}/registros.csv", second.id)
        );
        assert!(d.resources[0].name.contains("versión 2"), "{engine}");
        let versions = tr::publications(db, uady, viii.id).await.unwrap();
        assert_eq!(
            versions
                .iter()
                .map(|p| (p.version, p.is_current))
                .collect::<Vec<_>>(),
            vec![(2, true), (1, false)]
        );
        let diff = tr::diff(db, &versions[1], &versions[0]).await.unwrap();
        assert_eq!(
            (diff.added.len(), diff.removed.len(), diff.unchanged),
            (1, 1, 3899),
            "{engine}"
        );
        assert_eq!(
            diff.added[0].value(nombre),
            "María Leydi Magaly (corregido)"
        );

        // Search finds current records only, with accents folded.
        let (_, hits) = tr::search_records(db, "corregido", None, None)
            .await
            .unwrap();
        assert_eq!(hits.len(), 1, "{engine}");
        assert_eq!(hits[0].publication_id, second.id);
        let (_, hits) = tr::search_records(db, "medicina veterinaria", Some(uady), None)
            .await
            .unwrap();
        assert!(
            !hits.is_empty() && hits.iter().all(|h| h.publication_id == second.id),
            "{engine}"
        );
        let (_, none) = tr::search_records(db, "veterinaria", Some(party), None)
            .await
            .unwrap();
        assert!(none.is_empty());
        let page = tr::records_after(db, second.id, -1, 10).await.unwrap();
        assert_eq!(page.len(), 10);
        assert_eq!(tr::record(db, page[3].id).await.unwrap().unwrap(), page[3]);

        // Refusals, each with its reason, and nothing saved.
        let head_before = tequio_store::audit::head(db).await.unwrap();
        let open_period = NewPublication {
            period: Period::parse("2025-T4").unwrap(),
            ..new.clone()
        };
        let tx = db.begin().await.unwrap();
        let err = tr::publish(&tx, &sys, &open_period, &parsed.records)
            .await
            .unwrap_err();
        drop(tx);
        assert!(
            matches!(&err, StoreError::Invalid(m) if m.contains("todavía no termina")),
            "{engine}: {err:?}"
        );
        let tx = db.begin().await.unwrap();
        tr::set_applicability(&tx, &sys, uady, viii.id, false, "No tiene personal propio")
            .await
            .unwrap();
        let err = tr::publish(&tx, &sys, &new, &corrected).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(m) if m.contains("no aplica a este sujeto obligado: No tiene personal propio")),
            "{engine}: {err:?}"
        );
        drop(tx);
        assert_eq!(
            tequio_store::audit::head(db).await.unwrap(),
            head_before,
            "{engine}: refusals save nothing"
        );

        // Editing a format makes a new version; the old publication keeps its own.
        let mut edited = f8.def.clone();
        edited
            .fields
            .iter_mut()
            .find(|f| f.key == "nota")
            .unwrap()
            .help = "Explique los campos vacíos.".into();
        let tx = db.begin().await.unwrap();
        let v2 = tr::save_format(&tx, &sys, viii.id, &edited).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(v2.version, 2);
        assert_eq!(
            tr::publication(db, first.id)
                .await
                .unwrap()
                .unwrap()
                .format_version,
            1
        );
        let mut broken = edited.clone();
        broken.fields[3].kind = FieldType::Table;
        let tx = db.begin().await.unwrap();
        let err = tr::save_format(&tx, &sys, viii.id, &broken)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(m) if m.contains("la subtabla no tiene campos")),
            "{engine}: {err:?}"
        );
    }
}
