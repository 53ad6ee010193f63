// validate(): the checks that span several keys, after each key parsed on its own.
#include "tollgate/config/load.hpp"
#include "tollgate/tokens/builtin.hpp"

#include <set>

namespace tollgate::config {
namespace {

std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

std::vector<problem> validate(const config& c, const std::string& file) {
    std::vector<problem> out;
    auto add = [&](std::string key, std::string message) {
        out.push_back({file, 0, std::move(key), std::move(message)});
    };
    std::set<std::string> names;
    for (std::size_t i = 0; i < c.upstreams.size(); ++i) {
        if (!names.insert(c.upstreams[i].name).second) {
            add(index("upstreams", i) + ".name",
                "duplicate upstream name '" + c.upstreams[i].name + "'");
        }
    }
    for (std::size_t i = 0; i < c.upstreams.size(); ++i) {
        const auto& fallbacks = c.upstreams[i].fallbacks;
        for (std::size_t j = 0; j < fallbacks.size(); ++j) {
            const std::string key = index(index("upstreams", i) + ".fallbacks", j) + ".upstream";
            if (fallbacks[j].upstream == c.upstreams[i].name && fallbacks[j].model.empty()) {
                add(key, "names this upstream itself without another model; retries cover that");
            } else if (!names.contains(fallbacks[j].upstream)) {
                add(key, "names no upstream ('" + fallbacks[j].upstream + "')");
            }
        }
    }
    if (!c.default_plan.empty() && !c.plans.contains(c.default_plan)) {
        add("default_plan", "names no plan in 'plans'");
    }
    const auto& t = c.tokenizer;
    const auto known_encoding = [&](const std::string& name) {
        return name == "estimate" || tokens::is_builtin(name) || t.encodings.contains(name);
    };
    for (const auto& [name, f] : t.encodings) {
        if (name == "estimate" || tokens::is_builtin(name)) {
            add("tokenizer.encodings." + name, "is a built-in name; choose another");
        }
    }
    if (!known_encoding(t.default_encoding)) {
        add("tokenizer.default",
            "names no encoding (built in: cl100k_base, o200k_base; or estimate, or one of "
            "tokenizer.encodings)");
    }
    for (std::size_t i = 0; i < t.models.size(); ++i) {
        if (!t.models[i].encoding.empty() && !known_encoding(t.models[i].encoding)) {
            add(index("tokenizer.models", i) + ".encoding",
                "names no encoding (built in: cl100k_base, o200k_base; or estimate, or one of "
                "tokenizer.encodings)");
        }
    }
    if (t.count_cache_entries > (1u << 24)) {
        add("tokenizer.count_cache_entries", "must be at most 16777216 (256 MiB per worker)");
    }
    if (t.count_threads < 1 || t.count_threads > 64) {
        add("tokenizer.count_threads", "must be 1 to 64");
    }
    if (c.server.threads > 1024) {
        add("server.threads", "must be 0 (one per core) to 1024");
    }
    const auto& l = c.server.limits;
    if (l.max_header_bytes < 1024) {
        add("server.limits.max_header_bytes", "must be at least 1KiB");
    }
    if (l.max_json_depth == 0 || l.max_header_count == 0 || l.max_chunk_line_bytes < 8) {
        add("server.limits",
            "max_json_depth and max_header_count must be > 0, max_chunk_line_bytes >= 8");
    }
    if (l.max_chunk_overhead < 1 || l.max_chunk_overhead > 1024) {
        add("server.limits.max_chunk_overhead",
            "must be 1 to 1024 (framing bytes allowed per payload byte)");
    }
    for (const auto& [key, value] : {std::pair{"header_timeout", l.header_timeout},
                                     std::pair{"body_timeout", l.body_timeout},
                                     std::pair{"idle_timeout", l.idle_timeout},
                                     std::pair{"send_timeout", l.send_timeout}}) {
        if (value.count() <= 0) {
            add(std::string("server.limits.") + key,
                "must be more than 0 (a request could never be read or written)");
        }
    }
    if (c.store.kind == store_kind::redis && !c.store.url.starts_with("redis://") &&
        !c.store.url.starts_with("rediss://")) {
        add("store.url", "must start with redis:// or rediss://");
    }
    std::set<std::string> token_names{"admin"};
    std::set<std::string> token_values{c.admin.token};
    for (std::size_t i = 0; i < c.admin.tokens.size(); ++i) {
        const auto& named = c.admin.tokens[i];
        const std::string at = "admin.tokens[" + std::to_string(i) + "]";
        const bool name_ok = !named.name.empty() && named.name.size() <= 64 &&
                             std::all_of(named.name.begin(), named.name.end(), [](char ch) {
                                 return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' ||
                                        ch == '_' || ch == '.';
                             });
        if (!name_ok) {
            add(at + ".name", "must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
        } else if (!token_names.insert(named.name).second) {
            add(at + ".name", "'" + named.name + "' is used twice (\"admin\" is admin.token's)");
        }
        if (named.token.size() < 16) {
            add(at + ".token", "must be at least 16 characters (e.g. ${TOLLGATE_BILLING_TOKEN})");
        } else if (!token_values.insert(named.token).second) {
            add(at + ".token", "is the same as another admin token: each must be its own");
        }
    }
    if (c.admin.token.empty() && !c.admin.tokens.empty() && !c.admin.token_explicitly_empty) {
        // Named tokens only: admin.token may be left out.
    } else if (c.admin.token.empty()) {
        if (!c.admin.token_explicitly_empty) {
            add("admin.token",
                "is missing or empty: set a token (e.g. ${TOLLGATE_ADMIN_TOKEN}), or write "
                "token: \"\" to run the admin API without one on loopback");
        } else if (!is_loopback(c.admin.listen.host)) {
            add("admin.token", "may be empty only when admin.listen is a loopback address");
        }
    }
    if (c.store.command_timeout.count() <= 0 || c.store.connect_timeout.count() <= 0 ||
        c.store.max_pending == 0) {
        add("store", "command_timeout, connect_timeout and max_pending must be > 0");
    }
    if (c.quota.reservation_ttl.count() < 1 || c.quota.default_max_tokens == 0) {
        add("quota", "reservation_ttl must be at least 1s and default_max_tokens > 0");
    }
    if (const auto& lease = c.quota.lease;
        lease.requests < 1 || lease.requests > 1024 || lease.share < 1 || lease.share > 1024 ||
        lease.max_age.count() < 10 || lease.max_age.count() > 60'000) {
        add("quota.lease",
            "requests and share must be 1..1024, max_age 10ms..60s (requests: 1 turns leasing "
            "off)");
    }
    if (c.quota.backlog_retry.count() < 10) {
        add("quota", "backlog_retry must be at least 10ms");
    }
    if (c.auth.cache_size == 0) {
        add("auth.cache_size", "must be > 0");
    }
    if (c.store.usage_commit_interval.count() < 1 ||
        c.store.usage_commit_interval.count() > 10'000) {
        add("store.usage_commit_interval", "must be 1ms..10s");
    }
    if (c.store.usage_compact_bytes < 64 * 1024) {
        add("store.usage_compact_bytes", "must be at least 64KiB");
    }
    if (c.metrics.max_series == 0 || c.metrics.max_series > 100'000) {
        add("metrics.max_series", "must be 1..100000");
    }
    return out;
}

}  // namespace tollgate::config
