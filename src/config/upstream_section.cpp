// The `upstreams` entries: one URL or several endpoints, balancing, passive health, retries,
// fallbacks and back-pressure caps (docs/CONFIG.md, "Upstreams").
#include "sections.hpp"
#include "tollgate/upstream/target.hpp"

#include <charconv>

namespace tollgate::config {
namespace {

using node = YAML::Node;

std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

// "connect_failure", "reset", "timeout", a status (429) or a class ("5xx").
bool add_failure(std::string_view name, failure_set& out) {
    if (name == "connect_failure") {
        out.connect_failure = true;
    } else if (name == "reset") {
        out.reset = true;
    } else if (name == "timeout") {
        out.timeout = true;
    } else if (name.size() == 3 && name[1] == 'x' && name[2] == 'x' && name[0] >= '1' &&
               name[0] <= '5') {
        const unsigned base = static_cast<unsigned>(name[0] - '0') * 100;
        for (unsigned s = base; s < base + 100; ++s) {
            out.statuses.push_back(s);
        }
    } else {
        unsigned status = 0;
        const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), status);
        if (ec != std::errc{} || end != name.data() + name.size() || status < 400 || status > 599) {
            return false;
        }
        out.statuses.push_back(status);
    }
    return true;
}

void get_failures(
    yaml_reader& r, const node& map, const std::string& path, const char* key, failure_set& out) {
    std::vector<std::string> names;
    if (!map[key].IsDefined()) {
        return;
    }
    r.get_strings(map, path, key, names);
    out = failure_set{};
    for (const auto& name : names) {
        if (!add_failure(name, out)) {
            r.report(map[key],
                     yaml_reader::join(path, key),
                     "'" + name +
                         "' is not one of connect_failure, reset, timeout, a status 400-599 or "
                         "a class such as 5xx");
        }
    }
}

// An endpoint URL: http(s)://host[:port][/prefix]. The client's whole path (/v1/...) is
// appended to the prefix, so a prefix ending in /v1 (the habit of SDK base URLs) would send
// every request to .../v1/v1/... and get a 404 back: refused with the reason.
bool check_url(yaml_reader& r, const node& at, const std::string& path, const std::string& url) {
    const auto t = upstream::parse_target(url);
    if (!t) {
        r.report(at, path, "must be http://host[:port][/path] or https://...");
        return false;
    }
    if (t->base_path == "/v1" || t->base_path.ends_with("/v1")) {
        r.report(at,
                 path,
                 "ends in /v1, but the gateway forwards the client's whole path "
                 "(/v1/chat/completions), so requests would go to .../v1/v1/...; drop the "
                 "trailing /v1");
        return false;
    }
    return true;
}

void parse_endpoints(yaml_reader& r, const node& n, const std::string& path, upstream_config& u) {
    if (!n.IsSequence() || n.size() == 0) {
        r.report(n, path, "must be a list of at least one {url, api_key?, weight?}");
        return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
        const std::string at = index(path, i);
        endpoint_config e;
        if (!r.expect_map(n[i], at, {"url", "api_key", "weight"})) {
            continue;
        }
        r.get(n[i], at, "url", e.url);
        if (n[i]["api_key"].IsDefined()) {
            std::string key;
            r.get(n[i], at, "api_key", key);
            e.api_key = key;
        }
        r.get(n[i], at, "weight", e.weight);
        if (!n[i]["url"].IsDefined()) {
            r.report(n[i], at + ".url", "is required");
        } else {
            check_url(r, n[i]["url"], at + ".url", e.url);
        }
        if (e.weight < 1 || e.weight > 1000) {
            r.report(n[i]["weight"], at + ".weight", "must be 1 to 1000");
        }
        u.endpoints.push_back(std::move(e));
    }
}

void parse_health(yaml_reader& r, const node& n, const std::string& path, health_config& h) {
    if (!r.expect_map(n, path, {"failures", "eject_time", "max_eject_time"})) {
        return;
    }
    r.get(n, path, "failures", h.failures);
    r.get_duration(n, path, "eject_time", h.eject_time);
    r.get_duration(n, path, "max_eject_time", h.max_eject_time);
    if (h.max_eject_time < h.eject_time) {
        r.report(n, path + ".max_eject_time", "must be at least eject_time");
    }
}

void parse_retries(yaml_reader& r, const node& n, const std::string& path, retry_config& c) {
    if (!r.expect_map(n, path, {"attempts", "budget", "min_per_second", "on"})) {
        return;
    }
    r.get(n, path, "attempts", c.attempts);
    r.get(n, path, "budget", c.budget);
    r.get(n, path, "min_per_second", c.min_per_second);
    get_failures(r, n, path, "on", c.on);
    if (c.attempts > 10) {
        r.report(n["attempts"], path + ".attempts", "must be 0 to 10");
    }
    if (!(c.budget >= 0 && c.budget <= 1)) {
        r.report(n["budget"], path + ".budget", "must be a share from 0 to 1 (0.2 = 20 %)");
    }
}

