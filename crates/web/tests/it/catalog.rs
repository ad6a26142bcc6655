#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The open-data catalogue over real HTTP, on every engine: a subject editor creates a
//! dataset and uploads a CSV; the datastore loads it in the background; the public previews,
//! filters and downloads it; the CKAN Action API serves it in CKAN's shapes; a replaced file
//! swaps the rows at once; bad input is refused whole, in the caller's format.

use crate::common::{TestApp, login, post_form, user, wait_loaded};
use serde_json::{Value, json};
use tequio_domain::accounts::{Grant, Role};

const PASSWORD: &str = "contraseña-larga-1";

const CSV: &str = "municipio,obra,monto,fecha,terminada\n\
Oaxaca de Juárez,Pavimentación,1500000.50,2025-03-01,true\n\
Tlacolula,Drenaje,800000,2025-04-15,false\n\
Oaxaca de Juárez,Alumbrado,250000,2025-05-20,true\n\
Juchitán,Agua potable,3200000,2025-06-30,false\n";

struct World {
    subject: i64,
}

async fn world(app: &TestApp) -> World {
    let (subject, other) = crate::common::two_subjects(&app.db).await;
    user(
        &app.db,
        "editora@finanzas.mx",
        PASSWORD,
        &[Grant::new(Role::SubjectEditor, Some(subject)).unwrap()],
    )
    .await;
    user(
        &app.db,
        "editor@turismo.mx",
        PASSWORD,
        &[Grant::new(Role::SubjectEditor, Some(other)).unwrap()],
    )
    .await;
    user(&app.db, "ciudadana@correo.mx", PASSWORD, &[]).await;
    let tx = app.db.begin().await.unwrap();
    tequio_store::catalog::create_group(
        &tx,
        &tequio_store::audit::Who::system(),
        "obra-publica",
        "Obra pública",
        "",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    World { subject }
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.browser();
    login(app, &c, email, PASSWORD).await;
    c
}

async fn ckan(app: &TestApp, action: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/action/{action}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn ckan_get(app: &TestApp, path_and_query: &str) -> (u16, Value) {
    let res = reqwest::get(app.url(path_and_query)).await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn audit_head(app: &TestApp) -> Option<i64> {
    tequio_store::audit::head(&app.db)
        .await
        .unwrap()
        .map(|h| h.seq)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_publishes_a_csv_the_public_queries_it_and_ckan_sees_it() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let w = world(&app).await;
        let editor = signed_in(&app, "editora@finanzas.mx").await;

        // A dataset: the form refuses bad fields all at once, then saves.
        let res = post_form(
            &editor,
            app.url(&format!("/sujetos/{}/datos/nuevo", w.subject)),
            &[
                ("title", ""),
                ("license_id", "propietaria"),
                ("landing_page", "ftp://x"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422, "{engine}");
        let html = res.text().await.unwrap();
        // The summary names each field by its label and links to it; the key never shows.
        for (key, label) in [
            ("title", "Título"),
            ("license_id", "Licencia"),
            ("landing_page", "Página de origen"),
        ] {
            assert!(
                html.contains(&format!("<a href=\"#{key}\">{label}: ")),
                "{engine}: {key} not named by its label in {html}"
            );
            assert!(
                !html.contains(&format!("{key}: ")),
                "{engine}: the key {key} shows in {html}"
            );
        }
        let res = editor
            .post(app.url(&format!("/sujetos/{}/datos/nuevo", w.subject)))
            .body("title=Obras+p%C3%BAblicas+2025&notes=Obras+contratadas&tags=obra+p%C3%BAblica%2C+contratos&groups=obra-publica&license_id=cc-by-4.0&frequency=monthly&temporal_start=2025-01-01&temporal_end=2025-12-31")
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{engine}");
        assert_eq!(res.headers()["location"], "/datos/obras-publicas-2025");

        // Another subject's editor and a citizen may not add to it.
        for email in ["editor@turismo.mx", "ciudadana@correo.mx"] {
            let c = signed_in(&app, email).await;
            let res = c
                .post(app.url("/datos/obras-publicas-2025/recursos/nuevo"))
                .multipart(crate::common::file_form("obras.csv", CSV.as_bytes(), &[]))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "{engine}: {email}");
            let res = c
                .get(app.url(&format!("/sujetos/{}/datos/nuevo", w.subject)))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "{engine}: {email}");
        }
        let res = app
            .browser()
            .post(app.url("/datos/obras-publicas-2025/recursos/nuevo"))
            .multipart(crate::common::file_form("obras.csv", CSV.as_bytes(), &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{engine}: a visitor");

        // The upload: stored, hashed, its dictionary inferred, loaded in the background.
        let res = editor
            .post(app.url("/datos/obras-publicas-2025/recursos/nuevo"))
            .multipart(crate::common::file_form(
                "obras.csv",
                CSV.as_bytes(),
                &[("name", "Obras 2025")],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{engine}");
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let rid: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
        let r = wait_loaded(&app, rid).await;
        assert_eq!(r.load_status, "done", "{engine}: {:?}", r.load_error);
        assert_eq!(r.datastore_rows, Some(4));
        assert_eq!(r.size, Some(CSV.len() as i64));
        let types: Vec<_> = r
            .schema
            .as_ref()
            .unwrap()
            .fields
            .iter()
            .map(|f| f.field_type.as_str())
            .collect();
        assert_eq!(
            types,
            ["string", "string", "number", "date", "boolean"],
            "{engine}"
        );

        // The public preview, filtered and sorted; the downloads of that same view.
        let public = reqwest::Client::new();
        let page = public
            .get(app.url(&format!(
                "{location}?f_municipio=Oaxaca+de+Ju%C3%A1rez&orden=-monto"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "{engine}");
        let html = page.text().await.unwrap();
        assert!(
            html.contains("2 registros") || html.contains("2 records"),
            "{engine}: {html}"
        );
        let pav = html.find("Pavimentación").unwrap();
        let alu = html.find("Alumbrado").unwrap();
        assert!(pav < alu, "{engine}: sorted by amount, descending");
        assert!(!html.contains("Tlacolula</td>"), "{engine}: filtered out");
        let csv = crate::common::get_text(
            &public,
            app.url(&format!(
                "{location}/datos.csv?f_municipio=Oaxaca+de+Ju%C3%A1rez&orden=-monto"
            )),
        )
        .await;
        assert_eq!(
            csv,
            "municipio,obra,monto,fecha,terminada\nOaxaca de Juárez,Pavimentación,1500000.5,2025-03-01,true\nOaxaca de Juárez,Alumbrado,250000,2025-05-20,true\n",
            "{engine}"
        );
        let json: Value = crate::common::get_json(
            &public,
            app.url(&format!("{location}/datos.json?q=drenaje")),
        )
        .await;
        assert_eq!(
            json,
            json!([{"_id": 2, "municipio": "Tlacolula", "obra": "Drenaje", "monto": 800000, "fecha": "2025-04-15", "terminada": false}]),
            "{engine}"
        );
        let original = public
            .get(app.url(&format!("{location}/archivo")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            original.text().await.unwrap(),
            CSV,
            "{engine}: the original file"
        );
        let bad = public
            .get(app.url(&format!("{location}?f_colonia=Centro")))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 409, "{engine}: no such column");
        let bad = public
            .get(app.url(&format!("{location}?f_monto=mucho")))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 409, "{engine}: not a number");

        // /api/v1: the same view of the rows as the page and the downloads.
        let rows: Value = crate::common::get_json(&public, app.url(&format!("/api/v1/resources/{rid}/rows?f_municipio=Oaxaca+de+Ju%C3%A1rez&sort=-monto&per_page=1"))).await;
        assert_eq!(rows["total"], 2, "{engine}: {rows}");
        assert_eq!(rows["items"][0]["obra"], "Pavimentación");
        assert_eq!(rows["items"].as_array().unwrap().len(), 1);
        let v1: Value =
            crate::common::get_json(&public, app.url("/api/v1/datasets?tag=contratos")).await;
        assert_eq!(v1["total"], 1, "{engine}: {v1}");
        let v1: Value =
            crate::common::get_json(&public, app.url("/api/v1/datasets/obras-publicas-2025")).await;
        assert_eq!(
            v1["resources"][0]["fields"][2]["type"], "number",
            "{engine}: {v1}"
        );
        assert_eq!(v1["resources"][0]["rows"], 4);
        let empty = public
            .get(app.url(&format!("/api/v1/resources/{rid}/rows?page=")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            empty.status(),
            400,
            "{engine}: an empty page number is malformed"
        );
        let empty = public
            .get(app.url("/api/v1/publications/1/records?page="))
            .send()
            .await
            .unwrap();
        assert_ne!(
            empty.status(),
            200,
            "{engine}: an empty page number is not page 1"
        );
        let bad = public
            .get(app.url(&format!("/api/v1/resources/{rid}/rows?sort=colonia")))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 409, "{engine}");
        assert_eq!(bad.headers()["content-type"], "application/problem+json");

        // The catalogue page with its facets, and the global search.
        let html = crate::common::get_text(&public, app.url("/datos?etiqueta=contratos")).await;
        assert!(html.contains("Obras públicas 2025"), "{engine}");
        assert!(
            html.contains("Obra pública</a> (1)"),
            "{engine}: theme facet in {html}"
        );
        assert!(
            html.contains("Datos publicados</a> (1)"),
            "{engine}: origin facet in {html}"
        );
        let html = crate::common::get_text(&public, app.url("/datos?origen=obligaciones")).await;
        assert!(
            !html.contains("Obras públicas 2025"),
            "{engine}: not an obligation"
        );
        let bad = public
            .get(app.url("/datos?origen=otro"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400, "{engine}");
        let html = crate::common::get_text(&public, app.url("/datos?formato=PDF")).await;
        assert!(
            !html.contains("Obras públicas 2025"),
            "{engine}: no PDF resource"
        );
        let html = crate::common::get_text(&public, app.url("/buscar?q=obras+contratadas")).await;
        assert!(
            html.contains("/datos/obras-publicas-2025"),
            "{engine}: in the global search"
        );

        // CKAN: the same dataset and rows, in CKAN's shapes, on both paths and methods.
        let (status, body) = ckan(
            &app,
            "package_search",
            json!({"q": "obras", "facet.field": "[\"tags\"]", "unknown_key": 1}),
        )
        .await;
        assert_eq!(status, 200, "{engine}: {body}");
        assert_eq!(body["success"], true);
        assert_eq!(body["result"]["count"], 1);
        assert_eq!(body["result"]["facets"]["tags"]["contratos"], 1);
        let pkg = &body["result"]["results"][0];
        assert_eq!(pkg["name"], "obras-publicas-2025");
        assert_eq!(pkg["license_id"], "cc-by-4.0");
        assert_eq!(pkg["organization"]["title"], "Secretaría de Finanzas");
        assert_eq!(pkg["resources"][0]["datastore_active"], true);
        assert_eq!(pkg["resources"][0]["format"], "CSV");
        let (_, body) = ckan_get(&app, "/api/3/action/package_search?fq=tags:contratos&facet.field=tags&facet.field=groups&rows=5").await;
        assert_eq!(body["result"]["count"], 1, "{engine}: {body}");
        assert_eq!(
            body["result"]["search_facets"]["groups"]["items"][0]["display_name"],
            "Obra pública"
        );
        let (_, body) = ckan_get(&app, "/api/3/action/package_search?start=10").await;
        assert_eq!(
            body["result"]["results"],
            json!([]),
            "{engine}: past the end is an empty page"
        );
        let (_, body) = ckan_get(&app, "/api/3/action/package_show?id=obras-publicas-2025").await;
        assert_eq!(
            body["result"]["tags"].as_array().unwrap().len(),
            2,
            "{engine}"
        );
        let (_, body) = ckan(&app, "package_list", json!({})).await;
        assert_eq!(body["result"], json!(["obras-publicas-2025"]));
        let (_, body) = ckan(&app, "organization_list", json!({"all_fields": true})).await;
        let finanzas = body["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["title"] == "Secretaría de Finanzas")
            .unwrap();
        assert_eq!(finanzas["package_count"], 1);
        let (status, body) = ckan(&app, "organization_show", json!({"id": finanzas["name"]})).await;
        assert_eq!(
            (status, &body["result"]["id"]),
            (200, &json!(w.subject.to_string())),
            "{engine}"
        );
        let (_, body) = ckan(&app, "group_list", json!({})).await;
        assert_eq!(body["result"], json!(["obra-publica"]));
        let (_, body) = ckan(&app, "group_show", json!({"id": "obra-publica"})).await;
        assert_eq!(body["result"]["package_count"], 1);
        let (_, body) = ckan(&app, "tag_list", json!({})).await;
        assert_eq!(body["result"], json!(["contratos", "obra pública"]));
        let (_, body) = ckan(&app, "resource_show", json!({"id": rid.to_string()})).await;
        assert_eq!(
            body["result"]["hash"],
            format!("sha256:{}", r.sha256.clone().unwrap())
        );
        let (_, body) = ckan(&app, "status_show", json!({})).await;
        assert!(
            body["result"]["ckan_version"]
                .as_str()
                .unwrap()
                .starts_with("2.")
        );

        let (status, body) = ckan(&app, "datastore_search", json!({
            "resource_id": rid.to_string(), "filters": {"municipio": "Oaxaca de Juárez"},
            "sort": "monto desc", "fields": ["obra", "monto"], "limit": 1, "include_total": true,
        })).await;
        assert_eq!(status, 200, "{engine}: {body}");
        let result = &body["result"];
        assert_eq!(result["total"], 2);
        assert_eq!(
            result["records"],
            json!([{"_id": 1, "obra": "Pavimentación", "monto": 1500000.5}])
        );
        assert_eq!(
            result["fields"],
            json!([{"id": "_id", "type": "int"}, {"id": "obra", "type": "text"}, {"id": "monto", "type": "numeric"}])
        );
        assert!(
            result["_links"]["next"]
                .as_str()
                .unwrap()
                .contains("offset=1")
        );
        let (_, body) = ckan_get(&app, &format!("/api/3/action/datastore_search?resource_id={rid}&q=juchitan&records_format=lists&include_total=false")).await;
        assert_eq!(
            body["result"]["records"],
            json!([[4, "Juchitán", "Agua potable", 3200000, "2025-06-30", false]]),
            "{engine}"
        );
        assert!(body["result"].get("total").is_none());

        // CKAN's error shapes.
        for (action, params, status, kind) in [
            (
                "package_show",
                json!({"id": "no-existe"}),
                404,
                "Not Found Error",
            ),
            (
                "datastore_search",
                json!({"resource_id": "999999"}),
                404,
                "Not Found Error",
            ),
            (
                "package_search",
                json!({"rows": -1}),
                409,
                "Validation Error",
            ),
            (
                "package_search",
                json!({"fq": "color:rojo"}),
                409,
                "Validation Error",
            ),
            (
                "package_search",
                json!({"fq": "tags:\"sin cerrar"}),
                409,
                "Validation Error",
            ),
            (
                "package_search",
                json!({"sort": "popularidad desc"}),
                409,
                "Validation Error",
            ),
            (
                "datastore_search",
                json!({"resource_id": rid.to_string(), "sort": "colonia"}),
                409,
                "Validation Error",
            ),
            (
                "datastore_search",
                json!({"resource_id": rid.to_string(), "limit": -5}),
                409,
                "Validation Error",
            ),
            (
                "datastore_search",
                json!({"resource_id": rid.to_string(), "filters": {"monto": "mucho"}}),
                409,
                "Validation Error",
            ),
            (
                "package_create",
                json!({"name": "x"}),
                403,
                "Authorization Error",
            ),
            ("no_such_action", json!({}), 400, "Bad request"),
        ] {
            let (s, body) = ckan(&app, action, params.clone()).await;
            assert_eq!(s, status, "{engine}: {action} {params}: {body}");
            assert_eq!(body["success"], false);
            assert_eq!(
                body["error"]["__type"], kind,
                "{engine}: {action} {params}: {body}"
            );
        }
        let (_, body) = ckan(&app, "package_search", json!({"rows": -1})).await;
        assert_eq!(body["error"]["rows"][0], "Must be a natural number");

        // The catalogue for machines: DCAT-AP (Turtle and JSON-LD), data.json, Data Package, OCDS.
        let ttl = public.get(app.url("/catalog.ttl")).send().await.unwrap();
        assert_eq!(ttl.headers()["content-type"], "text/turtle; charset=utf-8");
        let ttl = ttl.text().await.unwrap();
        let triples: Vec<_> = oxttl::TurtleParser::new()
            .for_slice(ttl.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        let dataset_iri = app.url("/datos/obras-publicas-2025#dataset");
        assert!(
            triples
                .iter()
                .any(|t| t.subject.to_string() == format!("<{dataset_iri}>")
                    && t.predicate.as_str() == "http://purl.org/dc/terms/title"
                    && t.object.to_string() == "\"Obras públicas 2025\"@es"),
            "{engine}: {ttl}"
        );
        assert!(ttl.contains("dcat:byteSize"), "{engine}");
        let jsonld: Value =
            crate::common::get_json(&public, app.url("/datos/obras-publicas-2025/dcat.jsonld"))
                .await;
        assert!(jsonld.to_string().contains(&dataset_iri), "{engine}");
        let data_json: Value = crate::common::get_json(&public, app.url("/data.json")).await;
        assert_eq!(
            data_json["dataset"][0]["title"], "Obras públicas 2025",
            "{engine}"
        );
        assert_eq!(data_json["dataset"][0]["accrualPeriodicity"], "R/P1M");
        let package: Value = crate::common::get_json(
            &public,
            app.url("/datos/obras-publicas-2025/datapackage.json"),
        )
        .await;
        assert_eq!(package["profile"], "tabular-data-package", "{engine}");
        assert_eq!(
            package["resources"][0]["schema"]["fields"][2],
            json!({"name": "monto", "type": "number"})
        );
        assert_eq!(package["licenses"][0]["name"], "cc-by-4.0");
        let ocds: Value =
            crate::common::get_json(&public, app.url("/contrataciones/ocds.json")).await;
        assert_eq!(
            (
                ocds["version"].as_str(),
                ocds["releases"].as_array().map(Vec::len)
            ),
            (Some("1.1"), Some(0)),
            "{engine}"
        );

        // Replacing the file swaps the rows whole.
        let replacement = "municipio,obra,monto\nEtla,Puente,100\n";
        let res = editor
            .post(app.url(&format!("{location}/reemplazar")))
            .multipart(crate::common::file_form(
                "obras-v2.csv",
                replacement.as_bytes(),
                &[],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{engine}");
        let r2 = wait_loaded(&app, rid).await;
        assert_eq!(
            (r2.load_status.as_str(), r2.datastore_rows),
            ("done", Some(1)),
            "{engine}"
        );
        assert_ne!(r2.datastore_table, r.datastore_table);
        let (_, body) = ckan(
            &app,
            "datastore_search",
            json!({"resource_id": rid.to_string()}),
        )
        .await;
        assert_eq!(
            body["result"]["records"],
            json!([{"_id": 1, "municipio": "Etla", "obra": "Puente", "monto": 100}]),
            "{engine}"
        );
        // The first file is no longer referenced, so it is gone from the file store.
        let old = public
            .get(app.url(&format!("{location}/archivo")))
            .send()
            .await
            .unwrap();
        assert_eq!(old.text().await.unwrap(), replacement);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_and_links_are_refused_whole() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let w = world(&app).await;
        let editor = signed_in(&app, "editora@finanzas.mx").await;
        let res = editor
            .post(app.url(&format!("/sujetos/{}/datos/nuevo", w.subject)))
            .body("title=Datos+de+prueba")
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{engine}");
        let new = app.url("/datos/datos-de-prueba/recursos/nuevo");

        // A header-less sheet.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write(0, 0, 1).unwrap();
        sheet.write(0, 1, 2.5).unwrap();
        sheet.write(1, 0, 3).unwrap();
        sheet.write(1, 1, 4.5).unwrap();
        let xlsx = book.save_to_buffer().unwrap();

        let mut mixed = "nombre,municipio\nJosé,Oaxaca\n".as_bytes().to_vec();
        mixed.extend_from_slice(b"Mar\xeda,Etla\n");
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("mezcla.csv", mixed, "fila 3"),
            ("chueco.csv", b"a,b,c\n1,2,3\n4,5\n".to_vec(), "fila 3"),
            (
                "sin-encabezado.xlsx",
                xlsx,
                "la primera fila parece de datos",
            ),
            ("vacio.csv", b"\n\n".to_vec(), "vacío"),
            ("disfrazado.csv", b"%PDF-1.7 binario".to_vec(), "PDF"),
        ];
        let before = audit_head(&app).await;
        for (name, bytes, expected) in cases {
            let res = editor
                .post(&new)
                .multipart(crate::common::file_form(name, &bytes, &[]))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 422, "{engine}: {name}");
            let html = res.text().await.unwrap();
            assert!(
                html.contains(name) && html.contains(expected),
                "{engine}: {name}: {html}"
            );
        }
        for (url, expected) in [
            ("javascript:alert(1)", "http"),
            ("ftp://datos.mx/a.csv", "http"),
            ("", "elige un archivo"),
        ] {
            let form = reqwest::multipart::Form::new().text("url", url);
            let res = editor.post(&new).multipart(form).send().await.unwrap();
            assert_eq!(res.status(), 422, "{engine}: {url}");
            assert!(
                res.text().await.unwrap().contains(expected),
                "{engine}: {url}"
            );
        }
        assert_eq!(
            audit_head(&app).await,
            before,
            "{engine}: nothing was saved"
        );
        let d = tequio_store::catalog::dataset(&app.db, "datos-de-prueba")
            .await
            .unwrap();
        assert!(d.resources.is_empty(), "{engine}");

        // A file over the limit is cut off by the server with 413.
        let big = vec![b'a'; tequio::catalog::MAX_RESOURCE_BYTES + 2 * 1024 * 1024];
        let res = editor
            .post(&new)
            .multipart(crate::common::file_form("enorme.csv", &big, &[]))
            .send()
            .await;
        if let Ok(res) = res {
            assert_eq!(res.status(), 413, "{engine}");
        }
        assert_eq!(
            audit_head(&app).await,
            before,
            "{engine}: nothing was saved"
        );

        // A link is a resource too; its download sends people there.
        let form = reqwest::multipart::Form::new()
            .text("url", "https://datos.gob.mx/busca/dataset/ejemplo.csv")
            .text("name", "");
        let res = editor.post(&new).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 303, "{engine}");
        let d = tequio_store::catalog::dataset(&app.db, "datos-de-prueba")
            .await
            .unwrap();
        assert_eq!(d.resources[0].format, "CSV");
        assert_eq!(d.resources[0].load_status, "none");
    }
}
