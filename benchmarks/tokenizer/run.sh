#!/usr/bin/env bash
# Tokenizer benchmark: builds the mixed corpus, runs Tollgate's tokenizer and the reference
# (npm tiktoken, WASM) on the same bytes, single thread, and prints both with the ratio and
# whether the token counts agree; then the pathological inputs, load time and memory.
# Usage: benchmarks/tokenizer/run.sh [BUILD_DIR]   (needs node/npm; BUILD_DIR default build)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
"$root/benchmarks/tokenizer/make_corpus.sh" "$corpus" >/dev/null
(cd "$root/scripts/tokenizer" && npm install --no-audit --no-fund --silent >/dev/null)
cmake --build "$build" --target tokenize_bench >/dev/null

ours=$("$build/benchmarks/tokenize_bench" "$corpus" --runs 5)
ref=$(node "$root/benchmarks/tokenizer/tiktoken_bench.mjs" "$corpus" 3)
echo "$ours" | sed -n '1,2p'
echo
printf '%-9s %-12s %10s %12s %8s %s\n' input encoding "tollgate" "tiktoken-wasm" ratio tokens
join -j1 <(echo "$ours" | awk 'NF==4 && $3 ~ /^[0-9.]+$/ {print $1"/"$2, $3, $4}' | sort) \
         <(echo "$ref" | awk '{print $1"/"$2, $3, $4}' | sort) |
  awk '{split($1, k, "/"); printf "%-9s %-12s %8.1f MB/s %8.1f MB/s %7.1fx %s\n", k[1], k[2], $2, $4, $2/$4, ($3==$5 ? "equal" : "DIFFER " $3 " vs " $5)}' |
  sort -k1,1 -k2,2
echo
echo "pathological inputs (tollgate only; target >= 20 MB/s):"
echo "$ours" | awk 'NF==4 && ($1 ~ /^1MB|^40KB/) {printf "  %-12s %-12s %8.1f MB/s\n", $1, $2, $3}'
