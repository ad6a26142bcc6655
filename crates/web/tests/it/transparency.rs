#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Transparency obligations over real HTTP, on every engine: publish the real Formato 8 with a
//! preview, consult and filter it (pages and API agree), download it in every format and
//! read the XLSX back with the same hash, correct a record, publish by API token, and refuse
//! what must be refused.

use crate::common::{TestApp, file_form, login, post_form, user};
use tequio_domain::accounts::{Grant, Role};
use tequio_domain::subjects::SubjectKind;
use tequio_domain::transparency::framework::FrameworkFile;
use tequio_store::transparency as tr;

const REAL_F8: &[u8] =
    include_bytes!("../../../../testdata/pnt/formato8_art70_frVIII_2025T3_uady.xlsx");
const FRAMEWORK: &str = include_str!("../../../../frameworks/lgtaip2015-art70.json");
const PASSWORD: &str = "contraseña-larga-1";

struct World {
    subject: i64,
    other: i64,
    viii: i64,
}

async fn world(app: &TestApp) -> World {
    let db = &app.db;
    let (g, ids) = crate::common::guarantor_with_framework(
        db,
        &["Universidad Autónoma de Yucatán", "Secretaría de Turismo"],
        Some(SubjectKind::University),
    )
    .await;
    let viii = tr::obligation_by_code(db, g, "70-VIII")
        .await
        .unwrap()
        .unwrap()
        .id;
    user(
        db,
        "editora@uady.test",
        PASSWORD,
        &[Grant::new(Role::SubjectEditor, Some(ids[0])).unwrap()],
    )
    .await;
    user(
        db,
        "admin@inaip.test",
        PASSWORD,
        &[Grant::new(Role::Admin, None).unwrap()],
    )
    .await;
    user(db, "ciudadana@test", PASSWORD, &[]).await;
    World {
        subject: ids[0],
        other: ids[1],
        viii,
    }
}

fn draft_of(html: &str) -> String {
    let at = html.find("name=\"draft\" value=\"").expect("a draft field")
        + "name=\"draft\" value=\"".len();
    html[at..at + 64].to_owned()
}

