#!/usr/bin/env bash
# Search benchmark of issue 3: import and index throughput, index size, memory and search
# latency (in process, and over HTTP with 16 clients) of gongkai, with SQLite FTS5 (trigram)
# on the same documents and queries as the baseline.
#   bash bench/search.sh                # the laws corpus, then 1,000,000 documents
#   DOCS=100000 bash bench/search.sh    # a smaller synthetic corpus
# Results: bench/out/search-<docs>.md (also printed) and <work>/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS=${DOCS:-1000000}
CORPUS=${CORPUS:-../shared/data/laws/corpus.jsonl.gz}
WORK=${WORK:-${TMPDIR:-/tmp}}
cargo build --release -p gongkai -p gongkai-searchbench --quiet
mkdir -p bench/out
for n in 0 "$DOCS"; do
  echo "== $n documents (0: the corpus as it is)"
  target/release/gongkai-searchbench --corpus "$CORPUS" --docs "$n" --work "$WORK/gk-searchbench-$n" \
    --server target/release/gongkai | tee "bench/out/search-$n.md"
done
