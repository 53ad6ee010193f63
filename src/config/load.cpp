#include "tollgate/config/load.hpp"

#include "reader.hpp"
#include "sections.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace tollgate::config {
namespace {

using node = YAML::Node;

std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

void parse_limits(yaml_reader& r, const node& n, const std::string& path, server_limits& out) {
    if (!r.expect_map(n,
                      path,
                      {"max_body_bytes",
                       "max_header_bytes",
                       "max_header_count",
                       "max_json_depth",
                       "max_chunk_line_bytes",
                       "max_chunk_overhead",
                       "header_timeout",
                       "body_timeout",
                       "idle_timeout",
                       "send_timeout",
                       "max_connections",
                       "max_connections_per_address",
                       "headers_with_underscores"})) {
        return;
    }
    r.get_size(n, path, "max_body_bytes", out.max_body_bytes);
    r.get_size(n, path, "max_header_bytes", out.max_header_bytes);
    r.get_size(n, path, "max_header_count", out.max_header_count);
    r.get_size(n, path, "max_json_depth", out.max_json_depth);
    r.get_size(n, path, "max_chunk_line_bytes", out.max_chunk_line_bytes);
    r.get(n, path, "max_chunk_overhead", out.max_chunk_overhead);
    r.get_duration(n, path, "header_timeout", out.header_timeout);
    r.get_duration(n, path, "body_timeout", out.body_timeout);
    r.get_duration(n, path, "idle_timeout", out.idle_timeout);
    r.get_duration(n, path, "send_timeout", out.send_timeout);
    r.get_size(n, path, "max_connections", out.max_connections);
    r.get_size(n, path, "max_connections_per_address", out.max_connections_per_address);
    r.get_enum(n,
               path,
               "headers_with_underscores",
               out.headers_with_underscores,
               {{"drop", underscore_headers::drop},
                {"reject", underscore_headers::reject},
                {"allow", underscore_headers::allow}});
}

void parse_server(yaml_reader& r, const node& n, server_config& out) {
    const std::string path = "server";
    if (!r.expect_map(n, path, {"listen", "threads", "tls", "limits", "drain_timeout"})) {
        return;
    }
    r.get_endpoint(n, path, "listen", out.listen);
    r.get(n, path, "threads", out.threads);
    r.get_duration(n, path, "drain_timeout", out.drain_timeout);
    if (const node tls = n["tls"]; tls.IsDefined() && !tls.IsNull()) {
        if (r.expect_map(tls, "server.tls", {"cert_file", "key_file"})) {
            tls_files files;
            r.get(tls, "server.tls", "cert_file", files.cert_file);
            r.get(tls, "server.tls", "key_file", files.key_file);
            if (files.cert_file.empty() || files.key_file.empty()) {
                r.report(tls, "server.tls", "needs both cert_file and key_file");
            }
            out.tls = files;
        }
    }
    if (const node limits = n["limits"]; limits.IsDefined()) {
        parse_limits(r, limits, "server.limits", out.limits);
    }
}

void parse_auth(yaml_reader& r, const node& n, auth_config& out) {
    if (!r.expect_map(n, "auth", {"enabled", "cache_size", "cache_ttl", "negative_ttl"})) {
        return;
    }
    r.get(n, "auth", "enabled", out.enabled);
    r.get_size(n, "auth", "cache_size", out.cache_size);
    r.get_duration(n, "auth", "cache_ttl", out.cache_ttl);
    r.get_duration(n, "auth", "negative_ttl", out.negative_ttl);
}

void parse_store(yaml_reader& r, const node& n, store_config& out) {
    if (!r.expect_map(n,
                      "store",
                      {"kind",
                       "path",
                       "url",
                       "on_error",
                       "fsync",
                       "compact_after",
                       "usage_commit_interval",
                       "usage_compact_bytes",
                       "connect_timeout",
                       "command_timeout",
                       "max_pending",
                       "reconnect_max",
                       "verify_tls",
                       "ca_file"})) {
        return;
    }
    r.get_enum(n,
               "store",
               "kind",
               out.kind,
               {{"memory", store_kind::memory}, {"redis", store_kind::redis}});
    r.get(n, "store", "path", out.path);
    r.get(n, "store", "url", out.url);
    r.get_enum(
        n,
        "store",
        "on_error",
        out.on_error,
        {{"fail_closed", on_store_error::fail_closed}, {"fail_open", on_store_error::fail_open}});
    r.get(n, "store", "fsync", out.fsync);
    r.get_size(n, "store", "compact_after", out.compact_after);
    r.get_duration(n, "store", "usage_commit_interval", out.usage_commit_interval);
    r.get_size(n, "store", "usage_compact_bytes", out.usage_compact_bytes);
    r.get_duration(n, "store", "connect_timeout", out.connect_timeout);
    r.get_duration(n, "store", "command_timeout", out.command_timeout);
    r.get_size(n, "store", "max_pending", out.max_pending);
    r.get_duration(n, "store", "reconnect_max", out.reconnect_max);
    r.get(n, "store", "verify_tls", out.verify_tls);
    r.get(n, "store", "ca_file", out.ca_file);
}

void parse_pricing(yaml_reader& r, const node& n, std::map<std::string, price>& out) {
    if (!n.IsMap()) {
        r.report(n, "pricing", "must be a mapping of model -> {input, output}");
        return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
        const auto path = yaml_reader::join("pricing", it->first.Scalar());
        price p;
        if (r.expect_map(it->second, path, {"input", "output"})) {
            r.get(it->second, path, "input", p.input);
            r.get(it->second, path, "output", p.output);
            for (const auto& [key, usd] :
                 {std::pair{"input", p.input}, std::pair{"output", p.output}}) {
                if (!(usd >= 0 && usd <= max_price_per_million)) {
                    r.report(it->second[key],
                             path + "." + key,
                             "must be 0 to 10000 (USD per million tokens)");
                }
            }
        }
        out[it->first.Scalar()] = p;
    }
}

/// `unlimited` is set for a limit spelled so: it is then left out (no such limit).
limit parse_limit(yaml_reader& r, const node& n, const std::string& path, bool& unlimited) {
    limit l;
    unlimited = false;
    static constexpr std::pair<const char*, metric> metrics[] = {
        {"tokens", metric::tokens},
        {"prompt_tokens", metric::prompt_tokens},
        {"completion_tokens", metric::completion_tokens},
        {"requests", metric::requests},
        {"cost_usd", metric::cost_usd},
    };
    if (!r.expect_map(n,
                      path,
                      {"window",
                       "models",
                       "tokens",
                       "prompt_tokens",
                       "completion_tokens",
                       "requests",
                       "cost_usd"})) {
        return l;
    }
    if (!n["window"].IsDefined()) {
        r.report(n, path + ".window", "is required");
    }
    r.get_enum(n,
               path,
               "window",
               l.per,
               {{"second", window::second},
                {"minute", window::minute},
                {"hour", window::hour},
                {"day", window::day},
                {"week", window::week},
                {"month", window::month}});
    int found = 0;
    for (const auto& [name, m] : metrics) {
        if (n[name].IsDefined()) {
            ++found;
            l.what = m;
            if (n[name].IsScalar() && n[name].Scalar() == "unlimited") {
                unlimited = true;
                continue;
            }
            r.get(n, path, name, l.amount);
            const double most = m == metric::cost_usd ? max_limit_usd : max_limit_count;
            if (!(l.amount >= 0 && l.amount <= most)) {
                r.report(n[name],
                         path + "." + name,
                         std::string("must be 0 to ") +
                             (m == metric::cost_usd ? "9000000 (USD)" : "1e15") + ", or unlimited");
            }
        }
    }
    if (found != 1) {
        r.report(
            n,
            path,
            "needs exactly one of tokens, prompt_tokens, completion_tokens, requests, cost_usd");
    }
    r.get_strings(n, path, "models", l.models);
    return l;
}

void parse_plans(yaml_reader& r, const node& n, std::map<std::string, plan>& out) {
    if (!n.IsMap()) {
        r.report(n, "plans", "must be a mapping of plan name -> {limits: [...]}");
        return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
        const auto path = yaml_reader::join("plans", it->first.Scalar());
        plan p;
        if (r.expect_map(it->second, path, {"limits"})) {
            const node limits = it->second["limits"];
            if (limits.IsDefined() && limits.IsSequence()) {
                for (std::size_t i = 0; i < limits.size(); ++i) {
                    bool unlimited = false;
                    auto l = parse_limit(r, limits[i], index(path + ".limits", i), unlimited);
                    if (!unlimited) {
                        p.limits.push_back(std::move(l));
                    }
                }
            } else if (limits.IsDefined()) {
                r.report(limits, path + ".limits", "must be a list");
            }
        }
        out[it->first.Scalar()] = std::move(p);
    }
}

void parse_quota(yaml_reader& r, const node& n, quota_config& out) {
    if (!r.expect_map(n,
                      "quota",
                      {"admission",
                       "on_missing_max_tokens",
                       "reservation_ttl",
                       "default_max_tokens",
                       "backlog_limit",
                       "backlog_retry",
                       "max_usage_ratio",
                       "lease"})) {
        return;
    }
    r.get_enum(n,
               "quota",
               "admission",
               out.mode,
               {{"estimate", admission::estimate}, {"strict", admission::strict}});
    r.get_enum(n,
               "quota",
               "on_missing_max_tokens",
               out.on_missing_max_tokens,
               {{"clamp", missing_max_tokens::clamp}, {"reject", missing_max_tokens::reject}});
    std::chrono::milliseconds ttl = out.reservation_ttl;
    r.get_duration(n, "quota", "reservation_ttl", ttl);
    out.reservation_ttl = std::chrono::duration_cast<seconds>(ttl);
    r.get_size(n, "quota", "default_max_tokens", out.default_max_tokens);
    r.get_size(n, "quota", "backlog_limit", out.backlog_limit);
    r.get_duration(n, "quota", "backlog_retry", out.backlog_retry);
    r.get(n, "quota", "max_usage_ratio", out.max_usage_ratio);
    if (!(out.max_usage_ratio >= 1 && out.max_usage_ratio <= 100)) {
        r.report(n["max_usage_ratio"],
                 "quota.max_usage_ratio",
                 "must be 1 to 100 (what may be charged, per token reserved)");
        out.max_usage_ratio = 1.5;
    }
    if (const auto lease = n["lease"];
        lease.IsDefined() && r.expect_map(lease, "quota.lease", {"requests", "share", "max_age"})) {
        r.get_size(lease, "quota.lease", "requests", out.lease.requests);
        r.get_size(lease, "quota.lease", "share", out.lease.share);
        r.get_duration(lease, "quota.lease", "max_age", out.lease.max_age);
    }
}

void parse_log(yaml_reader& r, const node& n, log_config& out) {
    if (!r.expect_map(n, "log", {"level", "format", "access_log", "access_buffer_bytes"})) {
        return;
    }
    r.get_enum(n,
               "log",
               "level",
               out.level,
               {{"trace", std::string("trace")},
                {"debug", std::string("debug")},
                {"info", std::string("info")},
                {"warn", std::string("warn")},
                {"error", std::string("error")},
                {"off", std::string("off")}});
    r.get_enum(
        n, "log", "format", out.format, {{"text", log_format::text}, {"json", log_format::json}});
    r.get(n, "log", "access_log", out.access_log);
    r.get_size(n, "log", "access_buffer_bytes", out.access_buffer_bytes);
}

void parse_root(yaml_reader& r, const node& root, config& c) {
    if (!r.expect_map(root,
                      "",
                      {"server",
                       "admin",
                       "auth",
                       "store",
                       "upstreams",
                       "pricing",
                       "plans",
                       "default_plan",
                       "quota",
                       "tokenizer",
                       "log",
                       "metrics"})) {
        return;
    }
    if (root["server"].IsDefined()) {
        parse_server(r, root["server"], c.server);
    }
    if (root["admin"].IsDefined()) {
        parse_admin(r, root["admin"], c.admin);
    }
    if (root["auth"].IsDefined()) {
        parse_auth(r, root["auth"], c.auth);
    }
    if (root["store"].IsDefined()) {
        parse_store(r, root["store"], c.store);
    }
    const node ups = root["upstreams"];
    const bool listed = ups.IsDefined() && ups.IsSequence();
    if (listed) {
        for (std::size_t i = 0; i < ups.size(); ++i) {
            c.upstreams.push_back(parse_upstream(r, ups[i], index("upstreams", i)));
        }
    }
    if (!listed || ups.size() == 0) {
        r.report(
            ups.IsDefined() ? ups : root, "upstreams", "must be a list of at least one upstream");
    }
    if (root["pricing"].IsDefined()) {
        parse_pricing(r, root["pricing"], c.pricing);
    }
    if (root["plans"].IsDefined()) {
        parse_plans(r, root["plans"], c.plans);
    }
    r.get(root, "", "default_plan", c.default_plan);
    if (root["quota"].IsDefined()) {
        parse_quota(r, root["quota"], c.quota);
    }
    if (root["tokenizer"].IsDefined()) {
        parse_tokenizer(r, root["tokenizer"], c.tokenizer);
    }
    if (root["log"].IsDefined()) {
        parse_log(r, root["log"], c.log);
    }
    if (root["metrics"].IsDefined()) {
        parse_metrics(r, root["metrics"], c.metrics);
    }
}

}  // namespace

