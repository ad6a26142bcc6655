//! Realistic made-up records for any format: the demo's publications and the benchmark's
//! million rows. Deterministic for a seed, so loading the demo twice publishes the same
//! content (and the second time saves nothing).

use tequio_domain::transparency::framework::{FieldDef, FieldType, FormatDef};
use tequio_domain::transparency::period::Period;
use tequio_domain::transparency::records::Record;

const GIVEN: &[&str] = &[
    "María",
    "José",
    "Guadalupe",
    "Juan",
    "Ana",
    "Luis",
    "Rosa",
    "Carlos",
    "Laura",
    "Miguel",
    "Patricia",
    "Jorge",
    "Verónica",
    "Francisco",
    "Alejandra",
    "Roberto",
    "Gabriela",
    "Fernando",
    "Claudia",
    "Ricardo",
    "Leticia",
    "Eduardo",
    "Silvia",
    "Javier",
    "Adriana",
    "Sergio",
    "Martha",
    "Raúl",
    "Mónica",
    "Arturo",
    "Beatriz",
    "Héctor",
    "Norma",
    "Manuel",
    "Elena",
    "Alberto",
    "Diana",
    "Óscar",
    "Irma",
    "Rubén",
    "Yolanda",
    "Enrique",
    "Araceli",
    "Víctor",
    "Lucía",
    "Pedro",
    "Sofía",
    "Daniel",
    "Fabiola",
    "Ismael",
];
const SURNAMES: &[&str] = &[
    "Hernández",
    "García",
    "Martínez",
    "López",
    "González",
    "Pérez",
    "Rodríguez",
    "Sánchez",
    "Ramírez",
    "Cruz",
    "Flores",
    "Gómez",
    "Morales",
    "Vásquez",
    "Jiménez",
    "Reyes",
    "Díaz",
    "Torres",
    "Gutiérrez",
    "Ruiz",
    "Mendoza",
    "Aguilar",
    "Ortiz",
    "Castillo",
    "Santiago",
    "Velasco",
    "Zárate",
    "Bautista",
    "Matus",
    "Toledo",
    "Luna",
    "Chávez",
    "Ramos",
    "Vargas",
    "Salinas",
    "Ortega",
    "Mejía",
    "Pacheco",
];
const AREAS: &[&str] = &[
    "Dirección General",
    "Dirección de Administración",
    "Unidad de Transparencia",
    "Dirección Jurídica",
    "Coordinación de Recursos Humanos",
    "Dirección de Finanzas",
    "Departamento de Contabilidad",
    "Dirección de Planeación",
    "Órgano Interno de Control",
    "Coordinación de Comunicación Social",
    "Departamento de Recursos Materiales",
    "Dirección de Tecnologías de la Información",
    "Departamento de Archivo",
    "Facultad de Medicina",
    "Facultad de Derecho",
    "Instituto de Investigaciones",
    "Dirección de Obras Públicas",
    "Coordinación de Protección Civil",
    "Tesorería",
    "Secretaría Particular",
];
const POSTS: &[&str] = &[
    "Auxiliar administrativo",
    "Analista",
    "Jefatura de departamento",
    "Subdirección",
    "Dirección de área",
    "Secretaria ejecutiva",
    "Técnico especializado",
    "Profesor investigador",
    "Coordinación",
    "Asesoría jurídica",
    "Contador",
    "Chofer",
    "Intendente",
    "Capturista",
    "Enlace administrativo",
];
const WORDS: &[&str] = &[
    "informe",
    "programa",
    "presupuesto",
    "contrato",
    "servicio",
    "obra",
    "apoyo",
    "convenio",
    "auditoría",
    "acta",
    "sesión",
    "padrón",
    "licitación",
    "adquisición",
    "mantenimiento",
    "capacitación",
    "salud",
    "educación",
    "agua",
    "caminos",
    "seguridad",
    "cultura",
    "deporte",
    "vivienda",
    "energía",
    "ambiente",
    "transparencia",
    "archivo",
    "indicador",
    "evaluación",
    "municipio",
    "comunidad",
    "oaxaca",
    "mixteca",
    "istmo",
    "costa",
    "sierra",
    "valles",
    "cañada",
    "papaloapan",
];

/// The word lists the generator draws names, areas and posts from, most frequent first
/// (for benchmarks that query the generated records with realistic frequencies).
pub fn vocabulary() -> Vec<&'static str> {
    let mut out = Vec::new();
    for list in [GIVEN, SURNAMES, AREAS, POSTS] {
        for item in list {
            out.extend(item.split(' ').filter(|w| w.chars().count() > 3));
        }
    }
    out
}

