// RESP, the Redis protocol, through hiredis: commands formatted by redisFormatCommandArgv,
// replies parsed by hiredis's reader and copied into plain values. No I/O here: the
// connection owns the socket. Pure.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

namespace tollgate::redis {

struct value {
    enum class kind { string, array, integer, nil, status, error };
    kind type = kind::nil;
    std::string str;  // string, status, error
    long long integer = 0;
    std::vector<value> elements;

    bool is_error() const noexcept { return type == kind::error; }
    bool is_nil() const noexcept { return type == kind::nil; }
};

/// Appends one command (each argument binary-safe) to `out`.
void append_command(std::string& out, std::span<const std::string> args);

/// Incremental reply parser: feed bytes as they arrive, take whole replies out.
class reader {
public:
    reader();
    ~reader();
    reader(const reader&) = delete;
    reader& operator=(const reader&) = delete;

    void feed(std::string_view bytes);
    /// The next whole reply; nullopt when more bytes are needed. Sets failed() on a protocol
    /// error (the connection must then be dropped).
    std::optional<value> next();
    bool failed() const noexcept { return failed_; }

private:
    redisReader* r_;
    bool failed_ = false;
};

}  // namespace tollgate::redis