std::string to_string(const problem& p) {
    std::ostringstream out;
    out << p.file;
    if (p.line > 0) {
        out << ':' << p.line;
    }
    out << ": " << (p.key_path.empty() ? "(top level)" : p.key_path) << ": " << p.message;
    return out.str();
}

load_result parse_config(const std::string& yaml_text,
                         const std::string& file,
                         const env_lookup& env) {
    load_result out;
    node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        out.problems.push_back({file, e.mark.line + 1, "", "YAML syntax: " + e.msg});
        return out;
    }
    yaml_reader reader(file, env, out.problems);
    try {
        parse_root(reader, root, out.value);
    } catch (const YAML::Exception& e) {
        // A shape no parser above expected: a problem like any other, never an abort.
        out.problems.push_back(
            {file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "cannot read: " + e.msg});
    }
    // The cross-key checks too, so one run names every problem; but not a key again that
    // already has one (its value is then the default, which says nothing).
    for (auto& p : validate(out.value, file)) {
        const bool known =
            std::any_of(out.problems.begin(), out.problems.end(), [&](const auto& q) {
                return !q.key_path.empty() && p.key_path.starts_with(q.key_path);
            });
        if (!known) {
            out.problems.push_back(std::move(p));
        }
    }
    return out;
}

load_result load_config(const std::string& path, const env_lookup& env) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        load_result out;
        out.problems.push_back({path, 0, "", "cannot open the file"});
        return out;
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path, env);
}

}  // namespace tollgate::config
