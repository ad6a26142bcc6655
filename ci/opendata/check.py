"""The open-data faces of a running Tequio, checked by the tools people use with them.

Usage: python check.py BASE_URL SHARED_CONFORMANCE_DIR

- ckanapi (the CKAN client): package_search with a facet, `search datasets` (which pages
  until an empty page, so it must end by itself), and `dump datasets --all` with data
  packages; all must succeed and return what the catalogue holds.
- pyshacl with the official DCAT-AP 3.0.1 shapes and ranges: the Turtle and the JSON-LD
  catalogue, and one dataset's own document, must conform.
- frictionless validate on each dataset's datapackage.json (which also reads every tabular
  resource and checks its rows against its schema), plus a JSON Schema check against the
  official Data Package profile.
- libcoveocds on the OCDS release package of procurement results: no validation errors.

Exits non-zero at the first failure, saying what failed.
"""

import json
import os
import subprocess
import sys
import tempfile
import urllib.request

BASE = sys.argv[1].rstrip("/")
CONFORMANCE = os.path.abspath(sys.argv[2])
BIN = os.path.dirname(sys.executable)


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def get_json(path):
    with urllib.request.urlopen(BASE + path) as r:
        return json.load(r)


def get_bytes(path):
    with urllib.request.urlopen(BASE + path) as r:
        return r.read()


