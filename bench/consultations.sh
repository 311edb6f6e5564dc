#!/usr/bin/env bash
# Benchmark of issue 16, public consultations, on SQLite and on PostgreSQL (when one answers on
# 127.0.0.1:5432, user postgres):
#   bash bench/consultations.sh                   # writes bench/out/consultations.md and prints it
#   OPINIONS=10000 CLIENTS=32 GROUP=1000000 bash bench/consultations.sh
# 1. OPINIONS opinions sent by CLIENTS clients at once, over HTTP, with a partner's token
#    (12345), to the demo's open consultation: opinions per second and latency; then every
#    acknowledged receipt number is looked for in the database (none may be lost);
# 2. the grouping of GROUP generated opinions in process (time and peak memory).
set -euo pipefail
cd "$(dirname "$0")/.."
OPINIONS=${OPINIONS:-10000}
CLIENTS=${CLIENTS:-32}
GROUP=${GROUP:-1000000}
PORT=${PORT:-18482}
cargo build --release -p gongkai -p gongkai-consultbench --quiet
BIN=$PWD/target/release/gongkai
CB=$PWD/target/release/gongkai-consultbench
OUT=bench/out
mkdir -p "$OUT"
DIR=$(mktemp -d)
BASE="http://127.0.0.1:$PORT"
cleanup() {
  [ -n "${GK_PID:-}" ] && kill "$GK_PID" 2>/dev/null || true
  [ -n "${PGDB:-}" ] && psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

run_intake() { # $1: name, then the database flags
  local name=$1; shift
  local data="$DIR/$name"
  "$BIN" --data-dir "$data" "$@" demo > /dev/null
  local token
  token=$("$BIN" --data-dir "$data" "$@" token create --user partner_12345 | awk '{print $NF}' | tail -1)
  "$BIN" --data-dir "$data" "$@" serve --addr "127.0.0.1:$PORT" --no-link-check > "$OUT/consultations-$name.log" 2>&1 &
  GK_PID=$!
  local waited=0
  until curl -sf -o /dev/null "$BASE/readyz"; do
    sleep 0.1; waited=$((waited + 1))
    if [ $waited -gt 600 ] || ! kill -0 "$GK_PID" 2>/dev/null; then
      echo "the server did not start:" >&2; tail -20 "$OUT/consultations-$name.log" >&2; exit 1
    fi
  done
  local id
  id=$(curl -s "$BASE/api/v1/consultations?phase=open" | python3 -c 'import json,sys; print(next(c["id"] for c in json.load(sys.stdin)["items"] if "12345" in c["channels"]))')
  "$CB" intake --url "$BASE" --token "$token" --consultation "$id" --clients "$CLIENTS" --count "$OPINIONS" > "$OUT/consultations-intake-$name.json"
  kill "$GK_PID"; wait "$GK_PID" 2>/dev/null || true; GK_PID=
  # None lost: every acknowledged receipt number is in the database after the server stopped.
  local staff
  staff=$("$BIN" --data-dir "$data" "$@" token create --user zjj_editor | awk '{print $NF}' | tail -1)
  "$BIN" --data-dir "$data" "$@" serve --addr "127.0.0.1:$PORT" --no-link-check >> "$OUT/consultations-$name.log" 2>&1 &
  GK_PID=$!
  until curl -sf -o /dev/null "$BASE/readyz"; do sleep 0.1; done
  python3 - "$OUT/consultations-intake-$name.json" "$BASE" "$staff" "$id" <<'PY'
import json, sys, urllib.request
path, base, token, cid = sys.argv[1:]
r = json.load(open(path))
found = set()
page = 1
while True:
    req = urllib.request.Request(f"{base}/api/v1/staff/consultations/{cid}/opinions?channel=12345&per_page=100&page={page}",
                                 headers={"Authorization": f"Bearer {token}"})
    items = json.load(urllib.request.urlopen(req))["items"]
    found.update(o["receipt_no"] for o in items)
    if len(items) < 100:
        break
    page += 1
lost = [x for x in r["receipts"] if x not in found]
r["lost"] = len(lost)
del r["receipts"]
json.dump(r, open(path, "w"))
PY
  kill "$GK_PID"; wait "$GK_PID" 2>/dev/null || true; GK_PID=
}

run_intake sqlite
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  PGDB="gk_bench_$$"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $PGDB" >/dev/null
  run_intake postgres --database-url "postgres://postgres@127.0.0.1:5432/$PGDB"
fi
"$CB" group --count "$GROUP" > "$OUT/consultations-group.json"

python3 - "$OUT" <<'PY' > "$OUT/consultations.md"
import json, os, sys, datetime
out = sys.argv[1]
print(f"Command: `bash bench/consultations.sh`, {datetime.date.today()}, release build.\n")
for name in ["sqlite", "postgres"]:
    p = f"{out}/consultations-intake-{name}.json"
    if not os.path.exists(p):
        continue
    r = json.load(open(p))
    print(f"- Intake on {name}: {r['opinions']:,} opinions by {r['clients']} clients over HTTP (partner token): "
          f"**{r['per_second']:,} opinions/s** (goal 500), p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms; "
          f"acknowledged {r['acknowledged']:,}, errors {r['errors']}, **lost {r['lost']}**")
g = json.load(open(f"{out}/consultations-group.json"))
print(f"- Grouping {g['opinions']:,} generated opinions in process: **{g['seconds']} s**, peak RSS {g['peak_rss_mib']} MiB "
      f"({g['groups']:,} groups; pair precision {g['pair_precision']}, recall {g['pair_recall']})")
PY
cat "$OUT/consultations.md"
