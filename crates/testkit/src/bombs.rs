//! Size bombs: small spreadsheets that declare, or unzip to, enormous sizes. They are written
//! by code (no binary test data in the repository) and reproduce the attacks the readers must
//! refuse within bounded time and memory: a cell at the sheet's last address, a cell far to
//! the right, one cell of a gibibyte, ten million rows, a dimension that lies, a zip that lies
//! about its sizes, one long shared text repeated in many cells, a zip of many parts.
//!
//! This file only uses `std` and `zip`, so the domain crate's tests include it by path.

#![allow(clippy::expect_used)] // test data: a failure to write it should be loud

use std::io::{Cursor, Write};

/// What a part of the zip holds: bytes, or a head, a unit repeated, and a tail (written as a
/// stream, so a gibibyte costs no memory to make).
pub enum Content {
    Bytes(Vec<u8>),
    Repeat {
        head: Vec<u8>,
        unit: Vec<u8>,
        times: u64,
        tail: Vec<u8>,
    },
}

impl From<String> for Content {
    fn from(s: String) -> Self {
        Content::Bytes(s.into_bytes())
    }
}

impl From<&str> for Content {
    fn from(s: &str) -> Self {
        Content::Bytes(s.as_bytes().to_vec())
    }
}

/// A zip of the given parts, compressed as hard as deflate goes.
pub fn zip_of(parts: Vec<(&str, Content)>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(false);
    for (name, content) in parts {
        let options = match &content {
            Content::Repeat { unit, times, .. } if unit.len() as u64 * times >= u32::MAX as u64 => {
                options.large_file(true)
            }
            _ => options,
        };
        zip.start_file(name, options).expect("zip part");
        match content {
            Content::Bytes(b) => zip.write_all(&b).expect("zip write"),
            Content::Repeat {
                head,
                unit,
                times,
                tail,
            } => {
                zip.write_all(&head).expect("zip write");
                // Many units per write: a unit at a time would be slow.
                let per = (1 << 20) / unit.len().max(1) + 1;
                let block = unit.repeat(per);
                let mut left = times;
                while left >= per as u64 {
                    zip.write_all(&block).expect("zip write");
                    left -= per as u64;
                }
                for _ in 0..left {
                    zip.write_all(&unit).expect("zip write");
                }
                zip.write_all(&tail).expect("zip write");
            }
        }
    }
    zip.finish().expect("zip finish").into_inner()
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// A workbook of one sheet named `sheet`, with the given sheet XML and, when given, shared
/// strings.
pub fn workbook(sheet: &str, sheet_xml: Content, shared: Option<Content>) -> Vec<u8> {
    let mut parts = vec![
        (
            "[Content_Types].xml",
            Content::from(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
            ),
        ),
        (
            "_rels/.rels",
            Content::from(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
            ),
        ),
        (
            "xl/workbook.xml",
            Content::from(format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            )),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            Content::from(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
            ),
        ),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ];
    if let Some(s) = shared {
        parts.push(("xl/sharedStrings.xml", s));
    }
    zip_of(parts)
}

/// The title row of a plain table: `Ejercicio`, `Nombre`.
const TITLES: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Ejercicio</t></is></c><c r="B1" t="inlineStr"><is><t>Nombre</t></is></c></row>"#;

/// One cell far away, at `address` (`XFD1048576`, the last cell a sheet can have), under a
/// title row, with the sheet's dimension declaring the whole rectangle. A reader that
/// allocates the sheet's rectangle asks for hundreds of gibibytes.
pub fn cell_at(address: &str) -> Vec<u8> {
    let row: String = address.chars().filter(char::is_ascii_digit).collect();
    let xml = format!(
        r#"{SHEET_HEAD}<dimension ref="A1:{address}"/><sheetData>{TITLES}<row r="{row}"><c r="{address}"><v>1</v></c></row></sheetData></worksheet>"#
    );
    workbook("Información", xml.into(), None)
}

/// One text cell of `len` bytes, kept in the shared strings (about 1 MB of file per GiB).
pub fn long_cell(len: u64) -> Vec<u8> {
    let sheet = format!(
        r#"{SHEET_HEAD}<dimension ref="A1:B2"/><sheetData>{TITLES}<row r="2"><c r="A2"><v>2025</v></c><c r="B2" t="s"><v>0</v></c></row></sheetData></worksheet>"#
    );
    let shared = Content::Repeat {
        head: br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#.to_vec(),
        unit: b"a".to_vec(),
        times: len,
        tail: b"</t></si></sst>".to_vec(),
    };
    workbook("Información", sheet.into(), Some(shared))
}

