#!/usr/bin/env bash
# Schemathesis over the whole OpenAPI document, with every check, once without a token and once
# with a system administrator's token, against a fresh demo server. Exits non-zero on any
# failure. Bounded in time: each run stops after $ST_MAX_TIME seconds (default 240).
#   tools/schemathesis.sh [path/to/gongkai]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/gongkai}
max_time=${ST_MAX_TIME:-240}
examples=${ST_MAX_EXAMPLES:-30}
if ! command -v schemathesis >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" --data-dir "$data" serve --demo --addr "127.0.0.1:$port" --no-link-check >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/api/v1/openapi.json" >/dev/null 2>&1 && break
  sleep 0.2
done
token=$("$bin" --data-dir "$data" token create --user admin --name schemathesis | tail -n 1)
schema="http://127.0.0.1:$port/api/v1/openapi.json"
status=0
# One worker: CPython 3.11 before 3.11.8 can fail ast.parse in concurrent threads ("AST
# constructor recursion depth mismatch", gh-106905), which Hypothesis calls to describe lambdas.
run() {
  schemathesis run "$schema" --checks all --max-examples "$examples" --max-time "$max_time" \
    --workers 1 --seed 20261205 --phases examples,coverage,fuzzing "$@" || status=1
}
echo "== without a token"
run
echo "== with a system administrator's token"
run -H "Authorization: Bearer $token"
if [ $status -ne 0 ]; then
  echo "server log (last 30 lines):"; tail -n 30 "$data/server.log"
fi
exit $status
