#include "tollgate/store/records.hpp"

#include "tollgate/core/rfc3339.hpp"

namespace tollgate::store {
namespace {

std::int64_t time_of(const json& j, const char* key) {
    const auto parsed = parse_rfc3339(j.at(key).get<std::string>());
    if (!parsed) {
        throw json::type_error::create(302, std::string(key) + " is not an RFC 3339 time", &j);
    }
    return *parsed;
}

}  // namespace

json to_json(const consumer& c) {
    return json{{"id", c.id},
                {"name", c.name},
                {"plan", c.plan},
                {"limits", c.limits},
                {"metadata", c.metadata},
                {"disabled", c.disabled},
                {"created_at", format_rfc3339(c.created_at)},
                {"updated_at", format_rfc3339(c.updated_at)}};
}

json to_json(const key_record& k, bool with_digest) {
    json j{{"id", k.id},
           {"consumer", k.consumer_id},
           {"name", k.name},
           {"prefix", k.prefix},
           {"created_at", format_rfc3339(k.created_at)},
           {"expires_at", k.expires_at ? json(format_rfc3339(*k.expires_at)) : json(nullptr)},
           {"models", k.models}};
    if (with_digest) {
        j["digest"] = k.digest;
    }
    return j;
}

consumer consumer_from_json(const json& j) {
    consumer c;
    c.id = j.at("id").get<std::string>();
    c.name = j.at("name").get<std::string>();
    c.plan = j.at("plan").get<std::string>();
    c.limits = j.at("limits");
    c.metadata = j.at("metadata");
    c.disabled = j.at("disabled").get<bool>();
    c.created_at = time_of(j, "created_at");
    c.updated_at = time_of(j, "updated_at");
    return c;
}

key_record key_from_json(const json& j) {
    key_record k;
    k.id = j.at("id").get<std::string>();
    k.consumer_id = j.at("consumer").get<std::string>();
    k.name = j.at("name").get<std::string>();
    k.prefix = j.at("prefix").get<std::string>();
    k.digest = j.at("digest").get<std::string>();
    k.created_at = time_of(j, "created_at");
    if (!j.at("expires_at").is_null()) {
        k.expires_at = time_of(j, "expires_at");
    }
    k.models = j.at("models").get<std::vector<std::string>>();
    return k;
}

}  // namespace tollgate::store
