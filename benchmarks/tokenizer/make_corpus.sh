#!/usr/bin/env bash
# Builds the tokenizer benchmark's mixed corpus from the repository itself, so that every run
# measures the same bytes: prose (docs/, README), code (src/, include/), JSON (request bodies
# the mock and tests use, package-lock) and non-Latin scripts (multilingual.txt), a quarter
# each, about 1 MiB per quarter. Those repeat their sources; varied.txt repeats nothing: every
# text file of the repository once, the licence texts every Debian system ships, and the
# multilingual sample once. Usage: make_corpus.sh OUT_DIR  (writes prose.txt, code.txt,
# json.txt, scripts.txt, mixed.txt and varied.txt)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: make_corpus.sh OUT_DIR}
mkdir -p "$out"
quarter=$((1024 * 1024))

fill() {  # fill FILE SOURCES...: repeat the sources' text until FILE holds a quarter
  local file=$1
  shift
  : >"$file"
  while [ "$(stat -c %s "$file")" -lt "$quarter" ]; do cat "$@" >>"$file"; done
  truncate -s "$quarter" "$file"
  # The cut may split a UTF-8 sequence: drop its bytes so that the corpus is valid text.
  iconv -f UTF-8 -t UTF-8 -c "$file" >"$file.tmp" 2>/dev/null || true
  mv "$file.tmp" "$file"
}

fill "$out/prose.txt" "$root"/README.md "$root"/docs/*.md
fill "$out/code.txt" $(find "$root/src" "$root/include" -name '*.[ch]pp' | sort)
# JSON: chat requests and answers whose strings are the prose and the scripts (escaped as a
# client would send them), with the vectors file's arrays of numbers.
node -e '
const fs = require("fs");
const lines = (f) => fs.readFileSync(f, "utf8").split("\n").filter((l) => l.trim());
const texts = [...lines(process.argv[1]), ...lines(process.argv[2])];
let out = "";
for (let i = 0; i < texts.length; ++i) {
  out += JSON.stringify({ model: "gpt-4o-mini", stream: i % 2 === 0, max_tokens: 256,
    messages: [{ role: "system", content: "You are a helpful assistant." },
               { role: "user", content: texts[i] }] }) + "\n";
  out += JSON.stringify({ id: "chatcmpl-" + i, object: "chat.completion", created: 1700000000 + i,
    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: texts[(i + 7) % texts.length] } }],
    usage: { prompt_tokens: 20 + i % 50, completion_tokens: 100 + i % 90, total_tokens: 120 + i % 140 } }, null, 2) + "\n";
}
fs.writeFileSync(process.argv[3], out);
' "$root/docs/METERING.md" "$root/benchmarks/tokenizer/multilingual.txt" "$out/chat.jsonl"
fill "$out/json.txt" "$out/chat.jsonl" "$root/tests/data/tokenizer_vectors.json"
rm "$out/chat.jsonl"
fill "$out/scripts.txt" "$root/benchmarks/tokenizer/multilingual.txt"
cat "$out/prose.txt" "$out/code.txt" "$out/json.txt" "$out/scripts.txt" >"$out/mixed.txt"
# Varied: nothing twice (git's list when this is a clone, else the same folders walked).
{
  if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$root" ls-files -- '*.md' '*.cpp' '*.hpp' '*.sh' '*.yaml' '*.lua' '*.txt' '*.mjs' |
      grep -v '^fuzz/corpus/' | sed "s|^|$root/|"
  else
    find "$root/docs" "$root/src" "$root/include" "$root/tests" "$root/benchmarks" "$root/scripts" \
      -type f \( -name '*.md' -o -name '*.[ch]pp' -o -name '*.sh' -o -name '*.yaml' \) | sort
  fi
  find /usr/share/common-licenses -type f 2>/dev/null | sort
} | while read -r f; do iconv -f UTF-8 -t UTF-8 -c "$f" 2>/dev/null || true; done >"$out/varied.txt"
ls -l "$out"
