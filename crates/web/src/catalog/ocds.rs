//! Procurement results (Art. 70 fr. XXVIII: formats 28a, public tenders and restricted
//! invitations, and 28b, direct awards) as an OCDS 1.1 release package. One release per
//! published record: the buyer, the tender with its method and tenderers, the award to the
//! supplier and the contract. Read from the current publications (no second copy).
//!
//! The mapping reads the field keys of the shipped formats (`frameworks/lgtaip2015-art70.json`);
//! a framework whose formats use the same keys is exported the same way.

use serde_json::{Value as Json, json};
use tequio_domain::transparency::framework::{FieldType, FormatDef};
use tequio_domain::transparency::period::Date;
use tequio_domain::transparency::records::Record;
use tequio_store::Db;
use tequio_store::transparency as tr;

/// The format codes exported.
pub const FORMATS: &[&str] = &["28a", "28b"];

/// One record's values by field key.
struct Fields<'a> {
    def: &'a FormatDef,
    record: &'a Record,
}

impl Fields<'_> {
    fn get(&self, key: &str) -> &str {
        self.def
            .field(key)
            .map_or("", |(i, _)| self.record.value(i).trim())
    }

    /// The rows of a sub-table, each as (key, value) pairs.
    fn table(&self, key: &str) -> Vec<Vec<(String, String)>> {
        let Some((index, field)) = self.def.field(key) else {
            return Vec::new();
        };
        let slot = self.def.fields[..index]
            .iter()
            .filter(|f| f.kind == FieldType::Table)
            .count();
        self.record
            .table(slot)
            .iter()
            .map(|row| {
                field
                    .fields
                    .iter()
                    .zip(row)
                    .map(|(f, v)| (f.key.clone(), v.trim().to_owned()))
                    .collect()
            })
            .collect()
    }
}

fn date_time(value: &str) -> Option<String> {
    let d = Date::parse_iso(value).or_else(|| Date::parse_dmy(value))?;
    Some(format!("{d}T00:00:00Z"))
}

fn amount(value: &str) -> Option<f64> {
    value
        .replace([',', '$', ' '], "")
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
}

/// ISO 4217 code of a currency as the formats write it ("Peso mexicano", "MXN", "Dólar").
fn currency(value: &str) -> Option<&'static str> {
    let v = tequio_domain::search::fold_accents(&value.to_lowercase());
    if v.contains("peso") || v.contains("mxn") || v.is_empty() {
        Some("MXN")
    } else if v.contains("dolar") || v.contains("usd") {
        Some("USD")
    } else if v.contains("euro") || v.contains("eur") {
        Some("EUR")
    } else {
        None
    }
}

fn web_url(value: &str) -> Option<&str> {
    let v = value.trim();
    (tequio_domain::catalog::check_web_url(v, "url").is_ok()).then_some(v)
}

/// A person's or company's name from the format's split name fields.
fn party_name(razon_social: &str, nombre: &str, primer: &str, segundo: &str) -> String {
    if !razon_social.is_empty() {
        return razon_social.to_owned();
    }
    [nombre, primer, segundo]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A party's id within its release: its RFC when known, else its name.
fn party_id(rfc: &str, name: &str) -> String {
    if rfc.is_empty() {
        format!("nombre-{}", tequio_domain::text::slugify(name))
    } else {
        format!("MX-RFC-{}", rfc.to_uppercase())
    }
}

struct Parties(Vec<Json>);

impl Parties {
    /// Adds a party, or a role to one already there; returns its reference.
    fn add(&mut self, id: &str, name: &str, rfc: &str, role: &str) -> Json {
        if let Some(p) = self.0.iter_mut().find(|p| p["id"] == id) {
            if let Some(roles) = p["roles"].as_array_mut()
                && !roles.iter().any(|r| r == role)
            {
                roles.push(json!(role));
            }
        } else {
            let mut party = json!({"id": id, "name": name, "roles": [role]});
            if !rfc.is_empty() {
                party["identifier"] =
                    json!({"scheme": "MX-RFC", "id": rfc.to_uppercase(), "legalName": name});
            }
            self.0.push(party);
        }
        json!({"id": id, "name": name})
    }
}

fn procurement_method(kind: &str) -> &'static str {
    let k = tequio_domain::search::fold_accents(&kind.to_lowercase());
    if k.contains("licitacion") {
        "open"
    } else if k.contains("invitacion") {
        "selective"
    } else if k.contains("adjudicacion") {
        "direct"
    } else {
        "limited"
    }
}

