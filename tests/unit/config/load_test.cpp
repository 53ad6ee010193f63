#include "tollgate/config/load.hpp"

#include <gtest/gtest.h>

namespace tollgate::config {
namespace {

const env_lookup no_env = [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
};

load_result parse(const std::string& yaml) {
    return parse_config(yaml, "t.yaml", no_env);
}

constexpr const char* minimal = R"(
admin:
  token: t
upstreams:
  - name: a
    url: http://127.0.0.1:9000
    models: ["gpt-*"]
)";

TEST(LoadConfig, MinimalFileTakesDefaults) {
    auto r = parse(minimal);
    ASSERT_TRUE(r.problems.empty()) << to_string(r.problems.front());
    EXPECT_EQ(r.value.server.listen.port, 8080);
    EXPECT_EQ(r.value.server.limits.max_body_bytes, 16u * 1024 * 1024);
    EXPECT_EQ(r.value.admin.listen.host, "127.0.0.1");
    EXPECT_EQ(r.value.upstreams.at(0).timeout, std::chrono::seconds(600));
}

TEST(LoadConfig, ReadsEveryServerKey) {
    auto r = parse(std::string(R"(
server:
  listen: 127.0.0.1:18080
  threads: 3
  drain_timeout: 5s
  limits: { max_body_bytes: 1MiB, max_header_bytes: 8KiB, max_header_count: 20,
            max_json_depth: 8, max_chunk_line_bytes: 64, header_timeout: 2s,
            body_timeout: 3s, idle_timeout: 4s }
)") + minimal);
    ASSERT_TRUE(r.problems.empty()) << to_string(r.problems.front());
    const auto& s = r.value.server;
    EXPECT_EQ(s.listen.port, 18080);
    EXPECT_EQ(s.threads, 3u);
    EXPECT_EQ(s.drain_timeout, std::chrono::seconds(5));
    EXPECT_EQ(s.limits.max_body_bytes, 1u << 20);
    EXPECT_EQ(s.limits.max_header_count, 20u);
    EXPECT_EQ(s.limits.max_json_depth, 8u);
    EXPECT_EQ(s.limits.idle_timeout, std::chrono::seconds(4));
}

TEST(LoadConfig, ReadsEveryUpstreamKey) {
    auto r = parse(R"(
admin: { token: t }
upstreams:
  - name: a
    url: https://api.example.com/base
    api_key: sk
    format: anthropic
    models: ["claude-*"]
    connect_timeout: 2s
    timeout: 90s
    idle_timeout: 45s
    max_idle_connections: 8
    max_header_bytes: 32KiB
    verify_tls: false
    ca_file: /etc/ca.pem
    anthropic_version: 2024-01-01
)");
    ASSERT_TRUE(r.problems.empty()) << to_string(r.problems.front());
    const auto& u = r.value.upstreams.at(0);
    EXPECT_EQ(u.format, api_format::anthropic);
    EXPECT_EQ(u.connect_timeout, std::chrono::seconds(2));
    EXPECT_EQ(u.timeout, std::chrono::seconds(90));
    EXPECT_EQ(u.idle_timeout, std::chrono::seconds(45));
    EXPECT_EQ(u.max_idle_connections, 8u);
    EXPECT_EQ(u.max_header_bytes, 32u * 1024);
    EXPECT_FALSE(u.verify_tls);
    EXPECT_EQ(u.ca_file, "/etc/ca.pem");
    EXPECT_EQ(u.anthropic_version, "2024-01-01");
}

TEST(LoadConfig, ReadsEveryLogKey) {
    auto r = parse(std::string(minimal) + R"(
log: { level: warn, format: json, access_log: false, access_buffer_bytes: 1MiB }
)");
    ASSERT_TRUE(r.problems.empty()) << to_string(r.problems.front());
    EXPECT_EQ(r.value.log.level, "warn");
    EXPECT_EQ(r.value.log.format, log_format::json);
    EXPECT_FALSE(r.value.log.access_log);
    EXPECT_EQ(r.value.log.access_buffer_bytes, 1024u * 1024);
    EXPECT_EQ(parse(minimal).value.log.access_buffer_bytes, 16u * 1024 * 1024);
}

TEST(LoadConfig, UnknownKeyIsReportedWithLineAndPath) {
    auto r = parse(std::string("server:\n  listen: 0.0.0.0:1\n  thraeds: 2\n") + minimal);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].line, 3);
    EXPECT_EQ(r.problems[0].key_path, "server.thraeds");
    EXPECT_EQ(to_string(r.problems[0]), "t.yaml:3: server.thraeds: unknown key");
}

