#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The importer against the real national-platform export and against bad files.

use tequio_domain::transparency::framework::{FormatDef, FrameworkFile};
use tequio_domain::transparency::import::{self, ImportErrors};
use tequio_domain::transparency::period::Period;
use tequio_domain::transparency::records::content_hash;
use tequio_domain::transparency::values::Problem;

const FRAMEWORK: &str = include_str!("../../../../frameworks/lgtaip2015-art70.json");
const REAL_F8: &[u8] =
    include_bytes!("../../../../testdata/pnt/formato8_art70_frVIII_2025T3_uady.xlsx");

fn format(code: &str) -> FormatDef {
    let fw = FrameworkFile::parse(FRAMEWORK).unwrap();
    fw.obligations
        .into_iter()
        .find(|o| o.code == code)
        .unwrap()
        .formats
        .remove(0)
}

#[test]
fn the_real_formato_8_reads_completely() {
    let f8 = format("70-VIII");
    let parsed = import::parse("formato8.xlsx", REAL_F8, &f8).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.sheet.as_deref(), Some("Información"));
    assert_eq!(parsed.records.len(), 3900);
    let sub_rows: usize = parsed.records.iter().map(|r| r.sub_row_count()).sum();
    assert_eq!(sub_rows, 57_454);
    let first = &parsed.records[0];
    assert_eq!(first.source_id, "35502760");
    assert_eq!(first.row, 7);
    assert_eq!(first.value(0), "2025");
    assert_eq!(first.value(1), "2025-07-01");
    assert_eq!(first.value(11), "Mujer");
    assert_eq!(first.value(12), "13077.38");
    // Its "Sistemas de compensación" row: denomination, gross, net, currency, periodicity.
    let (slot, _) = f8
        .tables()
        .enumerate()
        .find(|(_, (_, t))| t.key == "sistemas_compensacion")
        .unwrap();
    assert_eq!(
        first.table(slot)[0],
        [
            "Por ajuste de los meses de 31 días",
            "3814.24",
            "",
            "Peso Mexicano",
            "Anual"
        ]
    );
    assert_eq!(
        import::infer_period(&f8, &parsed.records),
        Period::parse("2025-T3")
    );
    import::check_period(&f8, &parsed, Period::parse("2025-T3").unwrap(), "f8").unwrap();
    let wrong =
        import::check_period(&f8, &parsed, Period::parse("2025-T2").unwrap(), "f8").unwrap_err();
    // The year agrees; both dates of every record fall outside.
    assert_eq!(wrong.total, 2 * 3900);
    assert_eq!(
        wrong.errors[0].message("es"),
        "hoja «Información», fila 7, columna E (Fecha de inicio del periodo que se informa): la fecha 01/07/2025 no está dentro del periodo 2025-T2 que se publica"
    );
    // The hash does not depend on the order of the records.
    let digests: Vec<_> = parsed.records.iter().map(|r| r.digest(&f8)).collect();
    let mut reversed = digests.clone();
    reversed.reverse();
    assert_eq!(content_hash(&f8, digests), content_hash(&f8, reversed));
}

fn csv_of(format: &FormatDef, rows: &[Vec<&str>]) -> String {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    w.write_record(format.fields.iter().map(|f| f.label.as_str()))
        .unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// A valid Formato 7 (directory) row.
fn row7() -> Vec<&'static str> {
    vec![
        "2025",
        "01/07/2025",
        "30/09/2025",
        "5169",
        "Jefatura de unidad",
        "Jefa de la Unidad de Transparencia",
        "María",
        "López",
        "Ruiz",
        "Mujer",
        "Unidad de Transparencia",
        "15/01/2020",
        "Calle",
        "Independencia",
        "100",
        "",
        "Colonia",
        "Centro",
        "0001",
        "Oaxaca de Juárez",
        "067",
        "Oaxaca de Juárez",
        "20",
        "Oaxaca",
        "68000",
        "951 501 5000 ext. 100",
        "transparencia@oaxaca.gob.mx",
        "Unidad de Transparencia",
        "30/09/2025",
        "",
    ]
}