fn category(materia: &str) -> Option<&'static str> {
    let m = tequio_domain::search::fold_accents(&materia.to_lowercase());
    if m.contains("obra") {
        Some("works")
    } else if m.contains("adquisicion") || m.contains("arrendamiento") {
        Some("goods")
    } else if m.contains("servicio") {
        Some("services")
    } else {
        None
    }
}

/// One release for one record.
fn release(
    prefix: &str,
    publication: &tr::Publication,
    subject_name: &str,
    position: usize,
    f: &Fields<'_>,
) -> Json {
    let expediente = f.get("numero_expediente");
    let process = if expediente.is_empty() {
        format!("{}-{}", publication.id, position + 1)
    } else {
        tequio_domain::text::slugify(expediente)
    };
    let ocid = format!("{prefix}-{}-{process}", publication.subject_id);
    let mut parties = Parties(Vec::new());
    let subject_party = format!("sujeto-{}", publication.subject_id);
    let buyer = parties.add(&subject_party, subject_name, "", "buyer");
    parties.add(&subject_party, subject_name, "", "procuringEntity");
    let (supplier, tenderers) = suppliers_and_tenderers(f, &mut parties);
    let tender_id = if expediente.is_empty() {
        process.clone()
    } else {
        expediente.to_owned()
    };
    let award_id = format!("{process}-adjudicacion");
    json!({
        "ocid": ocid,
        "id": format!("{}-{}", publication.id, position + 1),
        "date": publication.published_at,
        "tag": ["award", "contract"],
        "initiationType": "tender",
        "language": "es",
        "parties": parties.0,
        "buyer": buyer,
        "tender": tender(f, &tender_id, &tenderers),
        "awards": [award(f, &award_id, supplier.as_ref())],
        "contracts": [contract(f, &process, &award_id)],
    })
}

/// Who won, the contractor (28a) or the direct awardee (28b), and who bid or quoted: each
/// added to the parties once.
fn suppliers_and_tenderers(f: &Fields<'_>, parties: &mut Parties) -> (Option<Json>, Vec<Json>) {
    let (prefix_key, bidders_key) = if f.def.field("adjudicado_rfc").is_some() {
        ("adjudicado", "cotizaciones")
    } else {
        ("contratista", "proponentes")
    };
    let get = |k: &str| f.get(&format!("{prefix_key}_{k}"));
    let supplier_name = party_name(
        get("razon_social"),
        get("nombre"),
        get("primer_apellido"),
        get("segundo_apellido"),
    );
    let supplier_rfc = get("rfc");
    let supplier = (!supplier_name.is_empty()).then(|| {
        let id = party_id(supplier_rfc, &supplier_name);
        parties.add(&id, &supplier_name, supplier_rfc, "supplier")
    });
    let mut tenderers = Vec::new();
    for row in f.table(bidders_key) {
        let v = |k: &str| {
            row.iter()
                .find(|(key, _)| key == k)
                .map_or("", |(_, v)| v.as_str())
        };
        let name = party_name(
            v("razon_social"),
            v("nombre"),
            v("primer_apellido"),
            v("segundo_apellido"),
        );
        if name.is_empty() {
            continue;
        }
        let reference = parties.add(&party_id(v("rfc"), &name), &name, v("rfc"), "tenderer");
        if !tenderers.contains(&reference) {
            tenderers.push(reference);
        }
    }
    (supplier, tenderers)
}

/// The documents a record links in `kinds` (field → OCDS document type), when they are web
/// addresses.
fn documents(f: &Fields<'_>, kinds: &[(&str, &str)]) -> Vec<Json> {
    kinds
        .iter()
        .filter_map(|(key, kind)| {
            web_url(f.get(key)).map(|url| json!({"id": key, "documentType": kind, "url": url}))
        })
        .collect()
}

/// The procedure: its method, category, tenderers and documents.
fn tender(f: &Fields<'_>, id: &str, tenderers: &[Json]) -> Json {
    let description = f.get("descripcion");
    let mut tender = json!({
        "id": id,
        "status": "complete",
        "procurementMethod": procurement_method(f.get("tipo_procedimiento")),
        "procurementMethodDetails": f.get("tipo_procedimiento"),
    });
    if !description.is_empty() {
        tender["title"] = json!(description);
        tender["description"] = json!(description);
    }
    if let Some(c) = category(f.get("materia")) {
        tender["mainProcurementCategory"] = json!(c);
    }
    if !tenderers.is_empty() {
        tender["numberOfTenderers"] = json!(tenderers.len());
        tender["tenderers"] = json!(tenderers);
    }
    let docs = documents(
        f,
        &[
            ("hipervinculo_convocatoria", "tenderNotice"),
            ("hipervinculo_fallo_junta", "clarifications"),
            ("hipervinculo_propuestas", "submissionDocuments"),
            ("hipervinculo_dictamenes", "evaluationReports"),
        ],
    );
    if !docs.is_empty() {
        tender["documents"] = json!(docs);
    }
    tender
}

