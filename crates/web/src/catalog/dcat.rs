//! The catalogue in the formats harvesters and validators read: DCAT-AP 3 (Turtle and
//! JSON-LD, from one RDF graph), DCAT-US 1.1 `data.json` (non-federal profile) and
//! Frictionless Data Packages. Every value carries the type the DCAT-AP shapes ask for
//! (`dct:format` a `dct:MediaTypeOrExtent`, `dcat:accessURL` an `rdfs:Resource`, dates as
//! `xsd:dateTime`…), so the output conforms to the official SHACL shapes.

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, Graph, Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use serde_json::{Value as Json, json};
use tequio_domain::catalog::{FileFormat, Frequency, Licence};
use tequio_store::catalog::{Dataset, Group, Resource};

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const SPDX: &str = "http://spdx.org/rdf/terms#";
const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
const EU_FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
const EU_LANGUAGE: &str = "http://publications.europa.eu/resource/authority/language/SPA";

/// The prefixes written at the top of the Turtle and in the JSON-LD context.
const PREFIXES: &[(&str, &str)] = &[
    ("dcat", DCAT),
    ("dct", DCT),
    ("foaf", FOAF),
    ("vcard", VCARD),
    ("skos", SKOS),
    ("spdx", SPDX),
    ("rdfs", RDFS),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

/// Everything the catalogue's documents need beyond the datasets.
pub struct Site<'a> {
    /// `https://datos.example.mx`, without a trailing slash.
    pub base_url: &'a str,
    pub groups: &'a [Group],
}

/// Builds a graph triple by triple, with the terms the DCAT-AP shapes expect.
struct Builder {
    graph: Graph,
    ok: bool,
}

fn iri(s: &str) -> Option<NamedNode> {
    NamedNode::new(s).ok()
}

impl Builder {
    fn new() -> Builder {
        Builder {
            graph: Graph::new(),
            ok: true,
        }
    }

    fn add(&mut self, s: impl Into<NamedOrBlankNode>, p: &str, o: impl Into<Term>) {
        match iri(p) {
            Some(p) => {
                self.graph.insert(&Triple::new(s, p, o));
            }
            None => self.ok = false,
        }
    }

    fn typed(&mut self, s: impl Into<NamedOrBlankNode> + Clone, class: &str) {
        match iri(class) {
            Some(c) => {
                self.graph.insert(&Triple::new(s, rdf::TYPE, c));
            }
            None => self.ok = false,
        }
    }

    fn text(&mut self, s: impl Into<NamedOrBlankNode>, p: &str, value: &str) {
        if let Ok(l) = Literal::new_language_tagged_literal(value, "es") {
            self.add(s, p, l);
        }
    }

    fn dated(&mut self, s: impl Into<NamedOrBlankNode>, p: &str, value: &str, datatype: NamedNode) {
        self.add(s, p, Literal::new_typed_literal(value, datatype));
    }

    /// A link to a web page or file, typed as the shapes ask.
    fn link(&mut self, s: impl Into<NamedOrBlankNode>, p: &str, url: &str, class: &str) {
        if let Some(node) = iri(url) {
            self.add(s, p, node.clone());
            self.typed(node, class);
        }
    }
}

/// The dataset as an RDF resource; its page (without the fragment) is its landing page.
fn dataset_iri(site: &Site<'_>, d: &Dataset) -> String {
    format!("{}/datos/{}#dataset", site.base_url, d.name)
}

fn dataset_page(site: &Site<'_>, d: &Dataset) -> String {
    format!("{}/datos/{}", site.base_url, d.name)
}

fn resource_page(site: &Site<'_>, d: &Dataset, r: &Resource) -> String {
    format!("{}/datos/{}/recursos/{}", site.base_url, d.name, r.id)
}

/// Where a resource's content can be downloaded: its file, or the link it is.
/// Links inside Tequio (an obligation's publications) are stored as paths and made absolute.
pub fn download_url(base_url: &str, d: &Dataset, r: &Resource) -> String {
    if r.file_key.is_some() {
        format!("{base_url}/datos/{}/recursos/{}/archivo", d.name, r.id)
    } else if r.url.starts_with('/') {
        format!("{base_url}{}", r.url)
    } else {
        r.url.clone()
    }
}