fn errors(format: &FormatDef, name: &str, bytes: &[u8]) -> ImportErrors {
    import::parse(name, bytes, format).expect_err("the file should be refused")
}

#[test]
fn a_valid_csv_reads() {
    let f7 = format("70-VII");
    assert_eq!(row7().len(), f7.fields.len());
    let parsed = import::parse("d.csv", csv_of(&f7, &[row7(), row7()]).as_bytes(), &f7)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(parsed.records[1].row, 3);
}

#[test]
fn every_bad_value_is_listed_with_its_place() {
    let f7 = format("70-VII");
    let mut bad = row7();
    bad[1] = "31/02/2025"; // a date that does not exist
    bad[9] = "Marciano"; // not in the catalogue
    let long = "x".repeat(151);
    bad[4] = &long; // text over its limit
    let mut missing = row7();
    missing[6] = ""; // required
    let e = errors(
        &f7,
        "d.csv",
        csv_of(&f7, &[row7(), bad, missing]).as_bytes(),
    );
    let messages: Vec<String> = e.errors.iter().map(|l| l.message("es")).collect();
    assert_eq!(e.total, 4, "{messages:#?}");
    assert_eq!(
        messages[0],
        "fila 3, columna B (Fecha de inicio del periodo que se informa): la fecha 31/02/2025 no existe en el calendario"
    );
    assert_eq!(
        messages[1],
        "fila 3, columna E (Denominación del puesto): el texto tiene 151 caracteres y el máximo es 150"
    );
    assert!(messages[2].starts_with("fila 3, columna J (Sexo (catálogo)): «Marciano» no está en el catálogo; valores permitidos: Hombre, Mujer"));
    assert_eq!(
        messages[3],
        "fila 4, columna G (Nombre(s)): falta el valor y el campo es obligatorio"
    );
    assert!(
        e.errors[3]
            .message("en")
            .ends_with("the value is missing and the field is required")
    );
}

#[test]
fn money_with_three_decimals_is_refused() {
    let f8 = format("70-VIII");
    let json = r#"[{"ejercicio": "2025", "fecha_inicio_periodo": "2025-07-01", "fecha_termino_periodo": "2025-09-30",
        "tipo_integrante": "Empleada (o)", "clave_nivel_puesto": "1", "denominacion_puesto": "A", "denominacion_cargo": "A",
        "area_adscripcion": "A", "nombre": "A", "primer_apellido": "B", "sexo": "Mujer", "remuneracion_bruta": "100.125",
        "moneda_bruta": "MXN", "remuneracion_neta": 90, "moneda_neta": "MXN", "area_responsable": "RH",
        "fecha_actualizacion": "30/09/2025", "primas": [{"denominacion": "Prima", "monto_bruto": "1.001"}]}]"#;
    let e = errors(&f8, "r.json", json.as_bytes());
    let messages: Vec<String> = e.errors.iter().map(|l| l.message("es")).collect();
    assert_eq!(e.total, 2, "{messages:#?}");
    assert!(
        messages[0].starts_with(
            "fila 1, columna remuneracion_bruta (Monto de la remuneración mensual bruta"
        ),
        "{messages:#?}"
    );
    assert!(messages[1].starts_with("fila 1, columna primas (Primas, monto bruto y neto, tipo de moneda y su periodicidad): fila 1 de la subtabla, campo «Monto bruto de las primas»: «1.001» no es una cantidad"), "{messages:#?}");
}

#[test]
fn missing_extra_and_repeated_columns_are_named() {
    let f7 = format("70-VII");
    let mut text = csv_of(&f7, &[row7()]);
    text = text.replacen("Nombre(s),", "Color favorito,", 1);
    let e = errors(&f7, "d.csv", text.as_bytes());
    let messages: Vec<String> = e.errors.iter().map(|l| l.message("es")).collect();
    assert_eq!(
        messages,
        vec![
            "fila 1, columna G: la columna «Color favorito» no pertenece a este formato".to_owned(),
            "fila 1, campo «Nombre(s)»: falta esta columna del formato".to_owned(),
        ]
    );
}

