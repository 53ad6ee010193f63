// Checking what the SaaS backend sends to the Admin API, before anything is stored: each
// problem is a 400 naming the field. Pure.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/quota/limits.hpp"
#include "tollgate/store/records.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tollgate::admin {

inline constexpr std::size_t max_id_length = 128;
inline constexpr std::size_t max_name_length = 256;
inline constexpr std::size_t max_metadata_bytes = 16 * 1024;
inline constexpr std::size_t max_key_models = 64;
inline constexpr std::size_t default_page = 50;
inline constexpr std::size_t max_page = 1000;
inline constexpr std::int64_t max_grace_seconds = 30LL * 86400;
inline constexpr std::int64_t default_grace_seconds = 3600;

/// A 400: which field, and what is wrong with it.
struct bad_input {
    std::string field;
    std::string message;
    std::string text() const { return field.empty() ? message : field + ": " + message; }
};

/// Ids (consumer ids, key ids, cursors) are 1..128 characters of [A-Za-z0-9._:@-]: safe in a
/// header (X-Consumer-ID), a Redis key and a URL path without escaping.
bool is_valid_id(std::string_view id) noexcept;

/// The body of POST /v1/consumers. `now` stamps created_at/updated_at; an absent id is
/// generated.
std::variant<store::consumer, bad_input> parse_new_consumer(std::string_view body,
                                                            const config::config& cfg,
                                                            std::int64_t now);

/// The body of PATCH /v1/consumers/{id}, applied to `current`.
std::variant<store::consumer, bad_input> apply_consumer_patch(std::string_view body,
                                                              store::consumer current,
                                                              const config::config& cfg,
                                                              std::int64_t now);

struct key_request {
    std::string name;
    std::optional<std::int64_t> expires_at;
    std::vector<std::string> models;
};

/// The body of POST /v1/consumers/{id}/keys (may be empty).
std::variant<key_request, bad_input> parse_key_request(std::string_view body, std::int64_t now);

/// The body of POST /v1/keys/{id}/rotate (may be empty): the grace in seconds.
std::variant<std::int64_t, bad_input> parse_rotate_request(std::string_view body);

/// POST /v1/consumers/{id}/usage/adjustments: amounts added to (negative: taken off) the
/// consumer's usage in the windows current at `at`, once per `id`.
struct usage_adjustment {
    std::string id;  // the client's idempotency id
    quota::amounts amounts{0, 0, 0, 0};
    std::optional<std::int64_t> at;  // Unix seconds; absent: now
    std::string model;               // only the limits that apply to it; empty: every limit
    std::string reason;              // for the log, printable ASCII
};
std::variant<usage_adjustment, bad_input> parse_usage_adjustment(std::string_view body);

/// ?limit= and ?cursor= of GET /v1/consumers.
std::variant<std::pair<std::size_t, std::string>, bad_input> parse_page(std::string_view target);

}  // namespace tollgate::admin