async fn json(client: &reqwest::Client, url: String) -> serde_json::Value {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn publish_consult_download_and_correct() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let w = world(&app).await;
        let editor = app.browser();
        login(&app, &editor, "editora@uady.test", PASSWORD).await;
        let publish_url = app.url(&format!(
            "/sujetos/{}/obligaciones/{}/publicar",
            w.subject, w.viii
        ));

        // Upload → preview (nothing published yet) → confirm.
        let res = editor.get(&publish_url).send().await.unwrap();
        assert_eq!(res.status(), 200, "{engine}");
        let res = editor
            .post(&publish_url)
            .multipart(file_form("formato8.xlsx", REAL_F8, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{engine}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("3900 registros listos para publicar"),
            "{engine}: {}",
            &html[..html.len().min(3000)]
        );
        assert!(
            tr::publications(&app.db, w.subject, w.viii)
                .await
                .unwrap()
                .is_empty(),
            "{engine}: a preview publishes nothing"
        );
        let res = post_form(
            &editor,
            app.url("/publicar/confirmar"),
            &[("draft", draft_of(&html)), ("note", String::new())],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let id: i64 = location
            .trim_start_matches("/publicaciones/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let p = tr::publication(&app.db, id).await.unwrap().unwrap();
        assert_eq!(
            (p.record_count, p.sub_row_count, p.version),
            (3900, 57_454, 1),
            "{engine}"
        );
        // A draft is used once.
        let again = post_form(
            &editor,
            app.url("/publicar/confirmar"),
            &[("draft", draft_of(&html))],
        )
        .await;
        assert_eq!(again.status(), 422, "{engine}");

        // The public page, its filters and the API agree.
        let visitor = reqwest::Client::new();
        let page = crate::common::get_text(
            &visitor,
            app.url(&format!("/publicaciones/{id}?f_sexo=Mujer")),
        )
        .await;
        assert!(
            page.contains("1851 registros"),
            "{engine}: four digits stay ungrouped (RAE)"
        );
        let api = json(
            &visitor,
            app.url(&format!(
                "/api/v1/publications/{id}/records?f_sexo=Mujer&per_page=5"
            )),
        )
        .await;
        assert_eq!(api["total"], 1851, "{engine}");
        assert_eq!(api["items"].as_array().unwrap().len(), 5);
        let words = json(&visitor, app.url(&format!("/api/v1/publications/{id}/records?q=veterinaria&f_tipo_integrante=Funcionaria%20(o)"))).await;
        let page = crate::common::get_text(
            &visitor,
            app.url(&format!(
                "/publicaciones/{id}?q=veterinaria&f_tipo_integrante=Funcionaria%20(o)"
            )),
        )
        .await;
        let n = words["total"].as_i64().unwrap();
        assert!(
            n > 0 && page.contains(&format!("{n} registros")),
            "{engine}: {n}"
        );
        // Sorted by gross pay, highest first, as numbers.
        let sorted = json(
            &visitor,
            app.url(&format!(
                "/api/v1/publications/{id}/records?sort=-remuneracion_bruta&per_page=3"
            )),
        )
        .await;
        let pay: Vec<f64> = sorted["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["values"]["remuneracion_bruta"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(pay[0] >= pay[1] && pay[1] >= pay[2], "{engine}: {pay:?}");
        assert_eq!(
            visitor
                .get(app.url(&format!("/api/v1/publications/{id}/records?sort=color")))
                .send()
                .await
                .unwrap()
                .status(),
            409,
            "{engine}: the format has no such column"
        );
        assert_eq!(
            visitor
                .get(app.url(&format!("/api/v1/publications/{id}/records?page=0")))
                .send()
                .await
                .unwrap()
                .status(),
            400
        );
        // Full-text search across subjects finds its records, and so does the search page.
        let hits = json(
            &visitor,
            app.url("/api/v1/records/search?q=medicina%20veterinaria"),
        )
        .await;
        assert!(!hits.as_array().unwrap().is_empty(), "{engine}");
        let search = crate::common::get_text(&visitor, app.url("/buscar?q=veterinaria")).await;
        assert!(search.contains("/registros/"), "{engine}");

        // Downloads: CSV of a filtered view, JSON, and the XLSX read back with the same hash.
        let csv_text = crate::common::get_text(
            &visitor,
            app.url(&format!("/publicaciones/{id}/registros.csv?f_sexo=Mujer")),
        )
        .await;
        let rows = csv::Reader::from_reader(csv_text.as_bytes())
            .records()
            .count();
        assert_eq!(rows, 1851, "{engine}");
        let json_all = json(
            &visitor,
            app.url(&format!("/publicaciones/{id}/registros.json")),
        )
        .await;
        assert_eq!(json_all["records"].as_array().unwrap().len(), 3900);
        let xlsx = visitor
            .get(app.url(&format!("/publicaciones/{id}/registros.xlsx")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let f8 = tr::format(&app.db, p.format_id).await.unwrap().unwrap();
        let reread =
            tequio_domain::transparency::import::parse("descarga.xlsx", &xlsx, &f8.def).unwrap();
        let digests = reread.records.iter().map(|r| r.digest(&f8.def)).collect();
        assert_eq!(
            tequio_domain::transparency::records::content_hash(&f8.def, digests),
            p.content_hash,
            "{engine}: XLSX round trip"
        );

        // Correct one record with the form: a new version, and the history shows the change.
        let first = json(
            &visitor,
            app.url(&format!("/api/v1/publications/{id}/records?per_page=1")),
        )
        .await;
        let record_id = first["items"][0]["id"].as_i64().unwrap();
        let values = first["items"][0]["values"].as_object().unwrap().clone();
        let mut form: Vec<(String, String)> = values
            .iter()
            .filter(|(_, v)| v.is_string())
            .map(|(k, v)| (format!("f_{k}"), v.as_str().unwrap().to_owned()))
            .collect();
        for (k, v) in form.iter_mut() {
            if k == "f_fecha_inicio_periodo" {
                *v = "31/02/2025".into();
            }
        }
        let res = post_form(
            &editor,
            app.url(&format!("/registros/{record_id}/corregir")),
            &form,
        )
        .await;
        assert_eq!(res.status(), 422, "{engine}: a bad date is refused");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("no existe en el calendario")
        );
        for (k, v) in form.iter_mut() {
            if k == "f_fecha_inicio_periodo" {
                *v = "01/07/2025".into();
            }
            if k == "f_nombre" {
                *v = "Nombre Corregido".into();
            }
        }
        let res = post_form(
            &editor,
            app.url(&format!("/registros/{record_id}/corregir")),
            &form,
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        let versions = tr::publications(&app.db, w.subject, w.viii).await.unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!((versions[0].version, versions[0].record_count), (2, 3900));
        let history = crate::common::get_text(
            &visitor,
            app.url(&format!("/publicaciones/{}/historial", versions[0].id)),
        )
        .await;
        assert!(
            history.contains("Nombre Corregido") && history.contains("<del>"),
            "{engine}"
        );

        // The same values again change nothing: the page says so and no version is added.
        let current = json(
            &visitor,
            app.url(&format!(
                "/api/v1/publications/{}/records?per_page=1",
                versions[0].id
            )),
        )
        .await;
        let current_id = current["items"][0]["id"].as_i64().unwrap();
        let res = post_form(
            &editor,
            app.url(&format!("/registros/{current_id}/corregir")),
            &form,
        )
        .await;
        assert_eq!(res.status(), 200, "{engine}");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("No cambiaste ningún valor"),
            "{engine}"
        );
        assert_eq!(
            tr::publications(&app.db, w.subject, w.viii)
                .await
                .unwrap()
                .len(),
            2,
            "{engine}: no new version"
        );

        // Others may not publish or correct.
        let citizen = app.browser();
        login(&app, &citizen, "ciudadana@test", PASSWORD).await;
        assert_eq!(
            citizen.get(&publish_url).send().await.unwrap().status(),
            403
        );
        let res = citizen
            .post(&publish_url)
            .multipart(file_form("f.xlsx", REAL_F8, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{engine}");
        let other_url = app.url(&format!(
            "/sujetos/{}/obligaciones/{}/publicar",
            w.other, w.viii
        ));
        assert_eq!(
            editor.get(&other_url).send().await.unwrap().status(),
            403,
            "{engine}: another subject"
        );
        assert_eq!(
            post_form(
                &citizen,
                app.url(&format!("/registros/{record_id}/corregir")),
                &form
            )
            .await
            .status(),
            403
        );
    }
}

#[tokio::test]
async fn bad_files_are_listed_and_nothing_is_published() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let w = world(&app).await;
        let editor = app.browser();
        login(&app, &editor, "editora@uady.test", PASSWORD).await;
        let url = app.url(&format!(
            "/sujetos/{}/obligaciones/{}/publicar",
            w.subject, w.viii
        ));
        let head = tequio_store::audit::head(&app.db).await.unwrap();

        // Every problem at once, with its place.
        let f8 = tr::current_formats(&app.db, w.viii)
            .await
            .unwrap()
            .remove(0);
        let mut w_csv = csv::Writer::from_writer(Vec::new());
        w_csv
            .write_record(tequio_domain::transparency::export::csv_header(&f8.def))
            .unwrap();
        let good = tequio::demo::synthetic::records(
            &f8.def,
            tequio_domain::transparency::period::Period::parse("2025-T3").unwrap(),
            3,
            1,
            false,
        );
        for (i, r) in good.iter().enumerate() {
            let mut row = tequio_domain::transparency::export::csv_row(&f8.def, r);
            if i == 1 {
                row[1] = "31/02/2025".into();
                row[12] = "100.125".into();
            }
            if i == 2 {
                row[11] = "Otro".into();
            }
            w_csv.write_record(row).unwrap();
        }
        let bytes = w_csv.into_inner().unwrap();
        let res = editor
            .post(&url)
            .multipart(file_form("remuneraciones.csv", &bytes, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{engine}");
        let html = res.text().await.unwrap();
        assert!(html.contains("remuneraciones.csv: fila 3, columna B (Fecha de inicio del periodo que se informa): la fecha 31/02/2025 no existe"), "{engine}");
        assert!(
            html.contains("fila 3, columna M"),
            "{engine}: the money error too"
        );
        assert!(
            html.contains("fila 4, columna L (Sexo (catálogo)): «Otro» no está en el catálogo"),
            "{engine}"
        );

        // A file that is not what its name says; an empty file; a period not yet closed.
        let res = editor
            .post(&url)
            .multipart(file_form("datos.xlsx", b"a,b\n1,2\n", &[]))
            .send()
            .await
            .unwrap();
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("el nombre dice que es XLSX, pero el contenido es CSV"),
            "{engine}"
        );
        let res = editor
            .post(&url)
            .multipart(file_form("vacio.csv", b"", &[]))
            .send()
            .await
            .unwrap();
        assert!(
            res.text().await.unwrap().contains("el archivo está vacío"),
            "{engine}"
        );
        let res = editor
            .post(&url)
            .multipart(file_form("f8.xlsx", REAL_F8, &[("period", "2025-T2")]))
            .send()
            .await
            .unwrap();
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("no está dentro del periodo 2025-T2"),
            "{engine}"
        );

        // Over the size limit: refused before it is read.
        let big = vec![b'a'; tequio::transparency::publishing::MAX_FILE_BYTES + 2 * 1024 * 1024];
        let res = editor
            .post(&url)
            .multipart(file_form("enorme.csv", &big, &[]))
            .send()
            .await;
        if let Ok(res) = res {
            assert_eq!(res.status(), 413, "{engine}");
        }
        assert_eq!(
            tequio_store::audit::head(&app.db).await.unwrap(),
            head,
            "{engine}: nothing saved"
        );
        assert!(
            tr::publications(&app.db, w.subject, w.viii)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn machine_publishing_with_a_subject_token() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let w = world(&app).await;
        let editor = app.browser();
        login(&app, &editor, "editora@uady.test", PASSWORD).await;
        let token =
            crate::common::subject_token(&app, &editor, w.subject, "Sistema de nómina").await;
        let api = reqwest::Client::new();
        let post = |form: reqwest::multipart::Form, token: Option<&str>| {
            let mut req = api.post(app.url("/api/v1/publications")).multipart(form);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send()
        };
        assert_eq!(
            post(
                file_form("f8.xlsx", REAL_F8, &[("obligation", "70-VIII")]),
                None
            )
            .await
            .unwrap()
            .status(),
            401
        );
        assert_eq!(
            post(
                file_form("f8.xlsx", REAL_F8, &[("obligation", "70-VIII")]),
                Some("tqo_nope")
            )
            .await
            .unwrap()
            .status(),
            401
        );
        let res = post(
            file_form("f8.xlsx", REAL_F8, &[("obligation", "70-VIII")]),
            Some(&token),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 201, "{engine}");
        let p: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            (
                p["record_count"].as_i64(),
                p["period"].as_str(),
                p["published_by"].as_str()
            ),
            (Some(3900), Some("2025-T3"), Some("API: Sistema de nómina"))
        );
        let res = post(
            file_form("f8.xlsx", REAL_F8, &[("obligation", "70-VIII")]),
            Some(&token),
        )
        .await
        .unwrap();
        assert_eq!(
            res.status(),
            200,
            "{engine}: the same content saves nothing"
        );
        // Refusals in the problem format, with every error.
        let res = post(
            file_form("d.csv", b"Ejercicio\n2025\n", &[("obligation", "70-VIII")]),
            Some(&token),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 422);
        let problem: serde_json::Value = res.json().await.unwrap();
        assert!(
            problem["total_errors"].as_u64().unwrap() > 10,
            "{engine}: every missing column is listed"
        );
        assert_eq!(problem["errors"][0]["row"], 1);
        let res = post(
            file_form(
                "f8.xlsx",
                REAL_F8,
                &[("obligation", "70-VIII"), ("period", "2030-T1")],
            ),
            Some(&token),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 422);
        let problem: serde_json::Value = res.json().await.unwrap();
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("no está dentro del periodo 2030-T1"),
            "{engine}: {problem}"
        );

        // Every 422 of the publishing API has the documented shape, whatever was refused.
        let res = post(
            file_form("f8.xlsx", REAL_F8, &[("obligation", "99-ZZ")]),
            Some(&token),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 422, "{engine}");
        let problem: serde_json::Value = res.json().await.unwrap();
        assert!(
            problem["errors"].is_array()
                && problem["detail"]
                    .as_str()
                    .unwrap()
                    .contains("no existe la obligación «99-ZZ»"),
            "{engine}: {problem}"
        );

        // An obligation that does not apply is refused with its reason.
        let admin = app.browser();
        login(&app, &admin, "admin@inaip.test", PASSWORD).await;
        let res = post_form(
            &admin,
            app.url(&format!("/sujetos/{}/aplicabilidad/{}", w.subject, w.viii)),
            &[("applies", "no"), ("reason", "")],
        )
        .await;
        assert_eq!(res.status(), 422, "{engine}: a reason is needed");
        let res = post_form(
            &admin,
            app.url(&format!("/sujetos/{}/aplicabilidad/{}", w.subject, w.viii)),
            &[
                ("applies", "no"),
                ("reason", "Su personal lo reporta la Secretaría"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        assert_eq!(
            post_form(
                &editor,
                app.url(&format!("/sujetos/{}/aplicabilidad/{}", w.subject, w.viii)),
                &[("applies", "si")]
            )
            .await
            .status(),
            403
        );
        let res = post(
            file_form("f8.xlsx", REAL_F8, &[("obligation", "70-VIII")]),
            Some(&token),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 422);
        let problem: serde_json::Value = res.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("no aplica a este sujeto obligado: Su personal lo reporta la Secretaría"),
            "{engine}: {problem}"
        );
        let page = reqwest::get(app.url(&format!("/sujetos/{}/obligaciones", w.subject)))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Su personal lo reporta la Secretaría"),
            "{engine}"
        );

        // A revoked token no longer works.
        let tokens = tr::tokens(&app.db, w.subject).await.unwrap();
        let res = post_form(
            &editor,
            app.url(&format!(
                "/sujetos/{}/tokens/{}/revocar",
                w.subject, tokens[0].id
            )),
            &[("x", "")],
        )
        .await;
        assert_eq!(res.status(), 303);
        assert_eq!(
            post(
                file_form("f8.xlsx", REAL_F8, &[("obligation", "70-VIII")]),
                Some(&token)
            )
            .await
            .unwrap()
            .status(),
            401
        );
    }
}

#[tokio::test]
async fn the_framework_is_browsed_exported_and_edited() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let w = world(&app).await;
        let visitor = reqwest::Client::new();
        let laws = json(&visitor, app.url("/api/v1/laws")).await;
        let law = laws[0]["id"].as_i64().unwrap();
        assert_eq!(laws[0]["obligation_count"], 48, "{engine}");
        let exported =
            crate::common::get_text(&visitor, app.url(&format!("/marco/{law}/marco.json"))).await;
        assert_eq!(
            FrameworkFile::parse(&exported).unwrap(),
            FrameworkFile::parse(FRAMEWORK).unwrap(),
            "{engine}"
        );
        let page = crate::common::get_text(&visitor, app.url(&format!("/marco/{law}"))).await;
        assert!(page.contains("Remuneración bruta y neta"));

        // An admin edits a format: a new version; a broken definition is refused with its place.
        let f8 = tr::current_formats(&app.db, w.viii)
            .await
            .unwrap()
            .remove(0);
        let admin = app.browser();
        login(&app, &admin, "admin@inaip.test", PASSWORD).await;
        let mut def = f8.def.clone();
        def.fields[5].help = "Como aparece en el tabulador.".into();
        let res = post_form(
            &admin,
            app.url(&format!("/admin/marco/formatos/{}/editar", f8.id)),
            &[("definition", serde_json::to_string(&def).unwrap())],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        assert_eq!(
            tr::current_formats(&app.db, w.viii).await.unwrap()[0].version,
            2
        );
        let res = post_form(
            &admin,
            app.url(&format!("/admin/marco/formatos/{}/editar", f8.id)),
            &[("definition", "{\"code\": \"8\",")],
        )
        .await;
        assert_eq!(res.status(), 422);
        assert!(
            res.text().await.unwrap().contains("Definición: línea 1"),
            "{engine}"
        );
        let editor = app.browser();
        login(&app, &editor, "editora@uady.test", PASSWORD).await;
        assert_eq!(
            editor
                .get(app.url(&format!("/admin/marco/formatos/{}/editar", f8.id)))
                .send()
                .await
                .unwrap()
                .status(),
            403
        );
        // An admin edits an obligation in place; bad values are refused with the field named.
        let edit_url = app.url(&format!("/admin/marco/obligaciones/{}/editar", w.viii));
        assert_eq!(editor.get(&edit_url).send().await.unwrap().status(), 403);
        assert_eq!(admin.get(&edit_url).send().await.unwrap().status(), 200);
        let res = post_form(
            &admin,
            edit_url.clone(),
            &[
                ("title", "Remuneraciones"),
                ("periodicity", "quarterly"),
                ("deadline_days", "cuarenta"),
                ("conservation", ""),
            ],
        )
        .await;
        assert_eq!(res.status(), 422, "{engine}");
        assert!(res.text().await.unwrap().contains(
            "<a href=\"#deadline_days\">Plazo en días: «cuarenta» no es un número de días"
        ));
        let res = post_form(
            &admin,
            edit_url,
            &[
                ("title", "Remuneraciones"),
                ("description", ""),
                ("periodicity", "quarterly"),
                ("deadline_days", "45"),
                ("conservation", "Un año"),
                ("applies_to", "university"),
                ("applies_to", "executive"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        let ob = tr::obligation(&app.db, w.viii).await.unwrap().unwrap();
        assert_eq!(
            (ob.title.as_str(), ob.deadline_days, ob.applies_to.clone()),
            (
                "Remuneraciones",
                45,
                vec!["university".to_owned(), "executive".to_owned()]
            )
        );
        let obligations = json(
            &visitor,
            app.url(&format!("/api/v1/laws/{law}/obligations")),
        )
        .await;
        let viii = obligations
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == "70-VIII")
            .unwrap()
            .clone();
        assert_eq!(viii["deadline_days"], 45, "{engine}");

        // Loading a framework file through the page.
        let res = admin
            .post(app.url("/admin/marco/importar"))
            .multipart(file_form(
                "marco.json",
                exported.as_bytes(),
                &[("guarantor_id", "1")],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{engine}");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("Formatos con versión nueva: 1"),
            "{engine}: the export has v1 of format 8, now v2 is current"
        );
    }
}
