// The Admin API's routes: matching a method and path to a route and its parameters, and the
// table of every route (the OpenAPI test checks it against docs/openapi.yaml). Pure.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::admin {

enum class route {
    healthz,
    readyz,
    metrics,
    create_consumer,
    list_consumers,
    get_consumer,
    update_consumer,
    delete_consumer,
    mint_key,
    list_keys,
    revoke_key,
    rotate_key,
    usage,
    adjust_usage,
    get_key,
};

struct route_info {
    route id;
    std::string_view method;
    std::string_view path;  // OpenAPI style: /v1/consumers/{id}
};

/// The route's name ("create_consumer", ...), for the audit log.
std::string_view name_of(route r) noexcept;

/// Every route the Admin API serves.
std::span<const route_info> route_table();

struct match_result {
    std::optional<route> found;       // empty: no route
    bool path_known = false;          // the path exists with another method (405)
    std::string allow;                // then: its methods, for the Allow header ("GET, POST")
    std::vector<std::string> params;  // the {parameters} in order
};

/// Matches the path part of `target` (the query is ignored).
match_result match(std::string_view method, std::string_view target);

/// The value of `name` in the query string of `target`, percent-decoded; nullopt if absent.
std::optional<std::string> query_param(std::string_view target, std::string_view name);
/// Every query parameter of `target`, names and values percent-decoded, in order.
std::vector<std::pair<std::string, std::string>> query_params(std::string_view target);

}  // namespace tollgate::admin
