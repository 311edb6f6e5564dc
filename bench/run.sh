#!/usr/bin/env bash
# Load benchmark of the portal against nginx serving the same bytes, in the same run.
#   bash bench/run.sh            # writes bench/out/results.md and prints it
# Measures: requests/s and p99 latency of the home page, a unit page and a document page (wrk,
# 64 connections, wrk's default headers: no Accept-Encoding, so both sides send the same
# uncompressed bytes), the same pages as static files from nginx (worker_processes auto,
# access_log off, sendfile, keep-alive), start-up to the first 200 on an empty data folder
# with demo data, and the server's resident memory after the load.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
GK_PORT=${GK_PORT:-18181}
# The same server on the same data without its whole-page cache, to show what the cache saves.
GK_NOCACHE_PORT=${GK_NOCACHE_PORT:-18183}
NGINX_PORT=${NGINX_PORT:-18182}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then as_root apt-get install -y -qq "${need[@]}" >/dev/null; fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --release -p gongkai --quiet
BIN=target/release/gongkai
OUT=bench/out
rm -rf "$OUT" && mkdir -p "$OUT/www" "$OUT/nginx"
DATA=$(mktemp -d)
DATA2=$(mktemp -d)
cleanup() {
  [ -n "${GK_PID:-}" ] && kill "$GK_PID" 2>/dev/null || true
  [ -n "${GK2_PID:-}" ] && kill "$GK2_PID" 2>/dev/null || true
  [ -f "$OUT/nginx/nginx.pid" ] && kill "$(cat "$OUT/nginx/nginx.pid")" 2>/dev/null || true
  rm -rf "$DATA" "$DATA2"
}
trap cleanup EXIT

# Start-up to first 200, on an empty data folder, loading the demo data.
start_ns=$(date +%s%N)
"$BIN" --data-dir "$DATA" serve --demo --addr "127.0.0.1:$GK_PORT" > "$OUT/serve.log" 2>&1 &
GK_PID=$!
until curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GK_PORT/" 2>/dev/null | grep -q 200; do sleep 0.01; done
startup_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))

UNIT_ID=$(curl -s "http://127.0.0.1:$GK_PORT/api/v1/units?q=%E5%8E%86%E4%B8%8B%E5%8C%BA%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C" | sed -E 's/.*"items":\[\{"id":([0-9]+).*/\1/')
curl -s "http://127.0.0.1:$GK_PORT/" > "$OUT/www/index.html"
curl -s "http://127.0.0.1:$GK_PORT/units/$UNIT_ID" > "$OUT/www/unit.html"
# The newest published demo document, from the public API.
DOC_ID=$(curl -s "http://127.0.0.1:$GK_PORT/api/v1/documents?per_page=1" | sed -E 's/.*"items":\[\{"id":([0-9]+).*/\1/')
curl -s "http://127.0.0.1:$GK_PORT/documents/$DOC_ID" > "$OUT/www/document.html"
# Its own data folder (the search index admits one server), loaded with the same demo data.
"$BIN" --data-dir "$DATA2" serve --demo --no-page-cache --addr "127.0.0.1:$GK_NOCACHE_PORT" > "$OUT/serve-nocache.log" 2>&1 &
GK2_PID=$!
for _ in $(seq 1 600); do
  curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GK_NOCACHE_PORT/" 2>/dev/null | grep -q 200 && break
  kill -0 "$GK2_PID" 2>/dev/null || { cat "$OUT/serve-nocache.log"; exit 1; }
  sleep 0.1
done

cat > "$OUT/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $PWD/$OUT/nginx/nginx.pid;
error_log $PWD/$OUT/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  keepalive_timeout 65;
  types { text/html html; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $PWD/$OUT/www;
    location = / { try_files /index.html =404; }
    location = /unit { try_files /unit.html =404; }
    location = /document { try_files /document.html =404; }
  }
}
CONF
"$NGINX" -c "$PWD/$OUT/nginx/nginx.conf" -p "$PWD/$OUT/nginx"
sleep 0.5

run() { # name url
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$2" > "$OUT/$1.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/$1.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$OUT/$1.txt")
  echo "$rps $p99"
}
# Warm both up, then measure.
wrk -t1 -c8 -d2s "http://127.0.0.1:$GK_PORT/" > /dev/null
read -r gk_home_rps gk_home_p99 < <(run gongkai-home "http://127.0.0.1:$GK_PORT/")
read -r ng_home_rps ng_home_p99 < <(run nginx-home "http://127.0.0.1:$NGINX_PORT/")
read -r gk_unit_rps gk_unit_p99 < <(run gongkai-unit "http://127.0.0.1:$GK_PORT/units/$UNIT_ID")
read -r ng_unit_rps ng_unit_p99 < <(run nginx-unit "http://127.0.0.1:$NGINX_PORT/unit")
read -r gk_doc_rps gk_doc_p99 < <(run gongkai-document "http://127.0.0.1:$GK_PORT/documents/$DOC_ID")
read -r ng_doc_rps ng_doc_p99 < <(run nginx-document "http://127.0.0.1:$NGINX_PORT/document")
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$GK_PID/status")
wrk -t1 -c8 -d2s "http://127.0.0.1:$GK_NOCACHE_PORT/" > /dev/null
read -r nc_home_rps nc_home_p99 < <(run nocache-home "http://127.0.0.1:$GK_NOCACHE_PORT/")
read -r nc_doc_rps nc_doc_p99 < <(run nocache-document "http://127.0.0.1:$GK_NOCACHE_PORT/documents/$DOC_ID")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cat > "$OUT/results.md" <<MD
Run on $(date -u +%Y-%m-%d) · $(nproc) cores · $(uname -m) · wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency ·
server, nginx and wrk share the machine.

| page | gongkai req/s | gongkai p99 | nginx req/s | nginx p99 | gongkai / nginx |
|---|---:|---:|---:|---:|---:|
| home \`/\` ($(wc -c < "$OUT/www/index.html") bytes) | $gk_home_rps | $gk_home_p99 | $ng_home_rps | $ng_home_p99 | $(ratio "$gk_home_rps" "$ng_home_rps") |
| unit \`/units/$UNIT_ID\` ($(wc -c < "$OUT/www/unit.html") bytes) | $gk_unit_rps | $gk_unit_p99 | $ng_unit_rps | $ng_unit_p99 | $(ratio "$gk_unit_rps" "$ng_unit_rps") |
| document \`/documents/$DOC_ID\` ($(wc -c < "$OUT/www/document.html") bytes) | $gk_doc_rps | $gk_doc_p99 | $ng_doc_rps | $ng_doc_p99 | $(ratio "$gk_doc_rps" "$ng_doc_rps") |
| home, \`--no-page-cache\` | $nc_home_rps | $nc_home_p99 | $ng_home_rps | $ng_home_p99 | $(ratio "$nc_home_rps" "$ng_home_rps") |
| document, \`--no-page-cache\` | $nc_doc_rps | $nc_doc_p99 | $ng_doc_rps | $ng_doc_p99 | $(ratio "$nc_doc_rps" "$ng_doc_rps") |

- Start-up to first 200 on an empty data folder, with migrations and demo data: **${startup_ms} ms**
- Resident memory of the server after the load: **$((rss_kb / 1024)) MiB** (${rss_kb} kB)
MD
cat "$OUT/results.md"
