#!/usr/bin/env bash
# Benchmark of issue 17 (live broadcasts and open days), on SQLite and on PostgreSQL (when one
# answers on 127.0.0.1:5432, user postgres):
#   bash bench/live.sh                          # writes bench/out/live.md and prints it
#   VIEWERS=10000 POSTS=20 SEATS=500 REGISTRANTS=5000 bash bench/live.sh
# 1. VIEWERS Server-Sent Event streams of the demo's broadcast on air, held on one node; POSTS
#    posts published one every 500 ms: how long each takes to reach every viewer (p50, p99,
#    max), viewers held, the server's memory before and with them;
# 2. a SEATS-seat open day opened to REGISTRANTS registrants at once (each with its own solved
#    challenge and address): registrations per second, latency, and the outcome counts, then
#    the event's seats held, checked against the roster (never over capacity).
set -euo pipefail
cd "$(dirname "$0")/.."
VIEWERS=${VIEWERS:-10000}
POSTS=${POSTS:-20}
SEATS=${SEATS:-500}
REGISTRANTS=${REGISTRANTS:-5000}
PORT=${PORT:-18483}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo build --release -p gongkai -p gongkai-livebench --quiet
BIN=$PWD/target/release/gongkai
LB=$PWD/target/release/gongkai-livebench
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

token() { # $1: data dir, $2: user, then the database flags
  local data=$1 user=$2; shift 2
  "$BIN" --data-dir "$data" "$@" token create --user "$user" | awk '{print $NF}' | tail -1
}

run() { # $1: name, then the database flags
  local name=$1; shift
  local data="$DIR/$name"
  "$BIN" --data-dir "$data" "$@" demo > /dev/null
  local editor reviewer oday r1 r2 r3
  editor=$(token "$data" huaiyin_editor "$@")
  oday=$(token "$data" shizhong_editor "$@")
  r1=$(token "$data" shizhong_reviewer1 "$@"); r2=$(token "$data" shizhong_reviewer2 "$@"); r3=$(token "$data" shizhong_reviewer3 "$@")
  "$BIN" --data-dir "$data" "$@" serve --addr "127.0.0.1:$PORT" --no-link-check --trust-proxy \
    --max-connections 60000 --max-connections-per-ip 60000 > "$OUT/live-$name.log" 2>&1 &
  GK_PID=$!
  local waited=0
  until curl -sf -o /dev/null "$BASE/readyz"; do
    sleep 0.1; waited=$((waited + 1))
    if [ $waited -gt 600 ] || ! kill -0 "$GK_PID" 2>/dev/null; then
      echo "the server did not start:" >&2; tail -20 "$OUT/live-$name.log" >&2; exit 1
    fi
  done
  local blog
  blog=$(curl -s "$BASE/api/v1/live" | python3 -c 'import json,sys; print(next(b["id"] for b in json.load(sys.stdin) if b["status"] == "live"))')
  "$LB" viewers --url "$BASE" --blog "$blog" --token "$editor" --viewers "$VIEWERS" --posts "$POSTS" --pid "$GK_PID" \
    > "$OUT/live-viewers-$name.json"
  # A SEATS-seat event open now, published through the three reviews.
  local event
  event=$(python3 - "$BASE" "$oday" "$r1" "$r2" "$r3" "$SEATS" <<'PY'
import json, sys, urllib.request, datetime
base, editor, r1, r2, r3, seats = sys.argv[1:]
def call(token, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
        headers={"authorization": "Bearer " + token, "content-type": "application/json"})
    return json.load(urllib.request.urlopen(req))
t = lambda h: (datetime.datetime.utcnow() + datetime.timedelta(hours=8 + h)).strftime("%Y-%m-%d %H:%M")
e = call(editor, "/api/v1/staff/open-days", {"kind": "lecture", "title": "压力测试讲座", "description": "压力测试。",
    "place": "市中区会议中心", "registration_opens_at": t(-1), "registration_closes_at": t(24), "starts_at": t(48),
    "ends_at": t(50), "capacity": int(seats)})
call(editor, "/api/v1/staff/open-days/%d/actions" % e["id"], {"action": "submit"})
for r in (r1, r2, r3):
    call(r, "/api/v1/staff/open-days/%d/actions" % e["id"], {"action": "approve"})
print(e["id"])
PY
)
  "$LB" register --url "$BASE" --event "$event" --count "$REGISTRANTS" --clients "$REGISTRANTS" > "$OUT/live-register-$name.json"
  curl -s "$BASE/api/v1/staff/open-days/$event/registrations" -H "authorization: Bearer $oday" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); from collections import Counter; print(json.dumps(Counter(x["status"] for x in r)))' \
    > "$OUT/live-roster-$name.json"
  kill "$GK_PID"; wait "$GK_PID" 2>/dev/null || true; GK_PID=
}

run sqlite
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  PGDB="gongkai_bench_live_$$"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $PGDB" >/dev/null
  run postgres --database-url "postgres://postgres@127.0.0.1:5432/$PGDB"
fi

python3 - "$OUT" "$VIEWERS" "$POSTS" "$SEATS" "$REGISTRANTS" <<'PY' | tee "$OUT/live.md"
import json, os, sys
out, viewers, posts, seats, registrants = sys.argv[1:]
print(f"Live broadcast viewers ({viewers} asked, {posts} posts) and a {seats}-seat open day with {registrants} registrants\n")
print("| database | viewers held | p50 | p99 | max | missing | server RSS idle → with viewers | registrations/s | p99 | outcomes | roster |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for name in ("sqlite", "postgres"):
    p = os.path.join(out, f"live-viewers-{name}.json")
    if not os.path.exists(p):
        continue
    v = json.load(open(p)); r = json.load(open(os.path.join(out, f"live-register-{name}.json")))
    roster = open(os.path.join(out, f"live-roster-{name}.json")).read().strip()
    print(f"| {name} | {v['viewers_held']} | {v['p50_ms']:.0f} ms | {v['p99_ms']:.0f} ms | {v['max_ms']:.0f} ms | {v['missing']} | "
          f"{v['server_rss_idle_mib']:.0f} → {v['server_rss_mib']:.0f} MiB | {r['per_second']:.0f} | {r['p99_ms']:.0f} ms | "
          f"{json.dumps(r['outcomes'], ensure_ascii=False)} | {roster} |")
PY
