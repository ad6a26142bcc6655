#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Property tests of the importers: no input, however broken, panics; a valid file with one
//! cell changed is either still valid or refused with a located error; and what is accepted
//! round-trips. Bounded (case counts below) so the suite stays fast; raise PROPTEST_CASES to
//! search longer.

use proptest::prelude::*;
use tequio_domain::transparency::export;
use tequio_domain::transparency::framework::{FormatDef, FrameworkFile};
use tequio_domain::transparency::import;

const FRAMEWORK: &str = include_str!("../../../../frameworks/lgtaip2015-art70.json");
const REAL_F8: &[u8] =
    include_bytes!("../../../../testdata/pnt/formato8_art70_frVIII_2025T3_uady.xlsx");

fn format(code: &str) -> FormatDef {
    FrameworkFile::parse(FRAMEWORK)
        .unwrap()
        .obligations
        .into_iter()
        .find(|o| o.code == code)
        .unwrap()
        .formats
        .remove(0)
}

/// The number of cases: `default` in the suite, `PROPTEST_CASES` for a longer search.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Formato 8 and one valid file of each kind, built once (reading the real file takes time).
struct Seeds {
    f8: FormatDef,
    csv: Vec<u8>,
    json: Vec<u8>,
    xlsx: Vec<u8>,
}

fn seeds() -> &'static Seeds {
    static SEEDS: std::sync::OnceLock<Seeds> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let f8 = format("70-VIII");
        Seeds {
            csv: seed_csv(&f8),
            json: seed_json(&f8),
            xlsx: seed_xlsx(&f8),
            f8,
        }
    })
}

/// A small valid CSV of Formato 8 (sub-tables inline), built from the real file's first rows.
fn seed_csv(f8: &FormatDef) -> Vec<u8> {
    let parsed = import::parse("f8.xlsx", REAL_F8, f8).unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(export::csv_header(f8)).unwrap();
    for r in parsed.records.iter().take(4) {
        w.write_record(export::csv_row(f8, r)).unwrap();
    }
    w.into_inner().unwrap()
}

fn seed_json(f8: &FormatDef) -> Vec<u8> {
    let parsed = import::parse("f8.xlsx", REAL_F8, f8).unwrap();
    let list: Vec<_> = parsed
        .records
        .iter()
        .take(3)
        .map(|r| serde_json::Value::Object(export::json_object(f8, r)))
        .collect();
    serde_json::to_vec(&list).unwrap()
}

fn seed_xlsx(f8: &FormatDef) -> Vec<u8> {
    let parsed = import::parse("f8.xlsx", REAL_F8, f8).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    export::write_xlsx(
        f8,
        &export::Heading::default(),
        parsed.records.into_iter().take(3),
        &mut out,
    )
    .unwrap();
    out.into_inner()
}

/// Whatever happens, the result is a clean answer: records, or located errors.
fn check(name: &str, bytes: &[u8], f: &FormatDef) {
    match import::parse(name, bytes, f) {
        Ok(p) => assert!(!p.records.is_empty()),
        Err(e) => {
            assert!(e.total >= e.errors.len() && !e.errors.is_empty());
            for l in &e.errors {
                assert!(!l.message("es").is_empty() && !l.message("en").is_empty());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), ext in prop::sample::select(vec!["csv", "xlsx", "json", "txt", ""])) {
        let f8 = format("70-VIII");
        check(&format!("archivo.{ext}"), &bytes, &f8);
    }

    #[test]
    fn random_text_never_panics(text in "[\\PC\\n,;\"\\[\\]{}:]{0,400}") {
        let f7 = format("70-VII");
        check("a.csv", text.as_bytes(), &f7);
        check("a.json", text.as_bytes(), &f7);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(128), ..ProptestConfig::default() })]

    /// Flip, insert or delete bytes of valid files of every kind.
    #[test]
    fn mutated_valid_files_never_panic(kind in 0usize..3, edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8)) {
        let s = seeds();
        let f8 = &s.f8;
        let (name, mut bytes) = match kind {
            0 => ("f.csv", s.csv.clone()),
            1 => ("f.json", s.json.clone()),
            _ => ("f.xlsx", s.xlsx.clone()),
        };
        for (at, byte, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => { bytes.remove(i); }
            }
        }
        check(name, &bytes, f8);
    }

    /// Changing one CSV cell to arbitrary text: accepted (and then it round-trips to the same
    /// hash) or refused with that row named.
    #[test]
    fn one_changed_cell_is_accepted_or_located(row in 0usize..4, col in 0usize..35, value in "[\\PC]{0,40}") {
        let f8 = &seeds().f8;
        let seed = &seeds().csv;
        let mut rows: Vec<Vec<String>> = csv::Reader::from_reader(seed.as_slice()).records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        let col = col % rows[0].len();
        rows[row][col] = value;
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(export::csv_header(f8)).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        match import::parse("c.csv", &bytes, f8) {
            Ok(p) => {
                let mut again = csv::Writer::from_writer(Vec::new());
                again.write_record(export::csv_header(f8)).unwrap();
                for r in &p.records {
                    again.write_record(export::csv_row(f8, r)).unwrap();
                }
                let reread = import::parse("d.csv", &again.into_inner().unwrap(), f8).unwrap();
                let hash = |rs: &[tequio_domain::transparency::records::Record]| tequio_domain::transparency::records::content_hash(f8, rs.iter().map(|r| r.digest(f8)).collect());
                prop_assert_eq!(hash(&p.records), hash(&reread.records));
            }
            Err(e) => {
                prop_assert!(e.errors.iter().any(|l| l.row == Some(row + 2)), "{}", e);
            }
        }
    }
}

/// A workbook whose only cell address is absurdly long, as a damaged file can be: the
/// spreadsheet reader overflows computing it. Both readers refuse the file; neither panics.
#[test]
fn a_damaged_cell_address_is_refused_not_a_crash() {
    use std::io::Write;
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Informacion" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        (
            "xl/worksheets/sheet1.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A99999999999999999999999" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#,
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, xml) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let s = seeds();
    assert!(import::parse("f.xlsx", &bytes, &s.f8).is_err());
    let limits = tequio_domain::tabular::Limits::default();
    assert!(tequio_domain::catalog::table::read("f.xlsx", &bytes, &limits).is_err());
}