void parse_fallbacks(yaml_reader& r, const node& n, const std::string& path, upstream_config& u) {
    if (!n.IsSequence()) {
        r.report(n, path, "must be a list of {upstream, model?}");
        return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
        const std::string at = index(path, i);
        fallback_config f;
        if (!r.expect_map(n[i], at, {"upstream", "model"})) {
            continue;
        }
        r.get(n[i], at, "upstream", f.upstream);
        r.get(n[i], at, "model", f.model);
        if (f.upstream.empty()) {
            r.report(n[i], at + ".upstream", "is required: the name of another upstream");
        }
        u.fallbacks.push_back(std::move(f));
    }
}

}  // namespace

upstream_config parse_upstream(yaml_reader& r, const node& n, const std::string& path) {
    upstream_config u;
    if (!r.expect_map(n,
                      path,
                      {"name",
                       "url",
                       "api_key",
                       "endpoints",
                       "format",
                       "models",
                       "timeout",
                       "connect_timeout",
                       "idle_timeout",
                       "max_event_gap",
                       "max_stream_duration",
                       "keepalive_timeout",
                       "max_idle_connections",
                       "max_header_bytes",
                       "max_event_bytes",
                       "verify_tls",
                       "ca_file",
                       "anthropic_version",
                       "balance",
                       "health",
                       "retries",
                       "fallbacks",
                       "fallback_on",
                       "max_connections",
                       "max_in_flight",
                       "queue_timeout"})) {
        return u;
    }
    r.get(n, path, "name", u.name);
    r.get(n, path, "url", u.url);
    r.get(n, path, "api_key", u.api_key);
    r.get_enum(n,
               path,
               "format",
               u.format,
               {{"openai", api_format::openai}, {"anthropic", api_format::anthropic}});
    r.get_strings(n, path, "models", u.models);
    r.get_duration(n, path, "timeout", u.timeout);
    r.get_duration(n, path, "connect_timeout", u.connect_timeout);
    r.get_duration(n, path, "idle_timeout", u.idle_timeout);
    r.get_duration(n, path, "keepalive_timeout", u.keepalive_timeout);
    r.get_duration(n, path, "max_event_gap", u.max_event_gap);
    r.get_duration(n, path, "max_stream_duration", u.max_stream_duration);
    const std::pair<const char*, milliseconds> waits[] = {
        {"timeout", u.timeout},
        {"connect_timeout", u.connect_timeout},
        {"idle_timeout", u.idle_timeout},
        {"max_event_gap", u.max_event_gap},
        {"max_stream_duration", u.max_stream_duration}};
    for (const auto& [key, wait] : waits) {
        if (wait <= milliseconds::zero()) {
            r.report(n[key], path + "." + key, "must be more than 0 (an answer could never come)");
        }
    }
    r.get_size(n, path, "max_idle_connections", u.max_idle_connections);
    r.get_size(n, path, "max_header_bytes", u.max_header_bytes);
    r.get_size(n, path, "max_event_bytes", u.max_event_bytes);
    r.get(n, path, "verify_tls", u.verify_tls);
    r.get(n, path, "ca_file", u.ca_file);
    r.get(n, path, "anthropic_version", u.anthropic_version);
    r.get_enum(
        n,
        path,
        "balance",
        u.balancing,
        {{"round_robin", balance::round_robin}, {"least_requests", balance::least_requests}});
    if (const node h = n["health"]; h.IsDefined()) {
        parse_health(r, h, path + ".health", u.health);
    }
    if (const node h = n["retries"]; h.IsDefined()) {
        parse_retries(r, h, path + ".retries", u.retries);
    }
    if (const node f = n["fallbacks"]; f.IsDefined()) {
        parse_fallbacks(r, f, path + ".fallbacks", u);
    }
    get_failures(r, n, path, "fallback_on", u.fallback_on);
    r.get_size(n, path, "max_connections", u.max_connections);
    r.get_size(n, path, "max_in_flight", u.max_in_flight);
    r.get_duration(n, path, "queue_timeout", u.queue_timeout);
    if (u.name.empty()) {
        r.report(n, path + ".name", "is required");
    }
    if (const node e = n["endpoints"]; e.IsDefined()) {
        if (n["url"].IsDefined()) {
            r.report(n["url"], path + ".url", "give either url or endpoints, not both");
        }
        parse_endpoints(r, e, path + ".endpoints", u);
    } else if (!n["url"].IsDefined()) {
        r.report(n, path + ".url", "is required (or endpoints)");
    } else if (check_url(r, n["url"], path + ".url", u.url)) {
        u.endpoints.push_back({u.url, std::nullopt, 1});
    }
    if (u.models.empty()) {
        r.report(n, path + ".models", "needs at least one model glob");
    }
    return u;
}

}  // namespace tollgate::config