TEST(LoadConfig, ReportsEveryProblemAtOnce) {
    auto r = parse(R"(
server:
  listen: nowhere
  limits: { header_timeout: soon, max_body_bytes: lots }
store: { kind: postgres }
upstreams:
  - name: a
    url: ftp://x
    models: []
)");
    std::vector<std::string> paths;
    for (const auto& p : r.problems) {
        paths.push_back(p.key_path);
        EXPECT_TRUE(p.line > 0 || p.key_path == "admin.token") << p.key_path;
    }
    // Every phase: the keys one by one, then the checks across keys (the missing token).
    EXPECT_EQ(paths,
              (std::vector<std::string>{"server.listen",
                                        "server.limits.max_body_bytes",
                                        "server.limits.header_timeout",
                                        "store.kind",
                                        "upstreams[0].url",
                                        "upstreams[0].models",
                                        "admin.token"}));
}

TEST(LoadConfig, ExpandsEnvironmentAndReportsMissingVariables) {
    const env_lookup env = [](const std::string& n) -> std::optional<std::string> {
        return n == "KEY" ? std::optional<std::string>("sk-123") : std::nullopt;
    };
    auto ok = parse_config(std::string(minimal) + "    api_key: ${KEY}\n", "t.yaml", env);
    ASSERT_TRUE(ok.problems.empty());
    EXPECT_EQ(ok.value.upstreams[0].api_key, "sk-123");
    auto bad = parse_config(std::string(minimal) + "    api_key: ${NOPE}\n", "t.yaml", env);
    ASSERT_EQ(bad.problems.size(), 1u);
    EXPECT_EQ(bad.problems[0].key_path, "upstreams[0].api_key");
    EXPECT_NE(bad.problems[0].message.find("NOPE"), std::string::npos);
}

TEST(LoadConfig, SyntaxErrorNamesTheLine) {
    auto r = parse("server:\n  listen: [unclosed\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_GT(r.problems[0].line, 0);
    EXPECT_NE(r.problems[0].message.find("YAML syntax"), std::string::npos);
}

TEST(LoadConfig, ReadsPlansPricingAndQuota) {
    auto r = parse(std::string(minimal) + R"(
pricing:
  gpt-4o-mini: { input: 0.15, output: 0.60 }
plans:
  free:
    limits:
      - { window: minute, tokens: 20000 }
      - { window: month, cost_usd: 5, models: ["gpt-4o*"] }
default_plan: free
quota: { admission: strict, on_missing_max_tokens: reject }
)");
    ASSERT_TRUE(r.problems.empty()) << to_string(r.problems.front());
    EXPECT_DOUBLE_EQ(r.value.pricing.at("gpt-4o-mini").output, 0.60);
    const auto& limits = r.value.plans.at("free").limits;
    ASSERT_EQ(limits.size(), 2u);
    EXPECT_EQ(limits[1].what, metric::cost_usd);
    EXPECT_EQ(limits[1].per, window::month);
    EXPECT_EQ(limits[1].models, std::vector<std::string>{"gpt-4o*"});
    EXPECT_EQ(r.value.quota.mode, admission::strict);
}

TEST(LoadConfig, CrossFieldChecks) {
    auto r = parse(std::string(minimal) + R"(
  - name: a
    url: http://127.0.0.1:9001
    models: ["x"]
default_plan: gold
plans:
  free: { limits: [ { window: day, tokens: 1, requests: 2 } ] }
)");
    std::vector<std::string> messages;
    for (const auto& p : r.problems) {
        messages.push_back(p.key_path);
    }
    // The bad limit, and the checks across keys too: a second upstream "a", a default plan
    // no plan has.
    EXPECT_EQ(
        messages,
        (std::vector<std::string>{"plans.free.limits[0]", "upstreams[1].name", "default_plan"}));
    auto r2 = parse(std::string(minimal) + R"(
  - name: a
    url: http://127.0.0.1:9001
    models: ["x"]
default_plan: gold
)");
    ASSERT_EQ(r2.problems.size(), 2u);
    EXPECT_EQ(r2.problems[0].key_path, "upstreams[1].name");
    EXPECT_EQ(r2.problems[1].key_path, "default_plan");
}

constexpr const char* upstream_only = R"(
upstreams:
  - name: a
    url: http://127.0.0.1:9000
    models: ["gpt-*"]
)";

