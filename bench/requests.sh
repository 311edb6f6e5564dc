#!/usr/bin/env bash
# Benchmark of issue 4, applications for disclosure, on SQLite and on PostgreSQL:
#   bash bench/requests.sh                 # writes bench/out/requests.md and prints it
#   ROWS=100000 SECONDS_=10 bash bench/requests.sh
# 1. online intake over HTTP: CLIENTS clients (default 32) for SECONDS_ seconds, each looping
#    GET /api/v1/requests/challenge → answer → POST /api/v1/requests, on a fresh demo database
#    (the server runs with --trust-proxy and each application comes from its own
#    X-Forwarded-For address, so the limit of 10 per address and 15 minutes does not bind);
# 2. ROWS generated applications (default 1,000,000) over all units, inserted straight into
#    the table of each database with the server stopped;
# 3. the city's annual report (scope=all, over every unit) for YEAR, RUNS times over HTTP,
#    and the report's store queries in process with the plan of the heavy one.
# PostgreSQL: PG_URL (default postgres://postgres@127.0.0.1:5432); the database PG_DB is
# created fresh and dropped at the end (KEEP=1 keeps both databases and prints where they are).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
CLIENTS=${CLIENTS:-32}
SECONDS_=${SECONDS_:-20}
YEAR=${YEAR:-2025}
RUNS=${RUNS:-5}
PORT=${PORT:-18381}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_DB=${PG_DB:-gk_bench_requests}
PG_HOST=$(echo "$PG_URL" | sed -E 's#^postgres(ql)?://([^@]*@)?([^:/]*).*#\3#')
PG_USER=$(echo "$PG_URL" | sed -E 's#^postgres(ql)?://(([^@:]*)[^@]*@)?.*#\3#')
PG_PORT=$(echo "$PG_URL" | sed -E 's#^postgres(ql)?://[^/]*:([0-9]+).*#\2#')
PG=(-h "$PG_HOST" -p "$PG_PORT" -U "${PG_USER:-postgres}")

cargo build --release -p gongkai -p gongkai-requestbench --quiet
BIN=target/release/gongkai
RB=target/release/gongkai-requestbench
OUT=bench/out
mkdir -p "$OUT"
LITE=$(mktemp -d)
PGDIR=$(mktemp -d)
BASE="http://127.0.0.1:$PORT"
cleanup() {
  [ -n "${GK_PID:-}" ] && kill "$GK_PID" 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then
    echo "kept: SQLite in $LITE, PostgreSQL $PG_URL/$PG_DB (data folder $PGDIR)" >&2
  else
    rm -rf "$LITE" "$PGDIR"
    dropdb "${PG[@]}" --if-exists "$PG_DB" 2>/dev/null || true
  fi
}
trap cleanup EXIT

start() { # name data-dir [extra args…]
  local name=$1 dir=$2
  shift 2
  "$BIN" --data-dir "$dir" serve --addr "127.0.0.1:$PORT" --trust-proxy --no-link-check --challenges-per-minute 1000000 "$@" \
    > "$OUT/requests-$name-serve.log" 2>&1 &
  GK_PID=$!
  local waited=0
  until curl -sf -o /dev/null "$BASE/readyz"; do
    sleep 0.1
    waited=$((waited + 1))
    if [ $waited -gt 1200 ] || ! kill -0 "$GK_PID" 2>/dev/null; then
      echo "the server ($name) did not start:" >&2; tail -20 "$OUT/requests-$name-serve.log" >&2; exit 1
    fi
  done
}
stop() { kill "$GK_PID"; wait "$GK_PID" 2>/dev/null || true; GK_PID=; }

dropdb "${PG[@]}" --if-exists "$PG_DB"
createdb "${PG[@]}" "$PG_DB"
PG_DB_URL="$PG_URL/$PG_DB"

# The server's CPU time (user + system, in ms) from /proc.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' "/proc/$GK_PID/stat"; }
intake() { # name
  local before
  before=$(cpu_ms)
  "$RB" intake --url "$BASE" --clients "$CLIENTS" --seconds "$SECONDS_" > "$OUT/requests-$1-intake.json"
  echo "{\"server_cpu_ms\": $(( $(cpu_ms | cut -d. -f1) - ${before%.*} ))}" > "$OUT/requests-$1-cpu.json"
}

echo "== intake, SQLite" >&2
start sqlite-intake "$LITE" --demo
intake sqlite
stop
echo "== intake, PostgreSQL" >&2
start pg-intake "$PGDIR" --database-url "$PG_DB_URL" --demo
intake pg
stop

echo "== $ROWS applications, SQLite" >&2
"$RB" generate --data-dir "$LITE" --rows "$ROWS" > "$OUT/requests-sqlite-generate.json"
echo "== $ROWS applications, PostgreSQL" >&2
"$RB" generate --data-dir "$PGDIR" --database-url "$PG_DB_URL" --rows "$ROWS" > "$OUT/requests-pg-generate.json"

