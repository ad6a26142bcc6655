#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Size bombs against both readers (publications and dataset resources): the issue's four
//! files, their relatives, and bombs generated at random (declared and real extent, long
//! cells, inflating and lying zips, many rows, shared texts fanned out, long CSV lines).
//!
//! Memory is bounded for real: this test binary's allocator (`cap`) refuses to go past a
//! budget over what the process held before each case, and a refused allocation aborts the
//! binary, failing the test. Each case runs alone (one test function), so the count is this
//! case's. Time is bounded by the same means as the server's: every case is refused from the
//! zip's directory or after reading what the limits allow, never after the whole bomb.

#[path = "../../testkit/src/bombs.rs"]
mod bombs;

use proptest::prelude::*;
use tequio_domain::catalog::table;
use tequio_domain::tabular::Limits;
use tequio_domain::transparency::framework::{FormatDef, FrameworkFile};
use tequio_domain::transparency::import;

#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// What one case may allocate beyond what was held before it: far below the 1 GiB the
/// server's own bomb tests give a whole process.
const CASE_BUDGET: usize = 384 * 1024 * 1024;

/// A format of two fields whose titles are the bombs' own (`Ejercicio`, `Nombre`): the
/// publication reader then reads every row of a bomb, as it would a real file's.
fn format() -> FormatDef {
    let framework = r#"{"tequio_framework": 1,
        "law": {"code": "PRUEBA", "name": "Ley de prueba", "published_on": "2025-01-01", "valid_from": "2025-01-01"},
        "obligations": [{"code": "1-I", "article": "1", "fraction": "I", "title": "Prueba",
            "periodicity": "quarterly", "deadline_days": 30, "conservation": "",
            "formats": [{"code": "1", "title": "Prueba", "status": "complete", "criteria": [], "fields": [
                {"key": "ejercicio", "label": "Ejercicio", "type": "year", "required": true},
                {"key": "nombre", "label": "Nombre", "type": "long_text", "required": false}]}]}]}"#;
    FrameworkFile::parse(framework)
        .unwrap()
        .obligations
        .remove(0)
        .formats
        .remove(0)
}

/// Limits small enough that generated bombs reach them quickly.
fn small_limits() -> Limits {
    Limits {
        max_rows: 20_000,
        max_columns: 200,
        max_cell_chars: 32_767,
        max_line_bytes: 1024 * 1024,
        max_inflation: 100,
        memory_budget: 32 * 1024 * 1024,
    }
}

/// The outcome of one file through both readers, each under the memory cap.
struct Outcome {
    publication: Result<usize, String>,
    resource: Result<usize, String>,
}

fn read_both(name: &str, bytes: &[u8], limits: &Limits, format: &FormatDef) -> Outcome {
    // One capped case at a time: the cap is the whole process's.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let capped = |run: &dyn Fn() -> Result<usize, String>| {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        ALLOCATOR
            .set_limit(ALLOCATOR.allocated() + CASE_BUDGET)
            .unwrap();
        let out = run();
        ALLOCATOR.set_limit(usize::MAX).unwrap();
        out
    };
    let publication = capped(&|| {
        import::parse_within(name, bytes, format, limits)
            .map(|p| p.records.len())
            .map_err(|e| e.to_string())
    });
    let resource = capped(&|| {
        table::read(name, bytes, limits)
            .map(|t| t.row_count)
            .map_err(|e| e.to_string())
    });
    Outcome {
        publication,
        resource,
    }
}

fn refused_by_both(name: &str, bytes: &[u8], limits: &Limits, says: &str) {
    let o = read_both(name, bytes, limits, &format());
    for (reader, result) in [("publication", &o.publication), ("resource", &o.resource)] {
        let e = result
            .as_ref()
            .expect_err(&format!("{name}: the {reader} reader accepted a bomb"));
        assert!(
            e.contains(says),
            "{name}, {reader} reader: «{says}» not in {e}"
        );
    }
}