TEST(LoadConfig, AdminTokenMustBeSetOrExplicitlyEmptyOnLoopback) {
    auto missing = parse(upstream_only);
    ASSERT_EQ(missing.problems.size(), 1u);
    EXPECT_EQ(missing.problems[0].key_path, "admin.token");

    const env_lookup empty_env = [](const std::string&) -> std::optional<std::string> {
        return "";
    };
    auto from_empty_var = parse_config(
        std::string("admin: { token: \"${T}\" }\n") + upstream_only, "t.yaml", empty_env);
    ASSERT_EQ(from_empty_var.problems.size(), 1u) << "an empty variable is not a decision";

    auto explicit_loopback = parse(std::string("admin: { token: \"\" }\n") + upstream_only);
    EXPECT_TRUE(explicit_loopback.problems.empty());
    EXPECT_TRUE(explicit_loopback.value.admin.token_explicitly_empty);

    auto explicit_public =
        parse(std::string("admin: { listen: 0.0.0.0:9091, token: \"\" }\n") + upstream_only);
    ASSERT_EQ(explicit_public.problems.size(), 1u);
    EXPECT_EQ(explicit_public.problems[0].key_path, "admin.token");
}

TEST(LoadConfig, NamedAdminTokensHaveAScopeAndAreEachTheirOwn) {
    auto r = parse(std::string(R"(
admin:
  tokens:
    - { name: billing, token: billing-token-0123456789, scope: read }
    - { name: backend, token: backend-token-0123456789, scope: write }
  audit_log: /var/log/tollgate/audit.jsonl
)") + upstream_only);
    ASSERT_TRUE(r.problems.empty()) << to_string(r.problems.front());  // no admin.token needed
    ASSERT_EQ(r.value.admin.tokens.size(), 2u);
    EXPECT_FALSE(r.value.admin.tokens[0].write);
    EXPECT_TRUE(r.value.admin.tokens[1].write);
    EXPECT_EQ(r.value.admin.audit_log, "/var/log/tollgate/audit.jsonl");

    const auto bad = parse(std::string(R"(
admin:
  token: admin-token-0123456789
  tokens:
    - { name: admin, token: other-token-0123456789, scope: read }
    - { name: "a b", token: short, scope: write }
    - { name: c, token: admin-token-0123456789, scope: read }
    - { name: d, token: fourth-token-0123456789, scope: all }
    - { name: e, token: fifth-token-0123456789 }
)") + upstream_only);
    std::vector<std::string> paths;
    for (const auto& p : bad.problems) {
        paths.push_back(p.key_path);
    }
    EXPECT_EQ(paths,
              (std::vector<std::string>{"admin.tokens[3].scope",
                                        "admin.tokens[4]",
                                        "admin.tokens[0].name",
                                        "admin.tokens[1].name",
                                        "admin.tokens[1].token",
                                        "admin.tokens[2].token"}));
}

TEST(LoadConfig, ReadsAuthAdminAndStoreKeys) {
    auto r = parse(std::string(minimal) + R"(
auth: { enabled: false, cache_size: 5, cache_ttl: 2s, negative_ttl: 1s }
store:
  kind: redis
  url: rediss://:pw@127.0.0.1:6380/2
  command_timeout: 250ms
  max_pending: 9
  reconnect_max: 3s
  fsync: false
  compact_after: 7
)");
    ASSERT_TRUE(r.problems.empty()) << to_string(r.problems.front());
    EXPECT_FALSE(r.value.auth.enabled);
    EXPECT_EQ(r.value.auth.cache_size, 5u);
    EXPECT_EQ(r.value.auth.negative_ttl, std::chrono::seconds(1));
    EXPECT_EQ(r.value.store.kind, store_kind::redis);
    EXPECT_EQ(r.value.store.command_timeout, std::chrono::milliseconds(250));
    EXPECT_EQ(r.value.store.max_pending, 9u);
    EXPECT_FALSE(r.value.store.fsync);
    EXPECT_EQ(r.value.store.compact_after, 7u);
    auto q =
        parse(std::string(minimal) + "quota: { reservation_ttl: 2m, default_max_tokens: 99 }\n");
    ASSERT_TRUE(q.problems.empty()) << to_string(q.problems.front());
    EXPECT_EQ(q.value.quota.reservation_ttl, std::chrono::minutes(2));
    EXPECT_EQ(q.value.quota.default_max_tokens, 99u);
    EXPECT_FALSE(
        parse(std::string(minimal) + "quota: { reservation_ttl: 10ms }\n").problems.empty());
}

TEST(LoadConfig, QuotaLeaseTermsWithSafeDefaults) {
    auto d = parse(minimal);
    EXPECT_EQ(d.value.quota.lease.requests, 128u);
    EXPECT_EQ(d.value.quota.lease.share, 8u);
    EXPECT_EQ(d.value.quota.lease.max_age, std::chrono::seconds(1));
    auto r = parse(std::string(minimal) +
                   "quota: { lease: { requests: 1, share: 4, max_age: 250ms } }\n");
    ASSERT_TRUE(r.problems.empty()) << to_string(r.problems.front());
    EXPECT_EQ(r.value.quota.lease.requests, 1u);
    EXPECT_EQ(r.value.quota.lease.share, 4u);
    EXPECT_EQ(r.value.quota.lease.max_age, std::chrono::milliseconds(250));
    for (const char* bad : {"{ requests: 0 }",
                            "{ share: 0 }",
                            "{ max_age: 1ms }",
                            "{ max_age: 2m }",
                            "{ size: 3 }"}) {
        EXPECT_FALSE(
            parse(std::string(minimal) + "quota: { lease: " + bad + " }\n").problems.empty())
            << bad;
    }
}

TEST(LoadConfig, ExampleConfigIsValid) {
    const env_lookup env = [](const std::string&) -> std::optional<std::string> {
        return "x";
    };
    auto r = load_config(TG_SOURCE_DIR "/config/tollgate.example.yaml", env);
    for (const auto& p : r.problems) {
        ADD_FAILURE() << to_string(p);
    }
}

TEST(LoadConfig, MissingFileIsAProblem) {
    auto r = load_config("/nonexistent/tollgate.yaml", no_env);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].message, "cannot open the file");
}

}  // namespace
}  // namespace tollgate::config