/// One text cell of `len` bytes written inside the sheet (an inline string), not in the
/// shared strings.
pub fn long_inline_cell(len: u64) -> Vec<u8> {
    let sheet = Content::Repeat {
        head: format!(
            r#"{SHEET_HEAD}<sheetData>{TITLES}<row r="2"><c r="A2"><v>2025</v></c><c r="B2" t="inlineStr"><is><t>"#
        )
        .into_bytes(),
        unit: b"a".to_vec(),
        times: len,
        tail: b"</t></is></c></row></sheetData></worksheet>".to_vec(),
    };
    workbook("Información", sheet, None)
}

/// `n` data rows under the titles, each with a year and a name: ten million take about
/// 3.5 MB of file.
pub fn many_rows(n: u64) -> Vec<u8> {
    // Rows without an `r` attribute: readers number them in order, and the file stays small.
    let sheet = Content::Repeat {
        head: format!("{SHEET_HEAD}<sheetData>{TITLES}").into_bytes(),
        unit: br#"<row><c><v>2025</v></c><c t="inlineStr"><is><t>Ana</t></is></c></row>"#.to_vec(),
        times: n,
        tail: b"</sheetData></worksheet>".to_vec(),
    };
    workbook("Información", sheet, None)
}

/// A sheet whose dimension declares `dimension` (`A1:XFD1048576`) but which holds two rows.
pub fn declared_extent(dimension: &str) -> Vec<u8> {
    let xml = format!(
        r#"{SHEET_HEAD}<dimension ref="{dimension}"/><sheetData>{TITLES}<row r="2"><c r="A2"><v>2025</v></c><c r="B2" t="inlineStr"><is><t>Ana</t></is></c></row></sheetData></worksheet>"#
    );
    workbook("Información", xml.into(), None)
}

/// One shared text of `len` bytes repeated in `rows` × `columns` cells under the titles: a
/// small file whose cells yield `len × rows × columns` bytes of data.
pub fn fan_out(len: u64, rows: u64, columns: u32) -> Vec<u8> {
    let row: String = (0..columns).map(|_| r#"<c t="s"><v>0</v></c>"#).collect();
    let sheet = Content::Repeat {
        head: format!("{SHEET_HEAD}<sheetData>{TITLES}").into_bytes(),
        unit: format!("<row>{row}</row>").into_bytes(),
        times: rows,
        tail: b"</sheetData></worksheet>".to_vec(),
    };
    let shared = Content::Repeat {
        head: br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>"#.to_vec(),
        unit: b"b".to_vec(),
        times: len,
        tail: b"</t></si></sst>".to_vec(),
    };
    workbook("Datos", sheet, Some(shared))
}

/// [`long_cell`] whose zip declares its shared strings to be `declared` bytes: the sizes a
/// zip states are no promise.
pub fn lying_sizes(len: u64, declared: u32) -> Vec<u8> {
    let mut bytes = long_cell(len);
    set_declared_size(&mut bytes, "xl/sharedStrings.xml", declared);
    bytes
}

/// A zip of `n` tiny parts besides a valid workbook's.
pub fn many_parts(n: usize) -> Vec<u8> {
    let xml = format!(r#"{SHEET_HEAD}<sheetData>{TITLES}</sheetData></worksheet>"#);
    let mut parts = vec![("xl/worksheets/sheet1.xml", Content::from(xml))];
    let names: Vec<String> = (0..n).map(|i| format!("x/{i}.bin")).collect();
    for name in &names {
        parts.push((name.as_str(), Content::from("")));
    }
    zip_of(parts)
}

/// Overwrites the uncompressed size of `part` in its local header and in the central
/// directory.
pub fn set_declared_size(zip: &mut [u8], part: &str, size: u32) {
    let name = part.as_bytes();
    let le = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as usize;
    let mut i = 0;
    while i + 46 <= zip.len() {
        if zip[i..].starts_with(b"PK\x03\x04") {
            let len = le(zip, i + 26);
            if zip.get(i + 30..i + 30 + len) == Some(name) {
                zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
            }
        } else if zip[i..].starts_with(b"PK\x01\x02") {
            let len = le(zip, i + 28);
            if zip.get(i + 46..i + 46 + len) == Some(name) {
                zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
            }
        }
        i += 1;
    }
}

/// The four files of the hardening issue, by the name the tests give them.
pub fn issue_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("celda-en-XFD1048576.xlsx", cell_at("XFD1048576")),
        ("celda-en-ALL100000.xlsx", cell_at("ALL100000")),
        ("celda-de-1-GiB.xlsx", long_cell(1 << 30)),
        ("diez-millones-de-filas.xlsx", many_rows(10_000_000)),
    ]
}