/// A dataset as a `dcat:Dataset` with its themes, publisher, contact, coverage and
/// distributions.
fn add_dataset(b: &mut Builder, site: &Site<'_>, d: &Dataset) -> NamedNode {
    let dcat = |t: &str| format!("{DCAT}{t}");
    let dct = |t: &str| format!("{DCT}{t}");
    let Some(node) = iri(&dataset_iri(site, d)) else {
        b.ok = false;
        return NamedNode::new_unchecked(format!("{}/datos", site.base_url));
    };
    b.typed(node.clone(), &dcat("Dataset"));
    b.add(
        node.clone(),
        &dct("identifier"),
        Literal::new_simple_literal(&d.name),
    );
    b.text(node.clone(), &dct("title"), &d.title);
    // The description is mandatory in DCAT-AP; a dataset without one is described by its title.
    let description = if d.notes.trim().is_empty() {
        &d.title
    } else {
        &d.notes
    };
    b.text(node.clone(), &dct("description"), description);
    for t in &d.tags {
        b.text(node.clone(), &dcat("keyword"), t);
    }
    add_themes_publisher_contact(b, site, d, &node);
    if let Some(f) = Frequency::parse(&d.frequency) {
        b.link(
            node.clone(),
            &dct("accrualPeriodicity"),
            &f.eu_uri(),
            &dct("Frequency"),
        );
    }
    add_coverage(b, d, &node);
    if !d.landing_page.is_empty() {
        b.link(
            node.clone(),
            &dcat("landingPage"),
            &d.landing_page,
            &format!("{FOAF}Document"),
        );
    } else {
        b.link(
            node.clone(),
            &dcat("landingPage"),
            &dataset_page(site, d),
            &format!("{FOAF}Document"),
        );
    }
    if !d.version.is_empty() {
        b.add(
            node.clone(),
            &dcat("version"),
            Literal::new_simple_literal(&d.version),
        );
    }
    b.link(
        node.clone(),
        &dct("language"),
        EU_LANGUAGE,
        &dct("LinguisticSystem"),
    );
    b.dated(
        node.clone(),
        &dct("issued"),
        &d.created_at,
        xsd::DATE_TIME.into_owned(),
    );
    b.dated(
        node.clone(),
        &dct("modified"),
        &d.updated_at,
        xsd::DATE_TIME.into_owned(),
    );
    let licence = Licence::find(&d.licence_id);
    for r in &d.resources {
        add_distribution(b, site, d, r, licence, &node);
    }
    node
}

/// The dataset's themes (SKOS concepts), its publisher (the subject) and its contact point.
fn add_themes_publisher_contact(b: &mut Builder, site: &Site<'_>, d: &Dataset, node: &NamedNode) {
    let dcat = |t: &str| format!("{DCAT}{t}");
    let dct = |t: &str| format!("{DCT}{t}");
    for (name, title) in &d.groups {
        let concept = format!("{}/datos/temas#{name}", site.base_url);
        if let Some(c) = iri(&concept) {
            b.add(node.clone(), &dcat("theme"), c.clone());
            b.typed(c.clone(), &format!("{SKOS}Concept"));
            b.text(c.clone(), &format!("{SKOS}prefLabel"), title);
            if let Some(scheme) = iri(&format!("{}/datos/temas", site.base_url)) {
                b.add(c, &format!("{SKOS}inScheme"), scheme);
            }
        }
    }
    let publisher = format!("{}/sujetos/{}", site.base_url, d.subject_id);
    if let Some(p) = iri(&publisher) {
        b.add(node.clone(), &dct("publisher"), p.clone());
        b.typed(p.clone(), &format!("{FOAF}Agent"));
        b.text(p, &format!("{FOAF}name"), &d.subject_name);
    }
    if !d.contact_name.is_empty() || !d.contact_email.is_empty() {
        let contact = BlankNode::default();
        b.add(node.clone(), &dcat("contactPoint"), contact.clone());
        b.typed(contact.clone(), &format!("{VCARD}Kind"));
        let name = if d.contact_name.is_empty() {
            &d.subject_name
        } else {
            &d.contact_name
        };
        b.add(
            contact.clone(),
            &format!("{VCARD}fn"),
            Literal::new_simple_literal(name),
        );
        if !d.contact_email.is_empty()
            && let Some(mail) = iri(&format!("mailto:{}", d.contact_email))
        {
            b.add(contact, &format!("{VCARD}hasEmail"), mail);
        }
    }
}