namespace tollgate::config {
namespace {

// Amounts that would wrap the ledger's 64-bit sums are refused, naming the key; a need past
// them is spelled `unlimited` (no such limit).
TEST(LoadConfig, AmountsAreRangeCheckedAndUnlimitedHasASpelling) {
    auto r = parse(std::string(minimal) + R"(
pricing:
  huge: { input: 1e300, output: 1 }
plans:
  free:
    limits:
      - { window: day, tokens: 9223372036854775808 }
      - { window: month, cost_usd: 1e7 }
      - { window: day, requests: -1 }
  roomy:
    limits:
      - { window: day, tokens: unlimited }
      - { window: day, requests: 1000000000000000 }
      - { window: month, cost_usd: 9000000 }
default_plan: roomy
)");
    std::vector<std::string> keys;
    for (const auto& p : r.problems) {
        keys.push_back(p.key_path);
        EXPECT_GT(p.line, 0) << p.key_path;
    }
    EXPECT_EQ(keys,
              (std::vector<std::string>{"pricing.huge.input",
                                        "plans.free.limits[0].tokens",
                                        "plans.free.limits[1].cost_usd",
                                        "plans.free.limits[2].requests"}));
    EXPECT_EQ(r.value.plans.at("roomy").limits.size(), 2u);  // unlimited: no such limit
}

}  // namespace
}  // namespace tollgate::config
