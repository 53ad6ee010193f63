// Writes tokenizer conformance vectors: for each input (bytes, base64 in the file), the ids
// that the reference tokenizer (npm `tiktoken`: OpenAI's Rust tiktoken built to WASM,
// encode_ordinary) gives under cl100k_base and o200k_base. Bytes that are not valid UTF-8 are
// decoded with TextDecoder (each maximal ill-formed subpart becomes U+FFFD), the behaviour
// Tollgate documents. Usage: node make_vectors.mjs [OUT.json] [--random N --seed S]
import { get_encoding } from "tiktoken";
import { writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const out = args[0] && !args[0].startsWith("--") ? args[0] : "../../tests/data/tokenizer_vectors.json";
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const randomCount = opt("--random", 400);
let seed = opt("--seed", 20261124) >>> 0;

const cases = [];
const text = (name, s) => cases.push({ name, bytes: Buffer.from(s, "utf8") });
const raw = (name, bytes) => cases.push({ name, bytes: Buffer.from(bytes) });

// Empty and white space.
text("empty", "");
for (const [n, s] of Object.entries({
  space: " ", spaces2: "  ", spaces7: "       ", tab: "\t", tabs: "\t\t\t", newline: "\n",
  newlines: "\n\n\n\n", crlf: "\r\n", crlfs: "\r\n\r\n\r\n", cr: "\r", mixed_ws: " \t\n \r\n\t ",
  nbsp: "\u00a0\u00a0", ideographic_space: "\u3000x\u3000", line_sep: "a\u2028b\u2029c",
  mongolian_vowel_separator: "a\u180eb", word_spaces: "a  b   c    d", leading: "   hello",
  trailing: "hello   ", space_newline: "hello \n world", indent: "def f():\n    return 1\n\n\n",
  ws_before_punct: "x   !", tabs_words: "a\t\tb\t\t\tc",
})) text("ws_" + n, s);

// Contractions, in every case.
text("contractions", "I'm you're we've they'll she'd it's don't can't won't");
text("contractions_upper", "I'M YOU'RE WE'VE THEY'LL SHE'D IT'S DON'T");
text("contractions_mixed", "It'S We'Ve they'LL 'd 's'''s");
text("contractions_long_s", "it'\u017f THAT'\u017f");
text("apostrophes", "rock 'n' roll, 'quoted', O'Neil's");
text("right_quote", "it\u2019s don\u2019t");

// Numbers.
text("digits_long", "12345678901234567890");
text("numbers_mixed", "3.14159 2,718 1e-10 0x1F 007 -42 +1");
text("digits_arabic_indic", "\u0661\u0662\u0663\u0664\u0665");
text("digits_devanagari", "\u0967\u0968\u0969 \u096a\u096b");
text("fractions_superscripts", "\u00bd \u00b2\u00b3 \u2160\u2161");
text("phone", "+1 (555) 123-4567");

// Emoji and symbols.
text("emoji", "\ud83d\udc4d \ud83d\ude00\ud83d\ude00");
text("emoji_skin_tone", "\ud83d\udc4d\ud83c\udffd \ud83d\udc4b\ud83c\udfff");
text("emoji_zwj_family", "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66");
text("emoji_flag", "\ud83c\udff3\ufe0f\u200d\ud83c\udf08 \ud83c\uddeb\ud83c\uddf7");
text("emoji_in_text", "I love it\u2764\ufe0f!! so much\ud83d\udd25\ud83d\udd25");
text("symbols", "\u00a9\u00ae\u2122 \u20ac100 \u00a3 \u00a5 \u2192 \u2264 \u221e");

// Scripts.
text("cjk_chinese", "\u4eca\u5929\u5929\u6c14\u5f88\u597d\uff0c\u6211\u4eec\u53bb\u516c\u56ed\u6563\u6b65\u5427\u3002");
text("cjk_japanese", "\u3053\u3093\u306b\u3061\u306f\u4e16\u754c\u3002\u30ab\u30bf\u30ab\u30ca\u3068\u3072\u3089\u304c\u306a\u3002");
text("cjk_korean", "\uc548\ub155\ud558\uc138\uc694 \uc138\uacc4! \ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8");
text("arabic", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645\u060c \u0643\u064a\u0641 \u062d\u0627\u0644\u0643\u061f");
text("arabic_diacritics", "\u0627\u0644\u0633\u0651\u064e\u0644\u0627\u0645\u064f \u0639\u064e\u0644\u064e\u064a\u0652\u0643\u064f\u0645\u0652");
text("hebrew", "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd! \u05de\u05d4 \u05e9\u05dc\u05d5\u05de\u05da?");
text("devanagari", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e\u0964 \u0939\u093f\u0928\u094d\u0926\u0940 \u092d\u093e\u0937\u093e");
text("thai", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22");
text("cyrillic", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u041a\u0430\u043a \u0434\u0435\u043b\u0430?");
text("greek", "\u0393\u03b5\u03b9\u03ac \u03c3\u03bf\u03c5 \u039a\u03cc\u03c3\u03bc\u03b5");
text("combining_marks", "e\u0301te\u0301 Z\u0324\u0354\u0367\u0311\u0313 a\u0308\u0304");
text("case_mix_o200k", "HTTPServer getHTTPResponse iPhone McDonald's \u01c5ungla");
text("title_case_letters", "\u01c4\u01c5\u01c6 \u1f88\u1f89");

// Code, JSON, URLs, markup.
text("code_cpp", "#include <vector>\nint main() {\n\tstd::vector<int> v{1, 2, 3};\n\treturn v.size() > 2 ? 0 : 1; // ok\n}\n");
text("code_python", "def f(x):\n    if x <= 0:\n        return []\n    return [i**2 for i in range(x)]\n");
text("json", '{"model":"gpt-4o","messages":[{"role":"user","content":"Hi \\u00e9 \\n"}],"n":1,"x":null}');
text("url", "https://example.com/path/to/page?query=1&b=two#frag and http://a.b/c/d/");
text("markdown", "# Title\n\n* item one\n* item two\n\n```js\nconsole.log('x');\n```\n");
text("html", "<div class=\"a\"><p>Hello&nbsp;<b>world</b></p></div>");
text("punctuation_runs", "!!!??? ... --- *** ///\\\\\\ ((([[[{{{");
text("slashes_newlines", "a/\n/b//\n\n/c");
text("special_token_text", "<|endoftext|> hello <|endofprompt|><|fim_prefix|>");

// Long runs (the merge loop's worst case) and mixed.
text("long_spaces", " ".repeat(5000));
text("long_letter", "a".repeat(3000));
text("long_punct", "!".repeat(2000));
text("long_newlines", "\n".repeat(1000));
text("long_cjk", "\u6c49\u5b57".repeat(700));
text("long_digits", "9".repeat(1000));
text("long_mixed_word", "ab".repeat(800) + "c");

// Bytes that are not valid UTF-8.
raw("invalid_ff", [0xff]);
raw("invalid_continuation", [0x61, 0x80, 0x62]);
raw("invalid_truncated_3", [0x61, 0xe2, 0x82, 0x62]);
raw("invalid_truncated_4_end", [0x61, 0xf0, 0x9f, 0x98]);
raw("invalid_overlong", [0xc0, 0xaf, 0xe0, 0x80, 0xaf]);
raw("invalid_surrogate", [0xed, 0xa0, 0x80, 0x20, 0x78]);
raw("invalid_above_max", [0xf4, 0x90, 0x80, 0x80]);
raw("invalid_mixed_text", [...Buffer.from("hello "), 0xfe, 0xfe, ...Buffer.from(" w\u00f6rld "), 0xc3]);

// Differential fuzz: random strings from a palette across the pattern's classes.
function rnd() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const palette = [
  ..."abcXYZ  \t\n\r'sStTmMdDlLvVeErR0123456789.,!?-_/\\\"{}[]()<>|:;@#$%^&*+=~`",
  "\u00e9", "\u00c9", "\u00df", "\u0301", "\u00a0", "\u3000", "\u2028", "\u4e2d", "\u6587",
  "\u3042", "\u30a2", "\uac00", "\u0627", "\u05d0", "\u0915", "\u094d", "\u0e01", "\u0e31",
  "\u0416", "\u03a9", "\u0661", "\u00bd", "\u2122", "\ud83d\ude00", "\ud83c\udffd", "\u200d",
  "\ufe0f", "\ufeff", "\u017f", "\u01c5", "\u180e", "<|endoftext|>",
];
for (let i = 0; i < randomCount; ++i) {
  const len = 1 + Math.floor(rnd() * (rnd() < 0.1 ? 400 : 40));
  let s = "";
  for (let k = 0; k < len; ++k) s += palette[Math.floor(rnd() * palette.length)];
  text("random_" + i, s);
}

const encodings = ["cl100k_base", "o200k_base"].map((n) => [n, get_encoding(n)]);
// ignoreBOM: keep a leading U+FEFF as text (by default TextDecoder drops it).
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const vectors = cases.map(({ name, bytes }) => {
  const s = decoder.decode(bytes);
  const v = { name, input: bytes.toString("base64") };
  for (const [n, e] of encodings) v[n] = Array.from(e.encode_ordinary(s));
  return v;
});
for (const [, e] of encodings) e.free();
// One vector per line, so that a change shows as a readable diff.
const body = vectors.map((v) => JSON.stringify(v)).join(",\n");
writeFileSync(out, `{"reference":"npm tiktoken 1.0.22 encode_ordinary","vectors":[\n${body}\n]}\n`);
console.log(`${out}: ${vectors.length} vectors`);
