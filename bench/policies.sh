#!/usr/bin/env bash
# Benchmark of issue 15, the policy calculator, on SQLite (the embedded default):
#   bash bench/policies.sh                  # writes bench/out/policies.md and prints it
#   POLICIES=10000 REQUESTS=2000 ENTERPRISES=100000 bash bench/policies.sh
# 1. POLICIES generated policies (default 10,000; every field and operator, rules up to four
#    levels deep) imported with `gongkai import policies` over the demo data;
# 2. one enterprise profile POSTed to /api/v1/policies/match REQUESTS times, one at a time:
#    p50/p99, beside GET /healthz timed the same way (the floor of a round trip on this
#    machine);
# 3. one policy's rule evaluated, with its reasons, against ENTERPRISES generated profiles in
#    process (what running a 免申即享 policy against the enterprise register does).
set -euo pipefail
cd "$(dirname "$0")/.."
POLICIES=${POLICIES:-10000}
REQUESTS=${REQUESTS:-2000}
ENTERPRISES=${ENTERPRISES:-100000}
PORT=${PORT:-18481}
cargo build --release -p gongkai -p gongkai-policybench --quiet
BIN=target/release/gongkai
PB=target/release/gongkai-policybench
OUT=bench/out
mkdir -p "$OUT"
DIR=$(mktemp -d)
BASE="http://127.0.0.1:$PORT"
cleanup() {
  [ -n "${GK_PID:-}" ] && kill "$GK_PID" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

"$BIN" --data-dir "$DIR" demo > /dev/null
"$PB" generate --count "$POLICIES" --unit 11370100017628988C > "$DIR/policies.jsonl"
start_ns=$(date +%s%N)
"$BIN" --data-dir "$DIR" import policies "$DIR/policies.jsonl" >&2
import_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))

"$BIN" --data-dir "$DIR" serve --addr "127.0.0.1:$PORT" --no-link-check > "$OUT/policies-serve.log" 2>&1 &
GK_PID=$!
waited=0
until curl -sf -o /dev/null "$BASE/readyz"; do
  sleep 0.1
  waited=$((waited + 1))
  if [ $waited -gt 600 ] || ! kill -0 "$GK_PID" 2>/dev/null; then
    echo "the server did not start:" >&2; tail -20 "$OUT/policies-serve.log" >&2; exit 1
  fi
done
"$PB" match --url "$BASE" --requests "$REQUESTS" > "$OUT/policies-match.json"
kill "$GK_PID"; wait "$GK_PID" 2>/dev/null || true; GK_PID=
"$PB" register --enterprises "$ENTERPRISES" > "$OUT/policies-register.json"

python3 - "$OUT" "$POLICIES" "$import_ms" <<'PY' > "$OUT/policies.md"
import json, sys, datetime
out, policies, import_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
m = json.load(open(f"{out}/policies-match.json"))
r = json.load(open(f"{out}/policies-register.json"))
print(f"Command: `bash bench/policies.sh`, {datetime.date.today()}, SQLite, release build.\n")
print(f"- Import of {policies:,} generated policies (`gongkai import policies`, checked, one transaction, published): **{import_ms:,} ms**")
print(f"- Matching one enterprise against the {m['policies']:,} policies open on the day, {m['requests']:,} requests one at a time: "
      f"p50 **{m['match_p50_ms']:.2f} ms**, p99 **{m['match_p99_ms']:.2f} ms** (goal: p99 under 20 ms); "
      f"GET /healthz on the same server: p50 {m['healthz_p50_ms']:.2f} ms, p99 {m['healthz_p99_ms']:.2f} ms")
print(f"- One policy against {r['enterprises']:,} enterprise profiles in process, with reasons: **{r['evaluate_ms']:.0f} ms** "
      f"(goal: under 2 s; reading the profiles {r['read_profiles_ms']:.0f} ms); "
      f"{r['eligible']:,} eligible, {r['possible']:,} possible, {r['ineligible']:,} ineligible")
PY
cat "$OUT/policies.md"