/// The period and place the dataset covers.
fn add_coverage(b: &mut Builder, d: &Dataset, node: &NamedNode) {
    let dcat = |t: &str| format!("{DCAT}{t}");
    let dct = |t: &str| format!("{DCT}{t}");
    if !d.temporal_start.is_empty() || !d.temporal_end.is_empty() {
        let period = BlankNode::default();
        b.add(node.clone(), &dct("temporal"), period.clone());
        b.typed(period.clone(), &dct("PeriodOfTime"));
        if !d.temporal_start.is_empty() {
            b.dated(
                period.clone(),
                &dcat("startDate"),
                &d.temporal_start,
                xsd::DATE.into_owned(),
            );
        }
        if !d.temporal_end.is_empty() {
            b.dated(
                period,
                &dcat("endDate"),
                &d.temporal_end,
                xsd::DATE.into_owned(),
            );
        }
    }
    if !d.spatial.is_empty() {
        let place = BlankNode::default();
        b.add(node.clone(), &dct("spatial"), place.clone());
        b.typed(place.clone(), &dct("Location"));
        b.text(place, &format!("{SKOS}prefLabel"), &d.spatial);
    }
}

/// One resource as a `dcat:Distribution` of the dataset: links, format, licence, size and
/// checksum.
fn add_distribution(
    b: &mut Builder,
    site: &Site<'_>,
    d: &Dataset,
    r: &Resource,
    licence: Option<&Licence>,
    node: &NamedNode,
) {
    let dcat = |t: &str| format!("{DCAT}{t}");
    let dct = |t: &str| format!("{DCT}{t}");
    let Some(dist) = iri(&format!("{}#distribucion", resource_page(site, d, r))) else {
        return;
    };
    b.add(node.clone(), &dcat("distribution"), dist.clone());
    b.typed(dist.clone(), &dcat("Distribution"));
    b.text(dist.clone(), &dct("title"), &r.name);
    if !r.description.is_empty() {
        b.text(dist.clone(), &dct("description"), &r.description);
    }
    b.link(
        dist.clone(),
        &dcat("accessURL"),
        &resource_page(site, d, r),
        &format!("{RDFS}Resource"),
    );
    let download = download_url(site.base_url, d, r);
    b.link(
        dist.clone(),
        &dcat("downloadURL"),
        &download,
        &format!("{RDFS}Resource"),
    );
    if let Some(f) = FileFormat::from_extension(&r.format) {
        b.link(
            dist.clone(),
            &dct("format"),
            &format!("{EU_FILE_TYPE}{}", eu_file_type(f.label)),
            &dct("MediaTypeOrExtent"),
        );
    }
    if !r.media_type.is_empty() {
        b.link(
            dist.clone(),
            &dcat("mediaType"),
            &format!(
                "https://www.iana.org/assignments/media-types/{}",
                r.media_type
            ),
            &dct("MediaType"),
        );
    }
    if let Some(l) = licence {
        b.link(
            dist.clone(),
            &dct("license"),
            l.url,
            &dct("LicenseDocument"),
        );
    }
    if let Some(size) = r.size {
        b.dated(
            dist.clone(),
            &dcat("byteSize"),
            &size.to_string(),
            xsd::NON_NEGATIVE_INTEGER.into_owned(),
        );
    }
    if let Some(hash) = &r.sha256 {
        let sum = BlankNode::default();
        b.add(dist.clone(), &format!("{SPDX}checksum"), sum.clone());
        b.typed(sum.clone(), &format!("{SPDX}Checksum"));
        b.link(
            sum.clone(),
            &format!("{SPDX}algorithm"),
            &format!("{SPDX}checksumAlgorithm_sha256"),
            &format!("{SPDX}ChecksumAlgorithm"),
        );
        b.dated(
            sum,
            &format!("{SPDX}checksumValue"),
            hash,
            xsd::HEX_BINARY.into_owned(),
        );
    }
    b.dated(
        dist,
        &dct("modified"),
        &r.updated_at,
        xsd::DATE_TIME.into_owned(),
    );
}

/// The EU file-type authority code of a format label.
fn eu_file_type(label: &str) -> &str {
    match label {
        "GeoJSON" => "GEOJSON",
        "TXT" => "TXT",
        "BIN" => "BIN",
        other => other,
    }
}

