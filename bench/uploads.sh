#!/usr/bin/env bash
# The server's memory while it takes uploads, measured in one run against its own idle
# memory: a million-row CSV resource uploaded through the web and loaded by the background
# worker, then the hardening issue's four size bombs (refused). For each: how long the
# answer took, the resident memory at its peak and after, as MB and as a ratio to the idle
# server's. Page cache off (uploads are signed in anyway).
# Usage: bench/uploads.sh [rows]   (default 1000000; TEQUIO_BENCH_NO_BUILD=1 reuses the binary,
# TEQUIO_BENCH_BIN names another)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
[ "${TEQUIO_BENCH_NO_BUILD:-}" = 1 ] || cargo build --release --bin tequio
bin=${TEQUIO_BENCH_BIN:-./target/release/tequio}
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "== making the files"
python3 - "$rows" "$work" <<'EOF'
import csv, random, sys, zipfile, zlib
rows, work = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(2026)
with open(f"{work}/apoyos.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["folio", "municipio", "programa", "monto", "fecha", "localidad"])
    for i in range(1, rows + 1):
        w.writerow([i, rnd.choice(["Oaxaca de Juárez", "Tlacolula", "Juchitán", "Etla"]),
                    rnd.choice(["Becas", "Vivienda", "Salud"]), round(rnd.uniform(500, 25000), 2),
                    f"2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", f"Localidad {rnd.randint(1, 4000)}"])

HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
TITLES = '<row r="1"><c r="A1" t="inlineStr"><is><t>Ejercicio</t></is></c><c r="B1" t="inlineStr"><is><t>Nombre</t></is></c></row>'
def workbook(path, sheet_parts, shared=None):
    """A one-sheet workbook; parts are written piece by piece (a GiB costs no memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Información" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        for name, parts in [("xl/worksheets/sheet1.xml", sheet_parts), ("xl/sharedStrings.xml", shared)]:
            if parts is None:
                continue
            with z.open(name, "w", force_zip64=True) as out:
                for piece in parts:
                    out.write(piece.encode())

def repeat(unit, times, block=1 << 16):
    big = unit * block
    for _ in range(times // block):
        yield big
    yield unit * (times % block)

def cell_at(address):
    row = "".join(ch for ch in address if ch.isdigit())
    return [HEAD, f'<dimension ref="A1:{address}"/><sheetData>', TITLES, f'<row r="{row}"><c r="{address}"><v>1</v></c></row></sheetData></worksheet>']

workbook(f"{work}/celda-XFD1048576.xlsx", cell_at("XFD1048576"))
workbook(f"{work}/celda-ALL100000.xlsx", cell_at("ALL100000"))
workbook(f"{work}/celda-1GiB.xlsx",
         [HEAD, "<sheetData>", TITLES, '<row r="2"><c r="A2"><v>2025</v></c><c r="B2" t="s"><v>0</v></c></row></sheetData></worksheet>'],
         iter(['<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>', *repeat("a", 1 << 30), "</t></si></sst>"]))
workbook(f"{work}/diez-millones-de-filas.xlsx",
         iter([HEAD, "<sheetData>", TITLES, *repeat('<row><c><v>2025</v></c><c t="inlineStr"><is><t>Ana</t></is></c></row>', 10_000_000), "</sheetData></worksheet>"]))
EOF
ls -l "$work"/*.csv "$work"/*.xlsx | awk '{printf "  %-28s %8.1f MB\n", $NF, $5 / 1048576}' | sed "s|$work/||"

"$bin" --data-dir "$work/data" demo > "$work/demo.txt"
password=$(awk '/^  transparencia.finanzas@tequio.demo/ {print $3}' "$work/demo.txt")
port=18193
base="http://127.0.0.1:$port"
TEQUIO_LOG=error TEQUIO_PAGE_CACHE=off "$bin" --data-dir "$work/data" serve --bind "127.0.0.1:$port" > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs "$base/healthz" > /dev/null && break; sleep 0.2; done
curl -fs -c "$work/jar" -b "$work/jar" -H "Origin: $base" -o /dev/null \
  --data-urlencode "email=transparencia.finanzas@tequio.demo" --data-urlencode "password=$password" "$base/entrar"
# Warm up: a few pages, so the idle figure is of a server that has served.
for _ in $(seq 1 20); do curl -fs -o /dev/null "$base/datos/presupuesto-egresos-2025"; done

rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
idle=$(rss)
awk -v kb="$idle" 'BEGIN { printf "\nidle server: %.1f MB\n\n", kb / 1024 }' 
printf '| upload | answer | seconds | peak MB | peak ÷ idle | after MB | after ÷ idle |\n|---|---|---|---|---|---|---|\n'

# Uploads a file as a resource and samples the resident memory until the answer and, for an
# accepted CSV, until its load is done; the "after" figure is read 5 s later.
measure() {
  local file=$1 name peak=0 started status location
  name=$(basename "$file")
  started=$(date +%s.%N)
  curl -s -b "$work/jar" -H "Origin: $base" -o "$work/answer.html" -w '%{http_code} %{redirect_url}' \
    -F "file=@$file" -F "name=$name" "$base/datos/presupuesto-egresos-2025/recursos/nuevo" > "$work/status" &
  local curl_pid=$!
  while kill -0 "$curl_pid" 2>/dev/null; do
    local now; now=$(rss); [ "$now" -gt "$peak" ] && peak=$now; sleep 0.05
  done
  read -r status location < "$work/status" || true
  if [ "$status" = 303 ]; then
    local rid=${location##*/}
    for _ in $(seq 1 6000); do
      local now; now=$(rss); [ "$now" -gt "$peak" ] && peak=$now
      curl -fs "$base/api/3/action/resource_show?id=$rid" \
        | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["result"].get("datastore_active") else 1)' && break
      sleep 0.2
    done
  else
    grep -o 'columna [A-Z]*\|al descomprimirse[^<]*' "$work/answer.html" | head -1 | sed 's/^/    refused: /' >&2 || true
  fi
  local ended; ended=$(date +%s.%N)
  sleep 5
  awk -v n="$name" -v s="$status" -v t0="$started" -v t1="$ended" -v p="$peak" -v a="$(rss)" -v i="$idle" \
    'BEGIN { printf "| %s | %s | %.1f | %.1f | %.2f | %.1f | %.2f |\n", n, s, t1 - t0, p / 1024, p / i, a / 1024, a / i }'
}

measure "$work/apoyos.csv"
for bomb in celda-XFD1048576 celda-ALL100000 celda-1GiB diez-millones-de-filas; do
  measure "$work/$bomb.xlsx"
done
curl -fs "$base/healthz" > /dev/null && echo && echo "the server still answers"