/// A small, fast, deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % (n.max(1) as u64)) as usize
    }

    /// A Zipf-like pick: the first items far more often than the last, as real words are.
    pub fn zipf<'a>(&mut self, items: &[&'a str]) -> &'a str {
        // Inverse transform of a 1/x density over 1..=n+1.
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let x = ((items.len() + 1) as f64).powf(u) - 1.0;
        items[(x as usize).min(items.len() - 1)]
    }
}

/// A stable seed from text (subject, obligation, period).
pub fn seed_of(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h = (h ^ 0xff).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `n` records for `format` and `period`; sub-tables get 0–2 rows each when `with_tables`.
pub fn records(
    format: &FormatDef,
    period: Period,
    n: usize,
    seed: u64,
    with_tables: bool,
) -> Vec<Record> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| record(format, period, i, &mut rng, with_tables))
        .collect()
}

pub fn record(
    format: &FormatDef,
    period: Period,
    index: usize,
    rng: &mut Rng,
    with_tables: bool,
) -> Record {
    let mut b = Record::builder(format.fields.len());
    let mut slot = 0;
    for f in &format.fields {
        if f.kind == FieldType::Table {
            if with_tables {
                let rows: Vec<Vec<String>> = (0..rng.below(3))
                    .map(|_| {
                        f.fields
                            .iter()
                            .map(|s| value(s, period, index, rng))
                            .collect()
                    })
                    .collect();
                b.set_table(slot, rows);
            }
            slot += 1;
            b.push("");
            continue;
        }
        b.push(&value(f, period, index, rng));
    }
    b.finish(format!("{}", 100_000 + index), index + 1)
}

fn value(f: &FieldDef, period: Period, index: usize, rng: &mut Rng) -> String {
    let key = f.key.as_str();
    match f.kind {
        FieldType::Year => period.year.to_string(),
        FieldType::Date | FieldType::UpdateDate => match key {
            "fecha_inicio_periodo" => period.start().to_string(),
            _ => period.end().to_string(),
        },
        FieldType::Catalogue => f.values[rng.below(f.values.len())].clone(),
        FieldType::Money => format!("{}.{:02}", 6_000 + rng.below(60_000), rng.below(100)),
        FieldType::Number => rng.below(50).to_string(),
        FieldType::Time => format!("{:02}:00", 8 + rng.below(10)),
        FieldType::Url | FieldType::File => {
            format!(
                "https://transparencia.oaxaca.gob.mx/documentos/{}-{index}.pdf",
                f.key
            )
        }
        FieldType::Note => String::new(),
        FieldType::ShortText | FieldType::LongText => {
            let text = if key == "nombre" || key.ends_with("_nombre") {
                rng.zipf(GIVEN).to_owned()
            } else if key.contains("apellido") {
                if key.starts_with("segundo") && rng.below(20) == 0 {
                    String::new()
                } else {
                    rng.zipf(SURNAMES).to_owned()
                }
            } else if key.starts_with("area") {
                rng.zipf(AREAS).to_owned()
            } else if key.contains("puesto") || key.contains("cargo") {
                rng.zipf(POSTS).to_owned()
            } else if key.contains("moneda") {
                "Peso mexicano".to_owned()
            } else if key.contains("clave") || key.contains("numero") || key.contains("codigo") {
                format!("{}", 1000 + rng.below(9000))
            } else {
                let n = if f.kind == FieldType::LongText { 8 } else { 3 };
                let mut words: Vec<&str> = (0..n).map(|_| rng.zipf(WORDS)).collect();
                words.dedup();
                let mut s = words.join(" ");
                if let Some(first) = s.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                s
            };
            match f.max_len() {
                Some(max) if text.chars().count() > max => text.chars().take(max).collect(),
                _ => text,
            }
        }
        FieldType::Table => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tequio_domain::transparency::framework::FrameworkFile;

    #[test]
    fn synthetic_records_pass_their_own_checks() {
        let fw = FrameworkFile::parse(include_str!("../../../../frameworks/lgtaip2015-art70.json"))
            .unwrap();
        let period = Period::parse("2025-T3").unwrap();
        for ob in &fw.obligations {
            for f in &ob.formats {
                let recs = records(f, period, 30, seed_of(&[&ob.code]), true);
                // Write them as CSV and read them back: they must be valid.
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(tequio_domain::transparency::export::csv_header(f))
                    .unwrap();
                for r in &recs {
                    w.write_record(tequio_domain::transparency::export::csv_row(f, r))
                        .unwrap();
                }
                let bytes = w.into_inner().unwrap();
                let parsed = tequio_domain::transparency::import::parse("s.csv", &bytes, f)
                    .unwrap_or_else(|e| panic!("{}: {e}", ob.code));
                assert_eq!(parsed.records.len(), 30);
            }
        }
        assert_eq!(
            records(&fw.obligations[7].formats[0], period, 3, 7, true),
            records(&fw.obligations[7].formats[0], period, 3, 7, true)
        );
    }
}
