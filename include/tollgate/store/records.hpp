// What the store holds: consumers and their API keys, and their JSON form. The same JSON is
// the Admin API's output and the stored form (journal lines, Redis values), except that a
// stored key also carries its digest. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tollgate::store {

using json = nlohmann::json;

struct consumer {
    std::string id;
    std::string name;
    std::string plan;                // a plan of the config ("" = default_plan)
    json limits = nullptr;           // null: the plan's limits; else a list of limit objects
    json metadata = json::object();  // the SaaS backend's own data, kept as given
    bool disabled = false;
    std::int64_t created_at = 0;  // Unix seconds
    std::int64_t updated_at = 0;

    bool operator==(const consumer&) const = default;
};

struct key_record {
    std::string id;  // "key_..."; names the key in the API and in logs
    std::string consumer_id;
    std::string name;
    std::string prefix;  // the first characters of the key, for people
    std::string digest;  // lower-case hex SHA-256 of the key; the key itself is never kept
    std::int64_t created_at = 0;
    std::optional<std::int64_t> expires_at;  // Unix seconds; also set by rotation's grace end
    std::vector<std::string> models;         // globs; empty = every model

    bool expired_at(std::int64_t now) const { return expires_at && now >= *expires_at; }
    bool operator==(const key_record&) const = default;
};

/// A key with its consumer: everything edge authentication needs.
struct key_grant {
    key_record key;
    consumer owner;
};

struct consumer_page {
    std::vector<consumer> items;
    std::string next_cursor;  // "" on the last page
};

json to_json(const consumer& c);
/// `with_digest`: the stored form; without: the Admin API's.
json to_json(const key_record& k, bool with_digest);

// The stored forms back to records. Throw json::exception on a malformed record (a corrupt
// journal or a foreign value in Redis): callers turn that into a clear error.
consumer consumer_from_json(const json& j);
key_record key_from_json(const json& j);

}  // namespace tollgate::store
