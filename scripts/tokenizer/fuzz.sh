#!/usr/bin/env bash
# Differential fuzz against the reference tokenizer: N random strings (plus the fixed cases)
# from a fresh seed, encoded by npm tiktoken and checked by the conformance test.
# Usage: scripts/tokenizer/fuzz.sh [N] [SEED]   (needs node/npm and a built build/)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-20000}
seed=${2:-$RANDOM$RANDOM}
out=$(mktemp --suffix=.json)
trap 'rm -f "$out"' EXIT
cd "$root/scripts/tokenizer"
npm install --no-audit --no-fund --silent >/dev/null
node make_vectors.mjs "$out" --random "$n" --seed "$seed"
echo "seed $seed"
TG_TOKENIZER_VECTORS=$out "$root/build/tests/unit_tests" --gtest_filter='*Conformance*' --gtest_brief=1
