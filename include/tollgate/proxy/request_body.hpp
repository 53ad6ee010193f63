// scan_request_body: validates a request's JSON in one pass (iterative, bounded depth) and
// picks out the top-level fields the data plane routes on. Pure.
#pragma once

#include "tollgate/core/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace tollgate::proxy {

struct request_fields {
    std::string model;
    bool stream = false;
};

/// invalid_json (not JSON or not an object), json_too_deep, or missing_model on failure.
result<request_fields> scan_request_body(std::string_view body, std::size_t max_depth);

}  // namespace tollgate::proxy
