#!/usr/bin/env python3
"""Writes the seed inputs of each fuzz target into fuzz/corpus/<target>/seed-*: typical and
edge-case messages from the tests, so that fuzzing starts from inputs that reach deep. The
corpora the fuzzer grows from them are committed beside (scripts/fuzz.sh --merge)."""
import hashlib, json, os, pathlib, sys

root = pathlib.Path(__file__).resolve().parent / "corpus"

def put(target, data):
    if isinstance(data, str):
        data = data.encode("latin-1")
    d = root / target
    d.mkdir(parents=True, exist_ok=True)
    (d / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)

requests = [
    "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer tg_abc\r\n"
    "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n0\r\n\r\n",
    "POST /v1/messages HTTP/1.1\r\nHost: gw\r\nx-api-key: tg_abc\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3;ext=1\r\nabc\r\n2;a=\"q\\\"x\"\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n",
    "GET /v1/models HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "\r\nGET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
]
for i, r in enumerate(requests):
    put("request_head", chr(i % 3) + r)
    put("http_differential", r)

responses = [
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    "e\r\ndata: {\"a\":1}\n\n\r\n0\r\n\r\n",
    "HTTP/1.0 200 OK\r\n\r\nuntil the close",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz",
]
for i, r in enumerate(responses):
    put("response", chr(i % 3) + r)
    put("response", chr(0x80 | i) + r)

chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi \u00e9"}],
        "max_tokens": 64, "stream": True, "stream_options": {"include_usage": True}, "n": 2}
bodies = [
    json.dumps(chat),
    '{"model":"m","max_completion_tokens":5000,"max_tokens":5,"messages":[]}',
    '{"mod\\u0065l":"m","input":"text","max_output_tokens":null}',
    '{"model":"claude","system":"s","messages":[{"role":"user","content":"x"}],"max_tokens":1024}',
    '{"model":"e","input":["a","b"],"encoding_format":"base64"}',
    '{"model":"m","n":1e2,"stream":"true"}',
    '{"model":"m","prompt":"p","max_tokens":-1}',
    '{"model":"m","a":[[[[{"b":[1,2,{"c":null}]}]]]],"temperature":0.5}',
]
for api in range(4):
    for b in bodies:
        put("request_scan", chr(api) + b)

usage_json = [
    '{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"}}],'
    '"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,'
    '"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":1}}}',
    '{"object":"response","output":[{"type":"message","content":[{"type":"output_text","text":"Hi"}]}],'
    '"usage":{"input_tokens":5,"output_tokens":1}}',
    '{"type":"message","content":[{"type":"text","text":"Hi"}],"usage":{"input_tokens":3,"output_tokens":1}}',
    '{"usage":{"prompt_tokens":-5,"completion_tokens":"7"}}',
]
usage_sse = [
    'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
    'data: {"choices":[{"index":0,"delta":{"content":"lo"}}]}\n\n'
    'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2}}\n\ndata: [DONE]\n\n',
    'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":10,"output_tokens":1}}}\n\n'
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n'
    'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":5}}\n\n',
    'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\n'
    'event: response.completed\ndata: {"type":"response.completed","response":{"usage":{"input_tokens":4,"output_tokens":1}}}\n\n',
    ': comment\r\n\r\ndata: {"choices":[{"index":1,"text":"x"}]}\r\n\r\n',
]
for i, u in enumerate(usage_json):
    put("usage_reader", chr(2 * i) + u)
for i, u in enumerate(usage_sse):
    put("usage_reader", chr(2 * i + 1) + u)
    put("sse", chr(i) + u)
put("sse", "\x05event: a\rdata: 1\rid: 7\r\rdata\n\n:x\n\ndata: a\r\ndata: b\r\n\r\n")

here = pathlib.Path(__file__).resolve().parent.parent
for name in ("tollgate.yaml", "tollgate.example.yaml"):
    put("config", (here / "config" / name).read_bytes())
put("config", "tokenizer: {default: cl100k_base}\nupstreams: []\n")
put("config", "server: {listen: ':8080', header_timeout: 0}\nserver: {}\n")

admin = [
    (0, '{"id":"acme","plan":"pro","metadata":{"tier":"gold","n":[1,2]},"limits":{"tokens_per_day":1000}}'),
    (0, ''),
    (1, '{"plan":"free","disabled":true,"metadata":null}'),
    (2, '{"name":"prod","expires_at":"2027-01-01T00:00:00Z","models":["gpt-4o*"]}'),
    (3, '{"grace_seconds":60}'),
    (4, '/v1/consumers?limit=10&cursor=c_1'),
]
for kind, body in admin:
    put("admin_input", chr(kind) + body)

resp = ["+OK\r\n", "-ERR boom\r\n", ":42\r\n", "$5\r\nhello\r\n", "$-1\r\n",
        "*3\r\n:1\r\n$1\r\na\r\n*1\r\n+x\r\n", "*-1\r\n", "%1\r\n+a\r\n:1\r\n"]
for i, r in enumerate(resp):
    put("resp", chr(i) + r)

texts = ["Hello, world! How are you today?", "  indented\n\tcode() { return 42; }\n",
         "日本語のテキストと English mixed 123456789", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "don't you'll I'M 's 're \u00e9\u00e8 emoji \U0001F600"]
for t in texts:
    put("tokenizer", t.encode("utf-8"))
