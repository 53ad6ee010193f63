// The reference's throughput on the same corpus: npm tiktoken (OpenAI's Rust tiktoken built to
// WASM), encode_ordinary, single thread, best of N runs. Usage: node tiktoken_bench.mjs
// CORPUS_DIR [N]. tiktoken comes from scripts/tokenizer/node_modules (npm install there).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(new URL("../../scripts/tokenizer/package.json", import.meta.url));
const { get_encoding } = require("tiktoken");

const dir = process.argv[2];
const runs = Number(process.argv[3] ?? 3);
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
for (const file of ["mixed", "prose", "code", "json", "scripts", "varied"]) {
  const bytes = readFileSync(`${dir}/${file}.txt`);
  const text = decoder.decode(bytes);
  for (const name of ["cl100k_base", "o200k_base"]) {
    const enc = get_encoding(name);
    let best = Infinity;
    let tokens = 0;
    for (let i = 0; i < runs; ++i) {
      const t0 = process.hrtime.bigint();
      tokens = enc.encode_ordinary(text).length;
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    enc.free();
    console.log(`${file.padEnd(12)} ${name.padEnd(12)} ${(bytes.length / 1e6 / best).toFixed(1).padStart(10)} ${String(tokens).padStart(10)}`);
  }
}
