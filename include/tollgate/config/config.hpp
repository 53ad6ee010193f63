// The gateway's configuration as plain data with safe defaults; filled by load_config().
// Immutable once loaded: shared between workers as std::shared_ptr<const config>.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::config {

using seconds = std::chrono::seconds;
using milliseconds = std::chrono::milliseconds;

/// A host and port to bind or connect to. IPv6 literals are kept without brackets.
struct endpoint {
    std::string host;
    std::uint16_t port = 0;
};

struct tls_files {
    std::string cert_file;
    std::string key_file;
};

/// What to do with a request header whose name has an underscore (`X-Consumer_ID`): CGI and
/// WSGI upstreams fold `_` into `-`, so it could pose as a header the gateway sets.
enum class underscore_headers { drop, reject, allow };

struct server_limits {
    std::size_t max_body_bytes = 16 * 1024 * 1024;
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_header_count = 100;
    std::size_t max_json_depth = 64;          // nesting levels of the request JSON
    std::size_t max_chunk_line_bytes = 1024;  // one chunk-size line incl. extensions
    // A chunked body's framing bytes (size lines, extensions, CRLFs) per payload byte, above
    // a 4 KiB allowance: past it the body is a flood of tiny chunks and is refused.
    unsigned max_chunk_overhead = 8;
    milliseconds header_timeout{10'000};  // first byte to end of headers
    milliseconds body_timeout{60'000};    // end of headers to end of body
    milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
    milliseconds send_timeout{60'000};    // one write to a client that reads nothing
    // Open client connections, in all and from one address (0: no cap); past a cap a new
    // connection gets 503 with Retry-After and is closed.
    std::size_t max_connections = 10'000;
    std::size_t max_connections_per_address = 1'000;
    underscore_headers headers_with_underscores = underscore_headers::drop;
};

struct server_config {
    endpoint listen{"0.0.0.0", 8080};
    unsigned threads = 0;  // 0 = one per core
    std::optional<tls_files> tls;
    server_limits limits;
    milliseconds drain_timeout{30'000};  // SIGTERM: finish in-flight requests this long
};

/// A named Admin API token: `read` may only GET; `write` may do everything.
struct admin_token {
    std::string name;
    std::string token;
    bool write = false;
};

struct admin_config {
    endpoint listen{"127.0.0.1", 9091};
    std::string token;  // named "admin", scope write
    std::vector<admin_token> tokens;
    // Where every admin change is appended as a JSON line; empty: the diagnostics (stderr).
    std::string audit_log;
    // The file set `token: ""` literally (not through an empty ${VAR}): the only way to run
    // the admin API without a token, and only on loopback.
    bool token_explicitly_empty = false;
    std::size_t max_body_bytes = 1024 * 1024;
    milliseconds timeout{10'000};      // one admin request: read, handle, write
    std::size_t max_connections = 64;  // open at once; more are answered 503 and closed
    // /healthz and /readyz answer without the token (load-balancer probes cannot send one;
    // the answers reveal nothing secret). false: they need it too.
    bool open_probes = true;
};

/// Edge authentication of proxied requests by API key.
struct auth_config {
    bool enabled = true;               // false: no key needed (benchmarks, trusted networks)
    std::size_t cache_size = 10'000;   // key records cached per worker
    milliseconds cache_ttl{30'000};    // a cached record is re-read after this long
    milliseconds negative_ttl{5'000};  // an unknown well-formed key is remembered this long
};

enum class store_kind { memory, redis };
enum class on_store_error { fail_closed, fail_open };

struct store_config {
    store_kind kind = store_kind::memory;
    std::string path;
    std::string url = "redis://127.0.0.1:6379/0";
    on_store_error on_error = on_store_error::fail_closed;
    // memory: the journal
    bool fsync = true;                   // fsync after every journal record (admin writes)
    std::size_t compact_after = 10'000;  // records appended since the last compaction
    // The usage log beside the journal (path + ".usage"): one group commit this often, and a
    // compaction once it is this large.
    milliseconds usage_commit_interval{10};
    std::size_t usage_compact_bytes = 64 * 1024 * 1024;
    // redis
    milliseconds connect_timeout{2'000};
    milliseconds command_timeout{1'000};  // every command's deadline
    std::size_t max_pending = 4'096;      // commands in flight per connection; more fail fast
    milliseconds reconnect_max{5'000};    // backoff ceiling (starts at 50ms, doubles)
    bool verify_tls = true;               // rediss://
    std::string ca_file;                  // rediss://, empty: the system's trust store
};

enum class api_format { openai, anthropic };

/// One address of an upstream, with its own credential and share of the traffic.
struct endpoint_config {
    std::string url;
    std::optional<std::string> api_key;  // unset: the upstream's api_key
    unsigned weight = 1;                 // 1..1000
};

enum class balance { round_robin, least_requests };

/// Passive health: an endpoint that fails `failures` times in a row (connect failure, reset
/// before an answer, timeout, or a 5xx answer) is left out for `eject_time`, doubled at each
/// ejection in a row up to `max_eject_time`.
struct health_config {
    unsigned failures = 5;  // 0: never eject
    milliseconds eject_time{10'000};
    milliseconds max_eject_time{300'000};
};

/// What a retry (another endpoint, before any byte of the answer reached the client) or a
/// fallback (another upstream) is allowed on.
struct failure_set {
    bool connect_failure = false;    // DNS, TCP or TLS: the upstream never saw the request
    bool reset = false;              // the connection broke before any byte of the answer
    bool timeout = false;            // no answer within `timeout` (the work may have run)
    std::vector<unsigned> statuses;  // answers with these statuses (e.g. 429, 502, 503)
};

struct retry_config {
    unsigned attempts = 1;  // retries after the first try; 0: none
    // Retries may be at most this share of requests (plus min_per_second): no retry storm
    // when an upstream goes down under load.
    double budget = 0.2;
    unsigned min_per_second = 5;
    failure_set on{true, true, false, {502, 503, 504}};
};

struct fallback_config {
    std::string upstream;  // another upstream's name
    std::string model;     // the model to ask it for; empty: the request's own
};

/// One upstream as the operator wrote it; upstream::target is its parsed, usable form.
struct upstream_config {
    std::string name;
    std::string url;  // one endpoint; or `endpoints`
    std::string api_key;
    std::vector<endpoint_config> endpoints;  // filled from `url` when only that is given
    api_format format = api_format::openai;
    std::vector<std::string> models;  // glob patterns
    balance balancing = balance::round_robin;
    health_config health;
    retry_config retries;
    std::vector<fallback_config> fallbacks;  // tried in order when this upstream fails
    failure_set fallback_on{true, true, true, {429, 500, 502, 503, 504}};
    // Back-pressure per endpoint, shared out between the workers (0: no cap). A request
    // over a cap waits up to queue_timeout for a slot, then gets 503 with Retry-After.
    std::size_t max_connections = 0;
    std::size_t max_in_flight = 0;
    milliseconds queue_timeout{1'000};
    milliseconds connect_timeout{5'000};
    milliseconds timeout{600'000};       // request sent -> response headers
    milliseconds idle_timeout{300'000};  // longest silence between two body pieces
    // An event stream must bring a data event this often: SSE comments and empty lines keep
    // the connection busy but do not count, so a stream of keep-alive comments ends.
    milliseconds max_event_gap{300'000};
    // Longest relay of one response body, head to end, however lively.
    milliseconds max_stream_duration{1'800'000};
    // An idle pooled connection is closed after this (sooner if the upstream's Keep-Alive
    // header says it closes sooner): below the 5 s of uvicorn (vLLM), Node and llama.cpp.
    milliseconds keepalive_timeout{4'000};
    std::size_t max_idle_connections = 64;     // per worker
    std::size_t max_header_bytes = 64 * 1024;  // response status line + headers; more -> 502
    // A JSON answer or one SSE event larger than this is relayed but not held to read its
    // usage (the produced bytes are then estimated): a line that never ends costs no more.
    std::size_t max_event_bytes = 8 * 1024 * 1024;
    bool verify_tls = true;
    std::string ca_file;  // empty: the system's trust store
    std::string anthropic_version = "2023-06-01";
};

struct price {
    double input = 0;   // USD per million prompt tokens
    double output = 0;  // USD per million completion tokens
};

enum class window { second, minute, hour, day, week, month };
enum class metric { tokens, prompt_tokens, completion_tokens, requests, cost_usd };

/// The largest amounts a limit or a price may name: every sum the ledger keeps then fits in
/// 64 bits (a count of 1e15 tokens or requests; $9 M in pico-USD; $10,000 per million tokens
/// times the 50 M tokens a reported usage may claim). A larger need is spelled `unlimited`,
/// which is the same as naming no such limit (and says so, e.g. to override a plan's).
inline constexpr double max_limit_count = 1e15;
inline constexpr double max_limit_usd = 9e6;
inline constexpr double max_price_per_million = 1e4;

struct limit {
    window per = window::minute;
    metric what = metric::tokens;
    double amount = 0;
    std::vector<std::string> models;  // empty: every model
};

struct plan {
    std::vector<limit> limits;
};

enum class admission { estimate, strict };
enum class missing_max_tokens { clamp, reject };

struct quota_config {
    admission mode = admission::estimate;
    missing_max_tokens on_missing_max_tokens = missing_max_tokens::clamp;
    // A reservation not settled this long after it was made is charged in full (its
    // instance died); keep it above the longest stream you serve.
    seconds reservation_ttl{900};
    // Completion tokens reserved (and set in the body) for a request that names no limit
    // when no quota bounds it.
    std::size_t default_max_tokens = 4096;
    // Settlements (and fail_open charges) the store could not take, kept per worker and
    // retried every backlog_retry until it takes them; beyond backlog_limit the oldest are
    // dropped (a dropped settlement's reservation still expires charged in full).
    std::size_t backlog_limit = 100'000;
    milliseconds backlog_retry{500};
    // Reported completion tokens above this many times those granted (the limit written into
    // the body) are charged at that bound, and flagged: a buggy or hostile upstream cannot
    // bill more than the request could produce (docs/METERING.md).
    double max_usage_ratio = 1.5;
    // Redis store: each worker reserves a lease of up to `requests` requests' worth (at most
    // 1/`share` of what a limit has left) and serves the consumer's next requests from it for
    // `max_age`, without a Redis round trip. requests: 1 turns leasing off (docs/METERING.md).
    struct lease_config {
        std::size_t requests = 128;
        std::size_t share = 8;
        milliseconds max_age{1'000};
    } lease;
};

// tokenizer: which vocabulary counts a model's tokens (docs/TOKENIZER.md).
enum class special_tokens_mode { text, recognised };

struct tokenizer_file {
    std::string file;                    // a tiktoken-format vocabulary
    std::string pattern = "o200k_base";  // split pattern: a built-in encoding's name or a regex
};

struct tokenizer_rule {
    std::string match;     // a model glob
    std::string encoding;  // a built-in or configured encoding, or "estimate"
};

struct tokenizer_config {
    // The encoding of a model no rule names (Claude, open models: an approximation), or
    // "estimate" for ceil(bytes / 4).
    std::string default_encoding = "o200k_base";
    special_tokens_mode special_tokens = special_tokens_mode::text;
    std::map<std::string, tokenizer_file> encodings;
    // Tried in order before the built-in rules (docs/TOKENIZER.md).
    std::vector<tokenizer_rule> models;
    // Prompt and completion text beyond this many bytes per request is not tokenized: it is
    // counted at the tokens-per-byte ratio of the part that was, so a huge body never holds
    // an io thread for long (1 MiB takes ~15 ms).
    std::size_t max_bytes = 1024 * 1024;
    // Token counts of prompt texts each worker remembers (16 bytes each), so that a system
    // prompt or a conversation resent every turn is hashed instead of tokenized again; 0
    // turns the cache off.
    unsigned count_cache_entries = 16384;
    // A metered prompt of at least this many bytes is counted on the count pool, not on the
    // io thread, which meanwhile serves its other connections (64 KiB: about 1 ms of
    // tokenizing). 0: always inline.
    std::size_t offload_bytes = 64 * 1024;
    // Threads of that pool, shared by the workers (takes effect on restart).
    unsigned count_threads = 1;
};

enum class log_format { text, json };

struct log_config {
    std::string level = "info";
    log_format format = log_format::text;
    bool access_log = true;
    // Access lines waiting for standard output before io threads wait for it (none dropped).
    std::size_t access_buffer_bytes = 16 * 1024 * 1024;
};

/// GET /metrics on the admin listener.
struct metrics_config {
    bool open = false;  // true: /metrics answers without the admin token
    // Label sets kept per labelled family and worker (consumer x model, route x status x
    // upstream); past it new ones are folded into "other". Read at start.
    std::size_t max_series = 1'000;
};

struct config {
    server_config server;
    admin_config admin;
    auth_config auth;
    store_config store;
    std::vector<upstream_config> upstreams;
    std::map<std::string, price> pricing;
    std::map<std::string, plan> plans;
    std::string default_plan;
    quota_config quota;
    tokenizer_config tokenizer;
    log_config log;
    metrics_config metrics;
};

}  // namespace tollgate::config