/// The contract's amount with taxes, in its currency when the record names one.
fn contract_value(f: &Fields<'_>) -> Option<Json> {
    amount(f.get("monto_con_impuestos")).map(|a| {
        let mut v = json!({"amount": a});
        if let Some(c) = currency(f.get("tipo_de_moneda")) {
            v["currency"] = json!(c);
        }
        v
    })
}

/// The award: its date, value, supplier and the reasons for the choice.
fn award(f: &Fields<'_>, id: &str, supplier: Option<&Json>) -> Json {
    let mut award = json!({"id": id, "status": "active"});
    if let Some(d) = date_time(f.get("fecha_del_contrato")) {
        award["date"] = json!(d);
    }
    if let Some(v) = contract_value(f) {
        award["value"] = v;
    }
    if let Some(s) = supplier {
        award["suppliers"] = json!([s]);
    }
    let reasons = f.get("razones_eleccion");
    if !reasons.is_empty() {
        award["description"] = json!(reasons);
    }
    award
}

/// The contract: its object, signature date, value, period and documents.
fn contract(f: &Fields<'_>, process: &str, award_id: &str) -> Json {
    let numero = f.get("numero_contrato");
    let mut contract = json!({
        "id": if numero.is_empty() { format!("{process}-contrato") } else { numero.to_owned() },
        "awardID": award_id,
        "status": "active",
    });
    let object = f.get("objeto_del_contrato");
    if !object.is_empty() {
        contract["title"] = json!(object);
        contract["description"] = json!(object);
    }
    if let Some(d) = date_time(f.get("fecha_del_contrato")) {
        contract["dateSigned"] = json!(d);
    }
    if let Some(v) = contract_value(f) {
        contract["value"] = v;
    }
    let mut period = json!({});
    if let Some(s) = date_time(f.get("fecha_inicio_ejecucion")) {
        period["startDate"] = json!(s);
    }
    if let Some(e) = date_time(f.get("fecha_termino_ejecucion")) {
        period["endDate"] = json!(e);
    }
    if period.as_object().is_some_and(|p| !p.is_empty()) {
        contract["period"] = period;
    }
    let docs = documents(
        f,
        &[
            ("hipervinculo_contrato", "contractSigned"),
            ("hipervinculo_suspension", "contractAnnexe"),
            ("hipervinculo_avance_fisico", "physicalProgressReport"),
            ("hipervinculo_avance_financiero", "financialProgressReport"),
            ("hipervinculo_finiquito", "completionCertificate"),
        ],
    );
    if !docs.is_empty() {
        contract["documents"] = json!(docs);
    }
    contract
}

/// The release package of every current publication of formats 28a and 28b, or of one
/// subject's.
pub async fn release_package(
    db: &Db,
    base_url: &str,
    prefix: &str,
    subject: Option<i64>,
) -> anyhow::Result<Json> {
    let mut releases = Vec::new();
    let mut formats: std::collections::HashMap<i64, tr::Format> = Default::default();
    for (publication, subject_name) in tr::current_publications_of_formats(db, FORMATS).await? {
        if subject.is_some_and(|s| s != publication.subject_id) {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(slot) =
            formats.entry(publication.format_id)
        {
            let Some(format) = tr::format(db, publication.format_id).await? else {
                continue;
            };
            slot.insert(format);
        }
        let Some(format) = formats.get(&publication.format_id) else {
            continue;
        };
        for (position, record) in tr::all_records(db, publication.id)
            .await?
            .iter()
            .enumerate()
        {
            let fields = Fields {
                def: &format.def,
                record,
            };
            releases.push(release(
                prefix,
                &publication,
                &subject_name,
                position,
                &fields,
            ));
        }
    }
    let path = match subject {
        Some(s) => format!("/sujetos/{s}/contrataciones/ocds.json"),
        None => "/contrataciones/ocds.json".to_owned(),
    };
    Ok(json!({
        "uri": format!("{base_url}{path}"),
        "version": "1.1",
        "publishedDate": tequio_store::now(),
        "publisher": {"name": "Tequio"},
        "license": "https://datos.gob.mx/libreusomx",
        "publicationPolicy": format!("{base_url}/marco"),
        "releases": releases,
    }))
}