#[test]
fn the_issue_files_are_refused_with_their_place() {
    let limits = Limits::default();
    let publication = import::default_limits();
    let format = format();
    for (name, bytes) in bombs::issue_files() {
        let e = read_both(name, &bytes, &publication, &format)
            .publication
            .expect_err(name);
        let r = read_both(name, &bytes, &limits, &format)
            .resource
            .expect_err(name);
        match name {
            "celda-en-XFD1048576.xlsx" => {
                assert!(e.contains("fila 1048576, columna XFD"), "{e}");
                assert!(e.contains("más allá de las 12 columnas"), "{e}");
                assert!(
                    r.contains("columna XFD") && r.contains("500 columnas"),
                    "{r}"
                );
            }
            "celda-en-ALL100000.xlsx" => {
                assert!(e.contains("fila 100000, columna ALL"), "{e}");
                assert!(r.contains("columna ALL"), "{r}");
            }
            "celda-de-1-GiB.xlsx" | "diez-millones-de-filas.xlsx" => {
                assert!(e.contains("al descomprimirse"), "{e}");
                assert!(r.contains("al descomprimirse"), "{r}");
            }
            other => panic!("unexpected {other}"),
        }
    }
}

#[test]
fn relatives_of_the_issue_files_are_refused() {
    let limits = small_limits();
    // A lying zip: it says its shared strings are 100 bytes; the reader stops there.
    refused_by_both(
        "miente.xlsx",
        &bombs::lying_sizes(64 * 1024 * 1024, 100),
        &limits,
        "no se puede leer",
    );
    // A long cell written inside the sheet rather than in the shared strings.
    refused_by_both(
        "larga.xlsx",
        &bombs::long_inline_cell(2 * 1024 * 1024),
        &limits,
        "más de",
    );
    // A 30 KB shared text in 4,000 cells: 120 MB of data from a small file.
    refused_by_both(
        "abanico.xlsx",
        &bombs::fan_out(30_000, 400, 10),
        &limits,
        "MB de datos",
    );
    refused_by_both("partes.xlsx", &bombs::many_parts(12_000), &limits, "partes");
    refused_by_both(
        "filas.xlsx",
        &bombs::many_rows(30_000),
        &limits,
        "más de 20000 filas",
    );
    // CSV: one line of two million commas, a cell of 40,000 characters, an unclosed quote.
    refused_by_both(
        "comas.csv",
        format!("Ejercicio,Nombre\n{}", ",".repeat(2_000_000)).as_bytes(),
        &limits,
        "columnas",
    );
    refused_by_both(
        "celda.csv",
        format!("Ejercicio,Nombre\n2025,{}\n", "a".repeat(40_000)).as_bytes(),
        &limits,
        "más de 32767 caracteres",
    );
    // An unclosed quote swallows the rest of the file into one cell, refused at its start.
    refused_by_both(
        "comilla.csv",
        format!("Ejercicio,Nombre\n2025,\"{}\n", "a,\n".repeat(400_000)).as_bytes(),
        &limits,
        "fila 2, columna B: la celda tiene más de 32767 caracteres",
    );
    // A line longer than lines may be, though each of its cells is within bounds.
    let short_lines = Limits {
        max_line_bytes: 64 * 1024,
        ..limits
    };
    let cell = "x".repeat(20_000);
    refused_by_both(
        "linea.csv",
        format!("Ejercicio,Nombre\n2025,{cell},{cell},{cell},{cell}\n").as_bytes(),
        &short_lines,
        "fila 2: la línea pasa de 64 KB",
    );
}

#[test]
fn a_declared_extent_alone_is_not_a_bomb() {
    // The dimension says the whole sheet; the cells are two rows: read as two rows.
    let bytes = bombs::declared_extent("A1:XFD1048576");
    let t = table::read("d.xlsx", &bytes, &Limits::default()).unwrap();
    assert_eq!(t.row_count, 1);
    assert_eq!(t.schema.fields.len(), 2);
}

/// A bomb with random proportions.
#[derive(Debug, Clone)]
enum Bomb {
    CellAt { row: u32, column: u32 },
    SharedCell { len: u64 },
    InlineCell { len: u64 },
    Rows { n: u64 },
    Extent { row: u32, column: u32 },
    FanOut { len: u64, rows: u64, columns: u32 },
    Lying { len: u64, declared: u32 },
    CsvLine { commas: usize },
    CsvCell { len: usize },
}

