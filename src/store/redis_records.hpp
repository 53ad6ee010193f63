// Consumer and key records read back from Redis (private to src/store): JSON strings, or
// nullopt (logged) when malformed or absent.
#pragma once

#include "redis_layout.hpp"
#include "tollgate/redis/resp.hpp"
#include "tollgate/store/records.hpp"

#include <optional>

#include <spdlog/spdlog.h>

namespace tollgate::store {

inline std::optional<consumer> parse_consumer(const redis::value& v) {
    if (v.type != redis::value::kind::string) {
        return std::nullopt;
    }
    try {
        return consumer_from_json(json::parse(v.str));
    } catch (const json::exception& e) {
        spdlog::error("redis: a consumer record is malformed: {}", e.what());
        return std::nullopt;
    }
}

inline std::optional<key_record> parse_key(const redis::value& v) {
    if (v.type != redis::value::kind::string) {
        return std::nullopt;
    }
    try {
        return key_from_json(json::parse(v.str));
    } catch (const json::exception& e) {
        spdlog::error("redis: a key record is malformed: {}", e.what());
        return std::nullopt;
    }
}

}  // namespace tollgate::store