/// The DCAT-AP graph of the whole catalogue, or of one dataset (`only`).
pub fn dcat_graph(site: &Site<'_>, datasets: &[Dataset], whole_catalogue: bool) -> Graph {
    let mut b = Builder::new();
    let dct = |t: &str| format!("{DCT}{t}");
    let catalog_iri = format!("{}/catalog", site.base_url);
    let catalog = iri(&catalog_iri);
    if whole_catalogue && let Some(c) = &catalog {
        b.typed(c.clone(), &format!("{DCAT}Catalog"));
        b.text(c.clone(), &dct("title"), "Tequio: datos abiertos");
        b.text(
            c.clone(),
            &dct("description"),
            "Conjuntos de datos abiertos y obligaciones de transparencia publicados por los sujetos obligados.",
        );
        let publisher = format!("{}/#plataforma", site.base_url);
        if let Some(p) = iri(&publisher) {
            b.add(c.clone(), &dct("publisher"), p.clone());
            b.typed(p.clone(), &format!("{FOAF}Agent"));
            b.text(p, &format!("{FOAF}name"), "Tequio");
        }
        b.link(
            c.clone(),
            &format!("{FOAF}homepage"),
            &format!("{}/datos", site.base_url),
            &format!("{FOAF}Document"),
        );
        b.link(
            c.clone(),
            &dct("language"),
            EU_LANGUAGE,
            &dct("LinguisticSystem"),
        );
        if let Some(scheme) = iri(&format!("{}/datos/temas", site.base_url)) {
            b.add(c.clone(), &format!("{DCAT}themeTaxonomy"), scheme.clone());
            b.typed(scheme.clone(), &format!("{SKOS}ConceptScheme"));
            b.text(scheme, &dct("title"), "Temas del catálogo");
        }
        if let Some(latest) = datasets.iter().map(|d| d.updated_at.as_str()).max() {
            b.dated(
                c.clone(),
                &dct("modified"),
                latest,
                xsd::DATE_TIME.into_owned(),
            );
        }
    }
    for d in datasets {
        let node = add_dataset(&mut b, site, d);
        if whole_catalogue && let Some(c) = &catalog {
            b.add(c.clone(), &format!("{DCAT}dataset"), node);
        }
    }
    let _ = site.groups;
    if !b.ok {
        tracing::warn!("some catalogue terms were not valid IRIs and were left out");
    }
    b.graph
}

/// A graph as Turtle, with readable prefixes.
pub fn to_turtle(graph: &Graph) -> anyhow::Result<Vec<u8>> {
    let mut serializer = oxttl::TurtleSerializer::new();
    for (name, iri) in PREFIXES {
        serializer = serializer.with_prefix(*name, *iri)?;
    }
    let mut writer = serializer.for_writer(Vec::new());
    for t in graph {
        writer.serialize_triple(t)?;
    }
    Ok(writer.finish()?)
}

/// A graph as JSON-LD (expanded triples with a context of the same prefixes).
pub fn to_jsonld(graph: &Graph) -> anyhow::Result<Vec<u8>> {
    let mut serializer = oxjsonld::JsonLdSerializer::new();
    for (name, iri) in PREFIXES {
        serializer = serializer.with_prefix(*name, *iri)?;
    }
    let mut writer = serializer.for_writer(Vec::new());
    for t in graph {
        writer.serialize_quad(t.in_graph(oxrdf::GraphNameRef::DefaultGraph))?;
    }
    Ok(writer.finish()?)
}

// ---------------------------------------------------------------------------------------------
// DCAT-US 1.1 (data.json)

/// The catalogue as DCAT-US 1.1 `data.json`, the non-federal profile (no bureau or program
/// codes) that harvesters such as CKAN's `ckanext-datajson` read.
pub fn data_json(site: &Site<'_>, datasets: &[Dataset]) -> Json {
    let list: Vec<Json> = datasets
        .iter()
        .map(|d| {
            let licence = Licence::find(&d.licence_id);
            let mut keywords = d.tags.clone();
            if keywords.is_empty() {
                keywords = d.groups.iter().map(|(_, t)| t.clone()).collect();
            }
            if keywords.is_empty() {
                keywords.push(d.subject_name.clone());
            }
            let mut contact = json!({
                "@type": "vcard:Contact",
                "fn": if d.contact_name.is_empty() { d.subject_name.clone() } else { d.contact_name.clone() },
            });
            if !d.contact_email.is_empty() {
                contact["hasEmail"] = json!(format!("mailto:{}", d.contact_email));
            }
            let mut out = json!({
                "@type": "dcat:Dataset",
                "identifier": dataset_page(site, d),
                "title": d.title,
                "description": if d.notes.is_empty() { d.title.clone() } else { d.notes.clone() },
                "keyword": keywords,
                "modified": d.updated_at,
                "issued": d.created_at,
                "publisher": {"@type": "org:Organization", "name": d.subject_name},
                "contactPoint": contact,
                "accessLevel": "public",
                "landingPage": if d.landing_page.is_empty() { dataset_page(site, d) } else { d.landing_page.clone() },
                "language": ["es-MX"],
                "theme": d.groups.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>(),
                "distribution": d.resources.iter().map(|r| {
                    let mut dist = json!({
                        "@type": "dcat:Distribution",
                        "title": r.name,
                        "downloadURL": download_url(site.base_url, d, r),
                    });
                    if !r.media_type.is_empty() { dist["mediaType"] = json!(r.media_type); }
                    if !r.format.is_empty() { dist["format"] = json!(r.format); }
                    if !r.description.is_empty() { dist["description"] = json!(r.description); }
                    dist
                }).collect::<Vec<_>>(),
            });
            if let Some(l) = licence {
                out["license"] = json!(l.url);
            }
            if let Some(f) = Frequency::parse(&d.frequency) {
                out["accrualPeriodicity"] = json!(f.iso8601());
            }
            if !d.temporal_start.is_empty() && !d.temporal_end.is_empty() {
                out["temporal"] = json!(format!("{}/{}", d.temporal_start, d.temporal_end));
            }
            if !d.spatial.is_empty() {
                out["spatial"] = json!(d.spatial);
            }
            out
        })
        .collect();
    json!({
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@id": format!("{}/data.json", site.base_url),
        "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
        "dataset": list,
    })
}

