//! A published record, its stored form and the publication's content hash.
//!
//! **Canonical form** (documented in `docs/PUBLICATIONS.md`): each record becomes one JSON
//! array of its field values in format order, every value a string, and each sub-table field
//! replaced by the list of its rows (each an array of strings), the rows sorted. The record's
//! digest is the SHA-256 of that line. The publication's hash is the SHA-256 of
//! `tequio-records/1\n`, the format's field signature and `\n`, then the records' hex digests,
//! sorted, each followed by `\n`. Row order, platform ids and sub-table link ids do not count:
//! the same content always gives the same hash, whichever file layout it came in.

use super::framework::{FieldType, FormatDef};
use sha2::{Digest, Sha256};

/// One record: its field values (as checked text) and its sub-table rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The id the file gave it (the national platform's `ID`), or empty.
    pub source_id: String,
    /// Where it was read: spreadsheet row, or the record's number in a JSON list.
    pub row: usize,
    /// All values one after the other; `ends[i]` is where value `i` ends. One allocation
    /// instead of one per value: a million records fit in memory.
    buf: String,
    ends: Vec<u32>,
    /// Per sub-table (in the format's order), its rows. Empty when the record has none.
    tables: Vec<Vec<Vec<String>>>,
}

/// Builds a [`Record`] value by value.
pub struct RecordBuilder {
    buf: String,
    ends: Vec<u32>,
    tables: Vec<Vec<Vec<String>>>,
}

impl RecordBuilder {
    pub fn push(&mut self, value: &str) {
        self.buf.push_str(value);
        self.ends
            .push(u32::try_from(self.buf.len()).unwrap_or(u32::MAX));
    }

    pub fn set_table(&mut self, slot: usize, rows: Vec<Vec<String>>) {
        if rows.is_empty() {
            return;
        }
        if self.tables.len() <= slot {
            self.tables.resize(slot + 1, Vec::new());
        }
        self.tables[slot] = rows;
    }

    pub fn finish(self, source_id: String, row: usize) -> Record {
        Record {
            source_id,
            row,
            buf: self.buf,
            ends: self.ends,
            tables: self.tables,
        }
    }
}

impl Record {
    pub fn builder(fields: usize) -> RecordBuilder {
        RecordBuilder {
            buf: String::with_capacity(fields * 16),
            ends: Vec::with_capacity(fields),
            tables: Vec::new(),
        }
    }

    /// Value `i`, or `""` past the end.
    pub fn value(&self, i: usize) -> &str {
        let end = self.ends.get(i).copied().unwrap_or(0) as usize;
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).copied().unwrap_or(0) as usize
        };
        self.buf.get(start..end).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn values(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).map(|i| self.value(i))
    }

    /// The rows of sub-table `slot` (its place among the format's table fields).
    pub fn table(&self, slot: usize) -> &[Vec<String>] {
        self.tables.get(slot).map_or(&[], Vec::as_slice)
    }

    /// About how many bytes of memory the record takes, for memory budgets.
    pub fn heap_bytes(&self) -> usize {
        let strings = |rows: &Vec<Vec<String>>| -> usize {
            rows.iter()
                .map(|r| r.iter().map(|v| v.capacity() + 24).sum::<usize>() + 24)
                .sum::<usize>()
        };
        std::mem::size_of::<Record>()
            + self.source_id.capacity()
            + self.buf.capacity()
            + self.ends.capacity() * 4
            + self.tables.iter().map(strings).sum::<usize>()
    }

    pub fn push_sub_row(&mut self, slot: usize, row: Vec<String>) {
        if self.tables.len() <= slot {
            self.tables.resize(slot + 1, Vec::new());
        }
        self.tables[slot].push(row);
    }

    pub fn sub_row_count(&self) -> usize {
        self.tables.iter().map(Vec::len).sum()
    }

    /// The stored form: `{"v": [values…], "t": [[rows of table 0…], …]}` (`t` only when some
    /// sub-table has rows).
    pub fn to_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Stored<'a> {
            v: Vec<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            t: Option<&'a [Vec<Vec<String>>]>,
        }
        let stored = Stored {
            v: self.values().collect(),
            t: self
                .tables
                .iter()
                .any(|t| !t.is_empty())
                .then_some(self.tables.as_slice()),
        };
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Reads the stored form back.
    pub fn from_json(source_id: String, row: usize, json: &str) -> Option<Record> {
        #[derive(serde::Deserialize)]
        struct Stored {
            v: Vec<String>,
            #[serde(default)]
            t: Vec<Vec<Vec<String>>>,
        }
        let stored: Stored = serde_json::from_str(json).ok()?;
        let mut b = Record::builder(stored.v.len());
        for v in &stored.v {
            b.push(v);
        }
        b.tables = stored.t;
        Some(b.finish(source_id, row))
    }

    /// The canonical line of the record (see the module documentation).
    pub fn canonical_line(&self, format: &FormatDef) -> String {
        #[derive(serde::Serialize)]
        #[serde(untagged)]
        enum Item<'a> {
            Value(&'a str),
            Rows(Vec<&'a Vec<String>>),
        }
        let mut slot = 0;
        let items: Vec<Item<'_>> = format
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if f.kind == FieldType::Table {
                    let mut rows: Vec<&Vec<String>> = self.table(slot).iter().collect();
                    rows.sort();
                    slot += 1;
                    Item::Rows(rows)
                } else {
                    Item::Value(self.value(i))
                }
            })
            .collect();
        serde_json::to_string(&items).unwrap_or_default()
    }

    pub fn digest(&self, format: &FormatDef) -> [u8; 32] {
        Sha256::digest(self.canonical_line(format).as_bytes()).into()
    }

    /// The words of the record worth finding it by (text and catalogue fields).
    pub fn search_text(&self, format: &FormatDef) -> String {
        let mut out = String::new();
        for (i, f) in format.fields.iter().enumerate() {
            if f.kind.is_searchable() {
                let v = self.value(i);
                if !v.is_empty() {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(v);
                }
            }
        }
        out
    }
}

/// The format's field signature: its keys, each table with its own keys.
pub fn field_signature(format: &FormatDef) -> String {
    format
        .fields
        .iter()
        .map(|f| {
            if f.kind == FieldType::Table {
                let sub: Vec<&str> = f.fields.iter().map(|s| s.key.as_str()).collect();
                format!("{}({})", f.key, sub.join(","))
            } else {
                f.key.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The publication's content hash from its records' digests (in any order).
pub fn content_hash(format: &FormatDef, mut digests: Vec<[u8; 32]>) -> String {
    digests.sort_unstable();
    let mut h = Sha256::new();
    h.update(b"tequio-records/1\n");
    h.update(field_signature(format).as_bytes());
    h.update(b"\n");
    for d in &digests {
        h.update(hex::encode(d).as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}