echo "== annual report, SQLite" >&2
start sqlite-report "$LITE"
"$RB" report --url "$BASE" --year "$YEAR" --runs "$RUNS" > "$OUT/requests-sqlite-report.json"
stop
"$RB" breakdown --data-dir "$LITE" --year "$YEAR" --runs "$RUNS" > "$OUT/requests-sqlite-breakdown.json"
echo "== annual report, PostgreSQL" >&2
start pg-report "$PGDIR" --database-url "$PG_DB_URL"
"$RB" report --url "$BASE" --year "$YEAR" --runs "$RUNS" > "$OUT/requests-pg-report.json"
stop
"$RB" breakdown --data-dir "$PGDIR" --database-url "$PG_DB_URL" --year "$YEAR" --runs "$RUNS" \
  > "$OUT/requests-pg-breakdown.json"

j() { jq -r "$2" "$OUT/requests-$1.json"; }
cell() { # printf format, jq expression, for sqlite and pg
  printf "| %s | $2 | $2 |\n" "$1" "$(j "sqlite-$3" "$4")" "$(j "pg-$3" "$4")"
}
pg_version=$(psql "${PG[@]}" -Atc 'SHOW server_version' | cut -d' ' -f1)
{
  echo "Run on $(date -u +%Y-%m-%d) · $(nproc) cores · $(uname -m) · the server, the database and the"
  echo "clients share the machine · PostgreSQL $pg_version on 127.0.0.1"
  echo
  echo "| | SQLite | PostgreSQL |"
  echo "|---|---:|---:|"
  cell "intake, applications/s ($CLIENTS clients, ${SECONDS_} s; acknowledged 201)" "%'.0f" intake .per_second
  cell "intake, applications acknowledged" "%'d" intake .acknowledged
  cell "POST /api/v1/requests p50" "%.1f ms" intake .post_p50_ms
  cell "POST /api/v1/requests p99" "%.1f ms" intake .post_p99_ms
  cell "challenge + POST p50" "%.1f ms" intake .pair_p50_ms
  cell "challenge + POST p99" "%.1f ms" intake .pair_p99_ms
  cell "answers other than 201" "%d" intake .refused
  printf "| CPU of the gongkai process per application (challenge + POST) | %.1f ms | %.1f ms |\n" \
    "$(jq -rs '.[0].server_cpu_ms / (.[1].acknowledged + .[1].warmup_acknowledged)' "$OUT/requests-sqlite-cpu.json" "$OUT/requests-sqlite-intake.json")" \
    "$(jq -rs '.[0].server_cpu_ms / (.[1].acknowledged + .[1].warmup_acknowledged)' "$OUT/requests-pg-cpu.json" "$OUT/requests-pg-intake.json")"
  cell "generated applications, inserted/s" "%'.0f" generate .rows_per_second
  cell "generated applications, insert time (+ ANALYZE)" "%s" generate '"\(.insert_s * 10 | round / 10) s (+ \(.analyze_s * 10 | round / 10) s)"'
  cell "applications in the database" "%'d" generate .total
  cell "size of the requests table (SQLite: whole file)" "%'.0f MB" generate .size_mb
  cell "annual report of the city over all its units (scope=all), GET, median of $RUNS" "%'.0f ms" report .median_ms
  cell "annual report GET, min / max (first request after the restart)" "%s" report '"\(.min_ms | round) / \(.max_ms | round) ms (\(.first_ms | round) ms)"'
  cell "store.request_counts in process, median of $RUNS" "%'.0f ms" breakdown .request_counts_median_ms
  cell "store.regulation_counts + review_counts in process, median" "%'.1f ms" breakdown '.regulation_counts_median_ms + .review_counts_median_ms'
  cell "the request_counts SQL (values written in), as the store writes it" "%'.0f ms" breakdown .literal_sql_ms
  printf "| the same read as a full table scan (SQLite: NOT INDEXED) | %'.0f ms | (is one) |\n" "$(j sqlite-breakdown .full_scan_ms)"
  cell "the earlier form, (closed_on IS NULL OR closed_on >= '$YEAR-01-01')" "%'.0f ms" breakdown .coalesce_ms
  cell "rows that matter to $YEAR (received by its end, not closed before it)" "%'d" breakdown .rows_matching
  cell "table 三 总计: 一 本年新收 / 二 上年结转" "%s" report '"\(.table3_total.new) / \(.table3_total.carried_over)"'
  cell "table 三 总计: 三（七）/ 四 结转下年度" "%s" report '"\(.table3_total.replied) / \(.table3_total.carried_forward)"'
  cell "table 三 balanced (一 + 二 = 三（七）+ 四)" "%s" report .balanced
  echo
  echo "Plan of request_counts on SQLite (EXPLAIN QUERY PLAN), as the store writes it:"
  echo '```'
  j sqlite-breakdown '.plan[]'
  echo '```'
  echo "Plan on PostgreSQL (EXPLAIN (ANALYZE, BUFFERS)):"
  echo '```'
  j pg-breakdown '.plan[]'
  echo '```'
  echo "The earlier OR form, SQLite: \`$(j sqlite-breakdown '.coalesce_plan | join(" · ")')\`"
} > "$OUT/requests.md"
cat "$OUT/requests.md"
