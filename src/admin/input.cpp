#include "tollgate/admin/input.hpp"

#include "tollgate/admin/routes.hpp"
#include "tollgate/auth/api_key.hpp"
#include "tollgate/core/rfc3339.hpp"
#include "tollgate/tokens/json_scan.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace tollgate::admin {
namespace {

using json = nlohmann::json;
using failure = std::optional<bad_input>;

// Nesting an admin body may have (metadata included). nlohmann's DOM is built, copied and
// destroyed recursively: a body nested 100,000 deep overflowed the stack and killed the
// process, proxy included. Checked by our iterative scanner before any DOM exists.
constexpr std::size_t max_body_depth = 32;

// The body as a JSON object; an empty body is an empty object.
std::variant<json, bad_input> object_of(std::string_view body) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return json::object();
    }
    tokens::json_object_scanner scan(body, max_body_depth);
    while (scan.next()) {
    }
    if (scan.status() == tokens::json_status::too_deep) {
        return bad_input{"", "the body is nested deeper than 32 levels"};
    }
    if (scan.status() != tokens::json_status::ok) {
        return bad_input{"",
                         body.find_first_not_of(" \t\r\n") != body.find('{')
                             ? "the body must be a JSON object"
                             : "the body is not valid JSON (or not UTF-8)"};
    }
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) {
        return bad_input{"", "the body is not valid JSON (or not UTF-8)"};
    }
    if (!j.is_object()) {
        return bad_input{"", "the body must be a JSON object"};
    }
    return j;
}

failure only_known(const json& j, std::initializer_list<std::string_view> known) {
    for (const auto& [k, v] : j.items()) {
        bool ok = false;
        for (auto name : known) {
            ok = ok || k == name;
        }
        if (!ok) {
            return bad_input{k, "unknown field"};
        }
    }
    return std::nullopt;
}

failure take_name(const json& j, std::string& out) {
    if (!j.contains("name")) {
        return std::nullopt;
    }
    const auto& v = j["name"];
    if (!v.is_string()) {
        return bad_input{"name", "must be a string"};
    }
    if (v.get_ref<const std::string&>().size() > max_name_length) {
        return bad_input{"name", "is longer than 256 bytes"};
    }
    out = v.get<std::string>();
    return std::nullopt;
}

failure check_globs(const json& v, const std::string& field, std::vector<std::string>* out) {
    if (!v.is_array()) {
        return bad_input{field, "must be a list of strings"};
    }
    if (v.size() > max_key_models) {
        return bad_input{field, "has more than 64 entries"};
    }
    for (const auto& g : v) {
        if (!g.is_string() || g.get_ref<const std::string&>().empty() ||
            g.get_ref<const std::string&>().size() > max_name_length) {
            return bad_input{field, "must hold non-empty strings of at most 256 bytes"};
        }
        if (out) {
            out->push_back(g.get<std::string>());
        }
    }
    return std::nullopt;
}

failure check_limits(const json& v) {
    if (v.is_null()) {
        return std::nullopt;
    }
    if (!v.is_array()) {
        return bad_input{"limits", "must be a list of limits or null (the plan's)"};
    }
    static const std::set<std::string> windows{"second", "minute", "hour", "day", "week", "month"};
    static const std::set<std::string> metrics{
        "tokens", "prompt_tokens", "completion_tokens", "requests", "cost_usd"};
    for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string at = "limits[" + std::to_string(i) + "]";
        const auto& l = v[i];
        if (!l.is_object()) {
            return bad_input{at, "must be an object"};
        }
        if (!l.contains("window") || !l["window"].is_string() ||
            !windows.contains(l["window"].get<std::string>())) {
            return bad_input{at + ".window",
                             "must be one of second, minute, hour, day, week, month"};
        }
        int found = 0;
        for (const auto& [k, value] : l.items()) {
            if (metrics.contains(k)) {
                ++found;
                const double most =
                    k == "cost_usd" ? config::max_limit_usd : config::max_limit_count;
                if (value == "unlimited") {
                    continue;  // the same as naming no such limit
                }
                if (!value.is_number() || !(value.get<double>() >= 0) ||
                    value.get<double>() > most) {
                    return bad_input{at + "." + k,
                                     k == "cost_usd"
                                         ? "must be a number from 0 to 9000000 (USD), or unlimited"
                                         : "must be a number from 0 to 1e15, or unlimited"};
                }
            } else if (k == "models") {
                if (auto bad = check_globs(value, at + ".models", nullptr)) {
                    return bad;
                }
            } else if (k != "window") {
                return bad_input{at + "." + k, "unknown field"};
            }
        }
        if (found != 1) {
            return bad_input{at,
                             "needs exactly one of tokens, prompt_tokens, completion_tokens, "
                             "requests, cost_usd"};
        }
    }
    return std::nullopt;
}

