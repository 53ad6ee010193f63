#include "tollgate/admin/routes.hpp"

#include "tollgate/core/hex.hpp"

#include <array>

namespace tollgate::admin {
namespace {

constexpr std::array<route_info, 15> table{{
    {route::healthz, "GET", "/healthz"},
    {route::readyz, "GET", "/readyz"},
    {route::metrics, "GET", "/metrics"},
    {route::create_consumer, "POST", "/v1/consumers"},
    {route::list_consumers, "GET", "/v1/consumers"},
    {route::get_consumer, "GET", "/v1/consumers/{id}"},
    {route::update_consumer, "PATCH", "/v1/consumers/{id}"},
    {route::delete_consumer, "DELETE", "/v1/consumers/{id}"},
    {route::mint_key, "POST", "/v1/consumers/{id}/keys"},
    {route::list_keys, "GET", "/v1/consumers/{id}/keys"},
    {route::get_key, "GET", "/v1/keys/{key_id}"},
    {route::revoke_key, "DELETE", "/v1/keys/{key_id}"},
    {route::rotate_key, "POST", "/v1/keys/{key_id}/rotate"},
    {route::usage, "GET", "/v1/consumers/{id}/usage"},
    {route::adjust_usage, "POST", "/v1/consumers/{id}/usage/adjustments"},
}};

}  // namespace

std::string_view name_of(route r) noexcept {
    switch (r) {
        case route::healthz:
            return "healthz";
        case route::readyz:
            return "readyz";
        case route::metrics:
            return "metrics";
        case route::create_consumer:
            return "create_consumer";
        case route::list_consumers:
            return "list_consumers";
        case route::get_consumer:
            return "get_consumer";
        case route::update_consumer:
            return "update_consumer";
        case route::delete_consumer:
            return "delete_consumer";
        case route::mint_key:
            return "mint_key";
        case route::list_keys:
            return "list_keys";
        case route::revoke_key:
            return "revoke_key";
        case route::rotate_key:
            return "rotate_key";
        case route::usage:
            return "usage";
        case route::adjust_usage:
            return "adjust_usage";
        case route::get_key:
            return "get_key";
    }
    return "unknown";
}

namespace {

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        if (path.front() == '/') {
            path.remove_prefix(1);
            continue;
        }
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
    }
    return out;
}

// Matches a concrete path against a template; fills `params` on success.
bool matches(std::string_view tmpl, std::string_view path, std::vector<std::string>& params) {
    const auto want = segments(tmpl);
    const auto got = segments(path);
    if (want.size() != got.size()) {
        return false;
    }
    std::vector<std::string> found;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i].starts_with('{')) {
            found.emplace_back(got[i]);
        } else if (want[i] != got[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

std::string percent_decode(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') {
            out += ' ';
        } else if (in[i] == '%' && i + 2 < in.size() && hex_digit_value(in[i + 1]) >= 0 &&
                   hex_digit_value(in[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit_value(in[i + 1]) * 16 + hex_digit_value(in[i + 2]));
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

}  // namespace

std::span<const route_info> route_table() {
    return table;
}

match_result match(std::string_view method, std::string_view target) {
    const std::string_view path = target.substr(0, target.find('?'));
    match_result out;
    for (const auto& r : table) {
        std::vector<std::string> params;
        if (!matches(r.path, path, params)) {
            continue;
        }
        if (r.method == method) {
            out.found = r.id;
            out.params = std::move(params);
            return out;
        }
        out.path_known = true;
        out.allow += out.allow.empty() ? "" : ", ";
        out.allow += r.method;
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> query_params(std::string_view target) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto q = target.find('?');
    if (q == std::string_view::npos) {
        return out;
    }
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        const auto eq = pair.find('=');
        out.emplace_back(
            percent_decode(pair.substr(0, eq)),
            eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1)));
    }
    return out;
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
    for (auto& [key, value] : query_params(target)) {
        if (key == name) {
            return std::move(value);
        }
    }
    return std::nullopt;
}

}  // namespace tollgate::admin