// ---------------------------------------------------------------------------------------------
// Frictionless Data Package

/// A name that fits the Data Package pattern `^[-a-z0-9._/]+$`.
fn package_name(s: &str) -> String {
    let slug = tequio_domain::text::slugify(s);
    if slug.is_empty() {
        "recurso".into()
    } else {
        slug
    }
}

/// A dataset as a Data Package (v1 profiles). Tabular resources point at their rows as the
/// datastore serves them (UTF-8 CSV matching the schema exactly); the original file is named
/// in `sources`. Other resources point at their file or link.
pub fn datapackage(base_url: &str, d: &Dataset) -> Json {
    let mut names: Vec<String> = Vec::new();
    let resources: Vec<Json> = d
        .resources
        .iter()
        .map(|r| {
            let mut name = package_name(&r.name);
            if names.contains(&name) {
                name = format!("{name}-{}", r.id);
            }
            names.push(name.clone());
            let original = download_url(base_url, d, r);
            match (&r.schema, r.in_datastore()) {
                (Some(schema), true) => json!({
                    "name": name,
                    "title": r.name,
                    "description": r.description,
                    "profile": "tabular-data-resource",
                    "path": format!("{base_url}/datos/{}/recursos/{}/datos.csv", d.name, r.id),
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "schema": {"fields": schema.fields.iter().map(|f| {
                        let mut field = json!({"name": f.name, "type": f.field_type.as_str()});
                        if !f.title.is_empty() { field["title"] = json!(f.title); }
                        if !f.description.is_empty() { field["description"] = json!(f.description); }
                        field
                    }).collect::<Vec<_>>()},
                    "sources": [{"title": r.file_name.clone().unwrap_or_else(|| r.name.clone()), "path": original}],
                }),
                _ => {
                    let mut res = json!({
                        "name": name,
                        "title": r.name,
                        "description": r.description,
                        "profile": "data-resource",
                        "path": original,
                    });
                    if !r.format.is_empty() { res["format"] = json!(r.format.to_lowercase()); }
                    if !r.media_type.is_empty() { res["mediatype"] = json!(r.media_type); }
                    if let Some(size) = r.size { res["bytes"] = json!(size); }
                    if let Some(h) = &r.sha256 { res["hash"] = json!(format!("sha256:{h}")); }
                    res
                }
            }
        })
        .collect();
    let all_tabular = !d.resources.is_empty() && d.resources.iter().all(Resource::in_datastore);
    let licence = Licence::find(&d.licence_id);
    let mut package = json!({
        "profile": if all_tabular { "tabular-data-package" } else { "data-package" },
        "name": package_name(&d.name),
        "id": format!("{base_url}/datos/{}", d.name),
        "title": d.title,
        "description": d.notes,
        "homepage": format!("{base_url}/datos/{}", d.name),
        "keywords": d.tags,
        "created": d.created_at,
        "contributors": [{"title": d.subject_name, "role": "publisher"}],
        "resources": resources,
    });
    if let Some(l) = licence {
        package["licenses"] = json!([{"name": l.id, "path": l.url, "title": l.title}]);
    }
    if !d.version.is_empty() {
        package["version"] = json!(d.version);
    }
    package
}