// The fields a create and a patch share; `c` is changed only where `j` says.
failure apply_common(const json& j, store::consumer& c, const config::config& cfg) {
    if (auto bad = take_name(j, c.name)) {
        return bad;
    }
    if (j.contains("plan")) {
        if (!j["plan"].is_string()) {
            return bad_input{"plan", "must be a string"};
        }
        const auto plan = j["plan"].get<std::string>();
        if (!plan.empty() && !cfg.plans.contains(plan)) {
            return bad_input{"plan", "names no plan of the configuration: '" + plan + "'"};
        }
        c.plan = plan;
    }
    if (j.contains("limits")) {
        if (auto bad = check_limits(j["limits"])) {
            return bad;
        }
        c.limits = j["limits"];
    }
    if (j.contains("metadata")) {
        if (!j["metadata"].is_object()) {
            return bad_input{"metadata", "must be an object"};
        }
        if (j["metadata"].dump().size() > max_metadata_bytes) {
            return bad_input{"metadata", "is larger than 16KiB"};
        }
        c.metadata = j["metadata"];
    }
    if (j.contains("disabled")) {
        if (!j["disabled"].is_boolean()) {
            return bad_input{"disabled", "must be true or false"};
        }
        c.disabled = j["disabled"].get<bool>();
    }
    return std::nullopt;
}

}  // namespace

bool is_valid_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > max_id_length) {
        return false;
    }
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '@' ||
                        c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::variant<store::consumer, bad_input> parse_new_consumer(std::string_view body,
                                                            const config::config& cfg,
                                                            std::int64_t now) {
    auto parsed = object_of(body);
    if (auto* bad = std::get_if<bad_input>(&parsed)) {
        return *bad;
    }
    const json& j = std::get<json>(parsed);
    if (auto bad = only_known(j, {"id", "name", "plan", "limits", "metadata", "disabled"})) {
        return *bad;
    }
    store::consumer c;
    if (j.contains("id")) {
        if (!j["id"].is_string() || !is_valid_id(j["id"].get_ref<const std::string&>())) {
            return bad_input{"id", "must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -"};
        }
        c.id = j["id"].get<std::string>();
    } else {
        c.id = auth::random_id("c_");
    }
    c.plan = cfg.default_plan;
    if (auto bad = apply_common(j, c, cfg)) {
        return *bad;
    }
    c.created_at = now;
    c.updated_at = now;
    return c;
}

std::variant<store::consumer, bad_input> apply_consumer_patch(std::string_view body,
                                                              store::consumer current,
                                                              const config::config& cfg,
                                                              std::int64_t now) {
    auto parsed = object_of(body);
    if (auto* bad = std::get_if<bad_input>(&parsed)) {
        return *bad;
    }
    const json& j = std::get<json>(parsed);
    if (j.contains("id")) {
        return bad_input{"id", "cannot be changed"};
    }
    if (auto bad = only_known(j, {"name", "plan", "limits", "metadata", "disabled"})) {
        return *bad;
    }
    if (auto bad = apply_common(j, current, cfg)) {
        return *bad;
    }
    current.updated_at = now;
    return current;
}

std::variant<key_request, bad_input> parse_key_request(std::string_view body, std::int64_t now) {
    auto parsed = object_of(body);
    if (auto* bad = std::get_if<bad_input>(&parsed)) {
        return *bad;
    }
    const json& j = std::get<json>(parsed);
    if (auto bad = only_known(j, {"name", "expires_at", "models"})) {
        return *bad;
    }
    key_request k;
    if (auto bad = take_name(j, k.name)) {
        return *bad;
    }
    if (j.contains("expires_at") && !j["expires_at"].is_null()) {
        const auto& v = j["expires_at"];
        const auto t =
            v.is_string() ? parse_rfc3339(v.get_ref<const std::string&>()) : std::nullopt;
        if (!t) {
            return bad_input{"expires_at", "must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z"};
        }
        if (*t <= now) {
            return bad_input{"expires_at", "is not in the future"};
        }
        k.expires_at = t;
    }
    if (j.contains("models") && !j["models"].is_null()) {
        if (auto bad = check_globs(j["models"], "models", &k.models)) {
            return *bad;
        }
    }
    return k;
}

