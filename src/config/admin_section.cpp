// The admin: and metrics: sections: the Admin API listener, its tokens (admin.token and the
// named, scoped admin.tokens), the audit log, and who may scrape /metrics.
#include "sections.hpp"

namespace tollgate::config {

using node = YAML::Node;

void parse_admin(yaml_reader& r, const node& n, admin_config& out) {
    if (!r.expect_map(n,
                      "admin",
                      {"listen",
                       "token",
                       "tokens",
                       "audit_log",
                       "max_body_bytes",
                       "timeout",
                       "max_connections",
                       "open_probes"})) {
        return;
    }
    r.get_endpoint(n, "admin", "listen", out.listen);
    r.get(n, "admin", "token", out.token);
    const node token = n["token"];
    out.token_explicitly_empty = token.IsDefined() && token.IsScalar() && token.Scalar().empty();
    r.get_size(n, "admin", "max_body_bytes", out.max_body_bytes);
    r.get_duration(n, "admin", "timeout", out.timeout);
    r.get_size(n, "admin", "max_connections", out.max_connections);
    r.get(n, "admin", "open_probes", out.open_probes);
    r.get(n, "admin", "audit_log", out.audit_log);
    if (const node tokens = n["tokens"]; tokens.IsDefined()) {
        if (!tokens.IsSequence()) {
            r.report(tokens, "admin.tokens", "must be a list of {name, token, scope}");
            return;
        }
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            const std::string at = "admin.tokens[" + std::to_string(i) + "]";
            if (!r.expect_map(tokens[i], at, {"name", "token", "scope"})) {
                continue;
            }
            admin_token t;
            r.get(tokens[i], at, "name", t.name);
            r.get(tokens[i], at, "token", t.token);
            r.get_enum(tokens[i], at, "scope", t.write, {{"read", false}, {"write", true}});
            if (!tokens[i]["scope"].IsDefined()) {
                r.report(tokens[i], at, "needs a scope: read or write");
            }
            out.tokens.push_back(std::move(t));
        }
    }
}

void parse_metrics(yaml_reader& r, const node& n, metrics_config& out) {
    if (!r.expect_map(n, "metrics", {"open", "max_series"})) {
        return;
    }
    r.get(n, "metrics", "open", out.open);
    r.get_size(n, "metrics", "max_series", out.max_series);
}

}  // namespace tollgate::config