#[test]
fn files_that_are_not_what_they_say_are_refused() {
    let f7 = format("70-VII");
    let only = |name: &str, bytes: &[u8]| {
        let e = errors(&f7, name, bytes);
        assert_eq!(e.total, 1, "{e}");
        e.errors[0].problem.clone()
    };
    assert_eq!(only("vacio.csv", b""), Problem::EmptyFile);
    assert_eq!(only("vacio.csv", b"  \n"), Problem::EmptyFile);
    assert_eq!(
        only("datos.xlsx", b"a,b,c\n1,2,3\n"),
        Problem::WrongContent {
            expected: "XLSX",
            found: "CSV"
        }
    );
    assert_eq!(
        only("datos.csv", REAL_F8),
        Problem::WrongContent {
            expected: "CSV",
            found: "XLSX"
        }
    );
    assert!(matches!(
        only("informe.csv", b"%PDF-1.7 ..."),
        Problem::WrongContent {
            found: "un PDF",
            ..
        }
    ));
    assert_eq!(only("d.csv", b"Nombre,A\xf1o\n"), Problem::NotUtf8);
    assert_eq!(only("Cargo.toml", b"[workspace]\n"), Problem::UnknownKind);
    // A workbook of another format: its columns are named as extra and missing.
    let e = errors(&format("70-XIII"), "f8.xlsx", REAL_F8);
    assert_eq!(
        e.errors[0].message("es"),
        "hoja «Información», fila 6, columna G: la columna «TIPO DE INTEGRANTE DEL SUJETO OBLIGADO (CATÁLOGO)» no pertenece a este formato"
    );
    assert!(e.errors.iter().any(|l| l.problem == Problem::MissingColumn
        && l.field.as_deref() == Some("Horario de atención de la Unidad de Transparencia")));
    // A sheet with nothing like the format's titles.
    let e = errors(&f7, "otra.csv", b"uno,dos\n1,2\n");
    assert_eq!(e.errors[0].problem, Problem::NoHeader);
    // Only titles, no rows.
    assert_eq!(
        only("d.csv", csv_of(&f7, &[]).as_bytes()),
        Problem::NoRecords
    );
    // A broken zip.
    assert!(matches!(
        only("roto.xlsx", b"PK\x03\x04garbage"),
        Problem::Refused(tequio_domain::tabular::Reason::Damaged(_))
    ));
}

#[test]
fn a_ragged_csv_row_is_named() {
    let f7 = format("70-VII");
    let mut short = row7();
    short.pop();
    let e = errors(&f7, "d.csv", csv_of(&f7, &[row7(), short]).as_bytes());
    assert_eq!(
        e.errors[0].message("es"),
        "fila 3: la fila tiene 29 celdas y los títulos son 30"
    );
}

fn hash_of(format: &FormatDef, records: &[tequio_domain::transparency::records::Record]) -> String {
    content_hash(format, records.iter().map(|r| r.digest(format)).collect())
}

