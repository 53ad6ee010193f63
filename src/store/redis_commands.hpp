// Command helpers shared by the Redis store's files (private to src/store).
#pragma once

#include "tollgate/core/error.hpp"
#include "tollgate/redis/connection.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

namespace tollgate::store {

using redis::command;
using redis::value;

// Built outside the coroutines: GCC 12 miscompiles braced lists of string literals inside
// a coroutine ("array used as initializer").
template <class... A>
inline command cmd(const A&... a) {
    return command{std::string(a)...};
}
template <class... A>
std::vector<std::string> strings(const A&... a) {
    return std::vector<std::string>{std::string(a)...};
}
template <class... C>
std::vector<command> batch(C... c) {
    std::vector<command> out;
    (out.push_back(std::move(c)), ...);
    return out;
}

inline command eval(const char* script,
                    std::vector<std::string> keys,
                    std::vector<std::string> args) {
    command c{"EVAL", script, std::to_string(keys.size())};
    c.insert(c.end(), keys.begin(), keys.end());
    c.insert(c.end(), args.begin(), args.end());
    return c;
}

// A Redis error reply (or a malformed value) as the store reports it.
inline boost::system::error_code reply_error(const value& v, std::string_view what) {
    spdlog::error("redis: {} failed: {}", what, v.is_error() ? v.str : "unexpected reply");
    return error::store_unavailable;
}

}  // namespace tollgate::store