std::variant<std::int64_t, bad_input> parse_rotate_request(std::string_view body) {
    auto parsed = object_of(body);
    if (auto* bad = std::get_if<bad_input>(&parsed)) {
        return *bad;
    }
    const json& j = std::get<json>(parsed);
    if (auto bad = only_known(j, {"grace_seconds"})) {
        return *bad;
    }
    if (!j.contains("grace_seconds")) {
        return default_grace_seconds;
    }
    const auto& v = j["grace_seconds"];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 ||
        v.get<std::int64_t>() > max_grace_seconds) {
        return bad_input{"grace_seconds", "must be an integer from 0 to 2592000 (30 days)"};
    }
    return v.get<std::int64_t>();
}

std::variant<std::pair<std::size_t, std::string>, bad_input> parse_page(std::string_view target) {
    std::size_t limit = default_page;
    if (auto text = query_param(target, "limit")) {
        std::size_t n = 0;
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
        if (ec != std::errc() || end != text->data() + text->size() || n == 0 || n > max_page) {
            return bad_input{"limit", "must be an integer from 1 to 1000"};
        }
        limit = n;
    }
    std::string cursor;
    if (auto text = query_param(target, "cursor"); text && !text->empty()) {
        if (!is_valid_id(*text)) {
            return bad_input{"cursor", "is not a cursor this API returned"};
        }
        cursor = *text;
    }
    return std::pair{limit, cursor};
}

std::variant<usage_adjustment, bad_input> parse_usage_adjustment(std::string_view body) {
    auto parsed = object_of(body);
    if (auto* bad = std::get_if<bad_input>(&parsed)) {
        return *bad;
    }
    const json& j = std::get<json>(parsed);
    if (auto bad = only_known(j,
                              {"id",
                               "prompt_tokens",
                               "completion_tokens",
                               "requests",
                               "cost_usd",
                               "at",
                               "model",
                               "reason"})) {
        return *bad;
    }
    usage_adjustment a;
    if (!j.contains("id") || !j["id"].is_string() ||
        !is_valid_id(j["id"].get_ref<const std::string&>())) {
        return bad_input{"id",
                         "is required: 1 to 128 characters of A-Z a-z 0-9 . _ : @ - (an "
                         "adjustment is applied once per id)"};
    }
    a.id = j["id"].get<std::string>();
    // Counts: integers within the range of a limit, either sign.
    const auto count = [&](const char* field, std::int64_t& out) -> failure {
        if (!j.contains(field)) {
            return std::nullopt;
        }
        const auto& v = j[field];
        const double most = config::max_limit_count;
        if (!v.is_number_integer() || v.get<double>() < -most || v.get<double>() > most) {
            return bad_input{field, "must be an integer from -1e15 to 1e15"};
        }
        out = v.get<std::int64_t>();
        return std::nullopt;
    };
    if (auto bad = count("prompt_tokens", a.amounts.prompt_tokens)) {
        return *bad;
    }
    if (auto bad = count("completion_tokens", a.amounts.completion_tokens)) {
        return *bad;
    }
    if (auto bad = count("requests", a.amounts.requests)) {
        return *bad;
    }
    if (j.contains("cost_usd")) {
        const auto& v = j["cost_usd"];
        if (!v.is_number() || std::abs(v.get<double>()) > config::max_limit_usd) {
            return bad_input{"cost_usd", "must be a number from -9e6 to 9e6 (USD)"};
        }
        a.amounts.cost = static_cast<quota::pico_usd>(
            std::llround(v.get<double>() * static_cast<double>(quota::pico_per_usd)));
    }
    if (a.amounts.prompt_tokens == 0 && a.amounts.completion_tokens == 0 &&
        a.amounts.requests == 0 && a.amounts.cost == 0) {
        return bad_input{"",
                         "name at least one of prompt_tokens, completion_tokens, requests, "
                         "cost_usd, not zero"};
    }
    if (j.contains("at")) {
        const auto& v = j["at"];
        const auto t =
            v.is_string() ? parse_rfc3339(v.get_ref<const std::string&>()) : std::nullopt;
        if (!t) {
            return bad_input{"at", "must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z"};
        }
        a.at = *t;
    }
    if (j.contains("model")) {
        if (!j["model"].is_string() || j["model"].get_ref<const std::string&>().empty() ||
            j["model"].get_ref<const std::string&>().size() > max_name_length) {
            return bad_input{"model", "must be a model name of 1 to 256 bytes"};
        }
        a.model = j["model"].get<std::string>();
    }
    if (j.contains("reason")) {
        const auto& v = j["reason"];
        if (!v.is_string() || v.get_ref<const std::string&>().size() > max_name_length ||
            std::any_of(v.get_ref<const std::string&>().begin(),
                        v.get_ref<const std::string&>().end(),
                        [](char c) { return c < 0x20 || c > 0x7e; })) {
            return bad_input{"reason", "must be printable ASCII of at most 256 bytes"};
        }
        a.reason = v.get<std::string>();
    }
    return a;
}

}  // namespace tollgate::admin
