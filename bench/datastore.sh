#!/usr/bin/env bash
# The datastore against Datasette, in the same run: one 1,000,000-row resource, served by
# Tequio's `datastore_search` (CKAN API) and by Datasette from a SQLite file of the same rows.
# wrk: 1 thread, 64 connections, 10 s, loopback. Prints requests/s, p99 and the ratio to
# Datasette for a page of 50 rows and for a filtered page of 50, with no total count on either
# side (`include_total=false`; Datasette `_nocount=1&_nofacet=1`), then Tequio with the count.
# Usage: bench/datastore.sh [rows]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
command -v wrk > /dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null; }
venv=target/bench-venv
if [ ! -x "$venv/bin/datasette" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "datasette>=0.65,<0.66"
fi
cargo build --release --bin tequio
work=$(mktemp -d)
trap 'kill "${tequio_pid:-0}" "${datasette_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "== making $rows rows"
"$venv/bin/python" - "$rows" "$work/apoyos.csv" "$work/bench.db" <<'EOF'
import csv, random, sqlite3, sys
rows, path, db = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rnd = random.Random(2026)
municipios = ["Oaxaca de Juárez", "Santa Lucía del Camino", "Tlacolula de Matamoros", "Juchitán de Zaragoza",
              "Salina Cruz", "Huajuapan de León", "Tuxtepec", "Puerto Escondido", "Miahuatlán", "Etla",
              "Zaachila", "Ixtlán de Juárez", "Tehuantepec", "Pinotepa Nacional", "Loma Bonita"]
programas = ["Becas", "Apoyo alimentario", "Vivienda", "Microcréditos", "Útiles escolares", "Salud"]
header = ["folio", "municipio", "programa", "sexo", "edad", "monto", "fecha", "localidad"]
with open(path, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(header)
    data = []
    for i in range(1, rows + 1):
        r = [i, rnd.choice(municipios), rnd.choice(programas), rnd.choice(["Mujer", "Hombre"]),
             rnd.randint(18, 90), round(rnd.uniform(500, 25000), 2),
             f"2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", f"Localidad {rnd.randint(1, 4000)}"]
        w.writerow(r)
        data.append(r)
con = sqlite3.connect(db)
con.execute("CREATE TABLE apoyos (folio INTEGER, municipio TEXT, programa TEXT, sexo TEXT, edad INTEGER, monto REAL, fecha TEXT, localidad TEXT)")
con.executemany("INSERT INTO apoyos VALUES (?, ?, ?, ?, ?, ?, ?, ?)", data)
con.commit()
con.close()
EOF
ls -l "$work/apoyos.csv" | awk '{printf "CSV: %.0f MB\n", $5 / 1048576}'

echo "== loading it into Tequio"
args=(--data-dir "$work/data")
./target/release/tequio "${args[@]}" demo > /dev/null
./target/release/tequio "${args[@]}" dataset add-file --subject 1 --dataset apoyos-bench \
  --title "Apoyos (benchmark)" "$work/apoyos.csv" | tee "$work/load.txt"
rid=$(awk '/^resource [0-9]+ added/ {print $2}' "$work/load.txt")

tport=18191
dport=18192
TEQUIO_LOG=error ./target/release/tequio "${args[@]}" serve --bind "127.0.0.1:$tport" > "$work/tequio.log" 2>&1 &
tequio_pid=$!
"$venv/bin/datasette" serve --immutable "$work/bench.db" --port "$dport" > "$work/datasette.log" 2>&1 &
datasette_pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$tport/healthz" > /dev/null && curl -fs "http://127.0.0.1:$dport/-/versions.json" > /dev/null && break
  sleep 0.3
done

run() { # url → "req/s p99"
  wrk -t1 -c64 -d10s --latency "$1" > "$work/wrk.txt"
  local rps p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  errors=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
  [ -z "$errors" ] || { echo "error responses: $errors for $1" >&2; cat "$work/wrk.txt" >&2; exit 1; }
  echo "$rps $p99"
}

filter_value="Santa Lucía del Camino"
ckan="http://127.0.0.1:$tport/api/3/action/datastore_search?resource_id=$rid&limit=50"
filters=$(python3 -c 'import json, sys, urllib.parse; print(urllib.parse.quote(json.dumps({"municipio": sys.argv[1]})))' "$filter_value")
dbase="http://127.0.0.1:$dport/bench/apoyos.json?_size=50&_shape=array&_nocount=1&_nofacet=1"
dfilter=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$filter_value")

# The same rows on both sides (a sanity check, not a timing).
t=$(curl -fs "$ckan&include_total=false&filters=$filters" | python3 -c 'import json,sys; print([r["folio"] for r in json.load(sys.stdin)["result"]["records"]][:5])')
d=$(curl -fs "$dbase&municipio=$dfilter" | python3 -c 'import json,sys; print([r["folio"] for r in json.load(sys.stdin)][:5])')
echo "first folios of the filtered page: Tequio $t, Datasette $d"
[ "$t" = "$d" ] || { echo "the two sides disagree" >&2; exit 1; }

wrk -t1 -c64 -d3s "$ckan&include_total=false" > /dev/null
wrk -t1 -c64 -d3s "$dbase" > /dev/null
read -r static_rps _ < <(run "http://127.0.0.1:$tport/robots.txt")
read -r d_page d_page_p99 < <(run "$dbase")
read -r d_filter d_filter_p99 < <(run "$dbase&municipio=$dfilter")
read -r t_page t_page_p99 < <(run "$ckan&include_total=false")
read -r t_filter t_filter_p99 < <(run "$ckan&include_total=false&filters=$filters")
read -r t_page_total t_page_total_p99 < <(run "$ckan")
read -r t_filter_total t_filter_total_p99 < <(run "$ckan&filters=$filters")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
echo
echo "rows: $rows; static route of the same Tequio: $static_rps req/s"
printf '%-44s %10s %10s %12s\n' query "req/s" p99 "× Datasette"
printf '%-44s %10.0f %10s %12s\n' "Datasette page of 50" "$d_page" "$d_page_p99" "1.0"
printf '%-44s %10.0f %10s %12s\n' "Datasette filtered page of 50" "$d_filter" "$d_filter_p99" "1.0"
printf '%-44s %10.0f %10s %12s\n' "Tequio page of 50 (include_total=false)" "$t_page" "$t_page_p99" "$(ratio "$t_page" "$d_page")"
printf '%-44s %10.0f %10s %12s\n' "Tequio filtered page (include_total=false)" "$t_filter" "$t_filter_p99" "$(ratio "$t_filter" "$d_filter")"
printf '%-44s %10.0f %10s %12s\n' "Tequio page of 50 with total" "$t_page_total" "$t_page_total_p99" "$(ratio "$t_page_total" "$d_page")"
printf '%-44s %10.0f %10s %12s\n' "Tequio filtered page with total" "$t_filter_total" "$t_filter_total_p99" "$(ratio "$t_filter_total" "$d_filter")"