#[test]
fn the_real_file_round_trips_through_every_export() {
    use tequio_domain::transparency::export;
    let f8 = format("70-VIII");
    let parsed = import::parse("f8.xlsx", REAL_F8, &f8).unwrap();
    let hash = hash_of(&f8, &parsed.records);

    let mut xlsx = std::io::Cursor::new(Vec::new());
    let heading = export::Heading {
        subject: "Universidad Autónoma de Yucatán".into(),
        period: "2025-T3".into(),
        ..Default::default()
    };
    export::write_xlsx(&f8, &heading, parsed.records.clone(), &mut xlsx).unwrap();
    let again = import::parse("copia.xlsx", xlsx.get_ref(), &f8).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.records.len(), 3900);
    assert_eq!(hash_of(&f8, &again.records), hash);

    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(export::csv_header(&f8)).unwrap();
    for r in &parsed.records {
        w.write_record(export::csv_row(&f8, r)).unwrap();
    }
    let csv_bytes = w.into_inner().unwrap();
    let again = import::parse("copia.csv", &csv_bytes, &f8).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hash_of(&f8, &again.records), hash);

    let list: Vec<_> = parsed
        .records
        .iter()
        .map(|r| serde_json::Value::Object(export::json_object(&f8, r)))
        .collect();
    let json_bytes = serde_json::to_vec(&serde_json::json!({ "records": list })).unwrap();
    let again = import::parse("copia.json", &json_bytes, &f8).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hash_of(&f8, &again.records), hash);

    // A changed value changes the hash.
    let mut changed = csv_bytes.clone();
    let at = changed.windows(8).position(|w| w == b"13077.38").unwrap();
    changed[at] = b'2';
    let again = import::parse("cambio.csv", &changed, &f8).unwrap();
    assert_ne!(hash_of(&f8, &again.records), hash);
}

#[test]
fn a_sub_table_row_pointing_at_no_record_is_named() {
    use rust_xlsxwriter::Workbook;
    let f8 = format("70-VIII");
    // The real layout, cut down: one record (ID 7) and a "Primas" row for ID 8.
    let mut wb = Workbook::new();
    let main = wb.add_worksheet();
    main.set_name("Información").unwrap();
    let mut col = 0u16;
    main.write_string(5, col, "ID").unwrap();
    for f in &f8.fields {
        col += 1;
        let title = match &f.pnt_table {
            Some(n) => format!("{} (Tabla_{n})", f.label),
            None => f.label.clone(),
        };
        main.write_string(5, col, title).unwrap();
    }
    main.write_number(6, 0, 7.0).unwrap();
    let values = [
        "2025",
        "01/07/2025",
        "30/09/2025",
        "Empleada (o)",
        "1",
        "Auxiliar",
        "Auxiliar",
        "Rectoría",
        "Ana",
        "Pérez",
        "",
        "Mujer",
        "1000",
        "Peso mexicano",
        "900",
        "Peso mexicano",
    ];
    for (i, v) in values.iter().enumerate() {
        main.write_string(6, u16::try_from(i + 1).unwrap(), *v)
            .unwrap();
    }
    // Only "Primas" has rows; the other sub-table cells are empty.
    let tables = f8.tables().count();
    let primas_slot = f8.tables().position(|(_, t)| t.key == "primas").unwrap();
    main.write_string(
        6,
        u16::try_from(values.len() + 1 + primas_slot).unwrap(),
        "7",
    )
    .unwrap();
    for (i, v) in ["Recursos Humanos", "30/09/2025", ""].iter().enumerate() {
        main.write_string(6, u16::try_from(values.len() + 1 + tables + i).unwrap(), *v)
            .unwrap();
    }
    let primas = f8.fields.iter().find(|f| f.key == "primas").unwrap();
    let sheet = wb.add_worksheet();
    sheet.set_name(primas.sheet_name()).unwrap();
    sheet.write_string(2, 0, "ID").unwrap();
    for (i, f) in primas.fields.iter().enumerate() {
        sheet
            .write_string(2, u16::try_from(i + 1).unwrap(), &f.label)
            .unwrap();
    }
    sheet.write_number(3, 0, 7.0).unwrap();
    sheet.write_string(3, 1, "Prima vacacional").unwrap();
    sheet.write_string(3, 2, "500").unwrap();
    sheet.write_number(4, 0, 8.0).unwrap();
    sheet.write_string(4, 1, "Prima dominical").unwrap();
    sheet.write_string(4, 2, "100").unwrap();
    let bytes = wb.save_to_buffer().unwrap();

    let e = errors(&f8, "huerfana.xlsx", &bytes);
    assert_eq!(e.total, 1, "{e}");
    assert_eq!(
        e.errors[0].message("es"),
        format!(
            "hoja «{}», fila 5, columna A: la fila apunta al registro con ID «8», que no existe en la hoja principal",
            primas.sheet_name()
        )
    );
}