def run(args, **kw):
    env = dict(os.environ)
    # ckanapi's dump starts worker processes named `ckanapi` from PATH.
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env, **kw)
    if result.returncode != 0:
        fail(f"{' '.join(args)} exited with {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# ---------------------------------------------------------------------------------------------
# A subject editor publishes a CSV through the web, as a person would.
EDITOR = os.environ.get("TEQUIO_EDITOR_EMAIL")
if EDITOR:
    import time
    import requests

    print("== an editor uploads a CSV through the web")
    web = requests.Session()
    web.headers["Origin"] = BASE
    r = web.post(BASE + "/entrar", data={"email": EDITOR, "password": os.environ["TEQUIO_EDITOR_PASSWORD"]}, allow_redirects=False)
    if r.status_code != 303:
        fail(f"log-in of {EDITOR}: {r.status_code}")
    subject = get_json("/api/3/action/package_show?id=presupuesto-egresos-2025")["result"]["owner_org"]
    r = web.post(BASE + f"/sujetos/{subject}/datos/nuevo", data={
        "title": "Padrón de proveedores CI", "notes": "Subido por la prueba de CI.", "tags": "proveedores, compras",
        "license_id": "cc-by-4.0", "frequency": "monthly"}, allow_redirects=False)
    if r.status_code != 303:
        fail(f"creating a dataset: {r.status_code} {r.text[:500]}")
    csv = "rfc,razon_social,municipio,monto\nAAA010101AAA,Papelería Juárez,Oaxaca de Juárez,1200.50\nBBB020202BBB,Ferretería Mitla,Mitla,830\nCCC030303CCC,Textiles del Valle,Oaxaca de Juárez,5400\n"
    r = web.post(BASE + "/datos/padron-de-proveedores-ci/recursos/nuevo",
                 files={"file": ("proveedores.csv", csv.encode("utf-8"), "text/csv")}, data={"name": "Proveedores"}, allow_redirects=False)
    if r.status_code != 303:
        fail(f"uploading a CSV: {r.status_code} {r.text[:500]}")
    resource_page = r.headers["location"]
    rid = resource_page.rsplit("/", 1)[1]
    for _ in range(100):
        if get_json(f"/api/3/action/resource_show?id={rid}")["result"]["datastore_active"]:
            break
        time.sleep(0.2)
    else:
        fail("the uploaded CSV was not loaded into the datastore")
    page = requests.get(BASE + resource_page, params={"f_municipio": "Oaxaca de Juárez", "orden": "-monto"}).text
    if "2 registros" not in page or page.find("Textiles del Valle") > page.find("Papelería Juárez"):
        fail("the public preview does not filter and sort the uploaded rows")
    download = requests.get(BASE + resource_page + "/datos.csv", params={"f_municipio": "Mitla"}).text
    if download != "rfc,razon_social,municipio,monto\nBBB020202BBB,Ferretería Mitla,Mitla,830\n":
        fail(f"the filtered download is not right: {download!r}")
    out = run([f"{BIN}/ckanapi", "action", "package_show", "-r", BASE, "id=padron-de-proveedores-ci"])
    if json.loads(out)["resources"][0]["datastore_active"] is not True:
        fail("ckanapi does not see the uploaded resource in the datastore")
    out = run([f"{BIN}/ckanapi", "action", "datastore_search", "-r", BASE, f"resource_id={rid}", 'filters:{"municipio": "Mitla"}'])
    if [r["razon_social"] for r in json.loads(out)["records"]] != ["Ferretería Mitla"]:
        fail(f"ckanapi datastore_search on the upload: {out[:500]}")
    print("uploaded, loaded, previewed with a filter, downloaded, and seen by ckanapi")

# ---------------------------------------------------------------------------------------------
print("== ckanapi")
names = get_json("/api/3/action/package_list")["result"]
if not names:
    fail("the catalogue is empty: the demo should hold datasets")
out = run([f"{BIN}/ckanapi", "action", "package_search", "-r", BASE, "q=presupuesto", 'facet.field:["tags"]'])
result = json.loads(out)
if result["count"] < 1 or not result["results"]:
    fail(f"package_search q=presupuesto found nothing: {out[:500]}")
if "presupuesto" not in result["facets"].get("tags", {}):
    fail(f"package_search did not return the tags facet: {result['facets']}")
print(f"package_search q=presupuesto: {result['count']} dataset(s), tags facet {result['facets']['tags']}")

out = run([f"{BIN}/ckanapi", "search", "datasets", "-r", BASE, "q=*:*"])
found = [json.loads(line)["name"] for line in out.splitlines() if line.strip()]
if sorted(found) != sorted(names):
    fail(f"search datasets returned {sorted(found)}, the catalogue holds {sorted(names)}")
print(f"search datasets: {len(found)} dataset(s), ended by itself")

with tempfile.TemporaryDirectory() as tmp:
    dump = os.path.join(tmp, "dump.jsonl")
    packages = os.path.join(tmp, "packages")
    os.mkdir(packages)
    run([f"{BIN}/ckanapi", "dump", "datasets", "--all", "-d", "-r", BASE, "-O", dump, "-p", "2"])
    with open(dump) as f:
        dumped = [json.loads(line) for line in f if line.strip()]
    if sorted(d["name"] for d in dumped) != sorted(names):
        fail(f"dump returned {[d['name'] for d in dumped]}, the catalogue holds {names}")
    for d in dumped:
        for r in d["resources"]:
            if r.get("datastore_active") and not r.get("datastore_fields"):
                fail(f"dump -d gave no datastore fields for resource {r['id']} of {d['name']}")
    # And as data packages, downloading every file.
    run([f"{BIN}/ckanapi", "dump", "datasets", "--all", "-r", BASE, "-D", packages, "-p", "2"])
    for d in dumped:
        folder = os.path.join(packages, d["name"])
        if not os.path.isfile(os.path.join(folder, "datapackage.json")):
            fail(f"dump -D wrote no datapackage.json for {d['name']}")
        if any(r.get("url_type") == "upload" for r in d["resources"]):
            data = os.path.join(folder, "data")
            if not os.path.isdir(data) or not os.listdir(data):
                fail(f"dump -D downloaded no file of {d['name']}")
    print(f"dump datasets --all -d: {len(dumped)} dataset(s) with their files")

# ---------------------------------------------------------------------------------------------
print("== pyshacl, DCAT-AP 3.0.1")
import pyshacl  # noqa: E402
import rdflib  # noqa: E402

shapes = rdflib.Graph()
shapes.parse(os.path.join(CONFORMANCE, "dcat-ap", "dcat-ap-3.0.1-SHACL.ttl"), format="turtle")
shapes.parse(os.path.join(CONFORMANCE, "dcat-ap", "dcat-ap-3.0.1-ranges.ttl"), format="turtle")
# The official ranges file lists five property shapes that neither file defines (no path, no
# constraint); pyshacl refuses such a shape as malformed. Dropping the dangling links removes
# no constraint at all.
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
dangling = [(s, o) for s, o in shapes.subject_objects(SH.property) if (o, SH.path, None) not in shapes]
for s, o in dangling:
    shapes.remove((s, SH.property, o))
print(f"shapes: {len(shapes)} triples ({len(dangling)} dangling property links of the official files dropped)")


def shacl(path, fmt):
    data = rdflib.Graph()
    data.parse(data=get_bytes(path), format=fmt)
    if len(data) == 0:
        fail(f"{path} holds no triples")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    if not conforms:
        fail(f"{path} does not conform to DCAT-AP 3.0.1:\n{text}")
    return data


turtle = shacl("/catalog.ttl", "turtle")
jsonld = shacl("/catalog.jsonld", "json-ld")
if len(turtle) != len(jsonld):
    fail(f"the Turtle ({len(turtle)} triples) and JSON-LD ({len(jsonld)}) catalogues differ")
datasets = set(turtle.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")))
if len(datasets) < len(names):
    fail(f"the DCAT catalogue lists {len(datasets)} datasets, the catalogue holds {len(names)}")
shacl(f"/datos/{names[0]}/dcat.ttl", "turtle")
print(f"catalog.ttl and catalog.jsonld conform: {len(turtle)} triples, {len(datasets)} datasets")

data_json = get_json("/data.json")
if len(data_json["dataset"]) < len(names):
    fail("data.json lists fewer datasets than the catalogue")
for d in data_json["dataset"]:
    for key in ["title", "description", "keyword", "modified", "publisher", "contactPoint", "identifier", "accessLevel"]:
        if not d.get(key):
            fail(f"data.json: {d.get('identifier')} has no {key} (required by DCAT-US 1.1)")
print(f"data.json: {len(data_json['dataset'])} datasets with every required field")

# ---------------------------------------------------------------------------------------------
print("== frictionless, Data Package")
import jsonschema  # noqa: E402

with open(os.path.join(CONFORMANCE, "datapackage", "1.0", "datapackage.json")) as f:
    profile = json.load(f)
checked = 0
obligation_checked = False
for name in names:
    package = get_json(f"/api/3/action/package_show?id={name}")["result"]
    if not package["resources"]:
        continue
    # Every uploaded dataset, and one of the (many, alike) transparency obligations' datasets.
    if any(e["key"] == "transparency_obligation_id" for e in package["extras"]):
        if obligation_checked:
            continue
        obligation_checked = True
    descriptor = get_json(f"/datos/{name}/datapackage.json")
    try:
        jsonschema.validate(descriptor, profile)
    except jsonschema.ValidationError as e:
        fail(f"{name}/datapackage.json against the Data Package profile: {e.message}")
    out = run([f"{BIN}/frictionless", "validate", "--json", BASE + f"/datos/{name}/datapackage.json"], cwd=tempfile.gettempdir())
    report = json.loads(out)
    if not report.get("valid"):
        fail(f"frictionless validate {name}: {json.dumps(report, ensure_ascii=False)[:3000]}")
    checked += 1
if checked == 0:
    fail("no dataset had resources to validate as a Data Package")
print(f"{checked} data packages valid (descriptors and rows)")

# ---------------------------------------------------------------------------------------------
if os.environ.get("TEQUIO_CHECK_OCDS", "1") == "1":
    print("== libcoveocds, OCDS 1.1")
    with tempfile.TemporaryDirectory() as tmp:
        package_path = os.path.join(tmp, "ocds.json")
        with open(package_path, "wb") as f:
            f.write(get_bytes("/contrataciones/ocds.json"))
        with open(package_path) as f:
            releases = json.load(f)["releases"]
        if not releases:
            fail("the OCDS release package holds no releases")
        out = run([f"{BIN}/libcoveocds", "--standard-zip", os.path.join(CONFORMANCE, "ocds", "standard-1__1__5.zip"), "-s", "1.1", package_path], cwd=tmp)
        report = json.loads(out)
        errors = report.get("validation_errors")
        if errors:
            fail(f"libcoveocds found validation errors: {json.dumps(errors, ensure_ascii=False)[:3000]}")
        if report.get("validation_errors") is None and "validation_errors" not in report:
            fail(f"libcoveocds gave no validation report: {out[:1000]}")
        print(f"OCDS release package: {len(releases)} releases, no validation errors")

print("open-data checks passed")

# ---------------------------------------------------------------------------------------------
print("== sitemaps.org schemas: /sitemap.xml and every file it names")
from lxml import etree  # noqa: E402  (installed with the validators above)

def schema(name):
    return etree.XMLSchema(etree.parse(os.path.join(CONFORMANCE, "sitemaps", name)))

index_schema, urlset_schema = schema("siteindex.xsd"), schema("sitemap.xsd")
index = etree.fromstring(get_bytes("/sitemap.xml"))
if not index_schema.validate(index):
    fail(f"/sitemap.xml against siteindex.xsd: {index_schema.error_log}")
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
parts = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
addresses = 0
for part in parts:
    path = part[part.index("/sitemaps/"):]
    doc = etree.fromstring(get_bytes(path))
    if not urlset_schema.validate(doc):
        fail(f"{path} against sitemap.xsd: {urlset_schema.error_log}")
    addresses += len(doc.findall("s:url", NS))
if addresses == 0:
    fail("the sitemap lists no address")
print(f"{len(parts)} sitemap files valid, {addresses} addresses")