fn address(row: u32, column: u32) -> String {
    format!("{}{row}", import::column_letter(column as usize))
}

impl Bomb {
    fn file(&self) -> (&'static str, Vec<u8>) {
        match *self {
            Bomb::CellAt { row, column } => ("a.xlsx", bombs::cell_at(&address(row, column))),
            Bomb::SharedCell { len } => ("b.xlsx", bombs::long_cell(len)),
            Bomb::InlineCell { len } => ("c.xlsx", bombs::long_inline_cell(len)),
            Bomb::Rows { n } => ("d.xlsx", bombs::many_rows(n)),
            Bomb::Extent { row, column } => (
                "e.xlsx",
                bombs::declared_extent(&format!("A1:{}", address(row, column))),
            ),
            Bomb::FanOut { len, rows, columns } => ("f.xlsx", bombs::fan_out(len, rows, columns)),
            Bomb::Lying { len, declared } => ("g.xlsx", bombs::lying_sizes(len, declared)),
            Bomb::CsvLine { commas } => (
                "h.csv",
                format!("Ejercicio,Nombre\n2025,{}\n", ",".repeat(commas)).into_bytes(),
            ),
            Bomb::CsvCell { len } => (
                "i.csv",
                format!("Ejercicio,Nombre\n2025,\"{}\"\n", "x".repeat(len)).into_bytes(),
            ),
        }
    }

    /// Whether the bomb is past `limits` for a resource (so it must be refused).
    fn past(&self, limits: &Limits) -> bool {
        let cells = limits.max_cell_chars as u64;
        match *self {
            Bomb::CellAt { column, .. } => column as usize >= limits.max_columns,
            Bomb::SharedCell { len } | Bomb::InlineCell { len } => len > cells,
            Bomb::Rows { n } => n as usize + 1 > limits.max_rows,
            Bomb::Extent { .. } => false,
            Bomb::FanOut { len, rows, columns } => {
                len > cells
                    || columns as usize > limits.max_columns
                    || rows as usize > limits.max_rows
                    || len * rows * u64::from(columns) > limits.inflated_cap(0)
            }
            Bomb::Lying { len, declared } => len > u64::from(declared),
            Bomb::CsvLine { commas } => commas + 2 > limits.max_columns,
            Bomb::CsvCell { len } => len > limits.max_cell_chars,
        }
    }
}

fn bomb() -> impl Strategy<Value = Bomb> {
    prop_oneof![
        (1u32..=1_048_576, 0u32..16_384).prop_map(|(row, column)| Bomb::CellAt { row, column }),
        (1u64..=64 << 20).prop_map(|len| Bomb::SharedCell { len }),
        (1u64..=16 << 20).prop_map(|len| Bomb::InlineCell { len }),
        (0u64..=40_000).prop_map(|n| Bomb::Rows { n }),
        (1u32..=1_048_576, 0u32..16_384).prop_map(|(row, column)| Bomb::Extent { row, column }),
        (1u64..=64 << 10, 1u64..=500, 1u32..=40).prop_map(|(len, rows, columns)| Bomb::FanOut {
            len,
            rows,
            columns
        }),
        (1u64..=32 << 20, 1u32..=1 << 20).prop_map(|(len, declared)| Bomb::Lying { len, declared }),
        (0usize..=1_000_000).prop_map(|commas| Bomb::CsvLine { commas }),
        (0usize..=200_000).prop_map(|len| Bomb::CsvCell { len }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24),
        ..ProptestConfig::default()
    })]

    /// Any bomb is answered within the memory cap, and one past the limits is refused.
    #[test]
    fn generated_bombs_are_refused_within_bounds(b in bomb()) {
        let limits = small_limits();
        let (name, bytes) = b.file();
        let o = read_both(name, &bytes, &limits, &format());
        if b.past(&limits) {
            prop_assert!(o.resource.is_err(), "{b:?}: accepted as a resource");
            prop_assert!(o.publication.is_err(), "{b:?}: accepted as a publication");
        }
    }
}
