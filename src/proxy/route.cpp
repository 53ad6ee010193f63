#include "tollgate/proxy/route.hpp"

#include "tollgate/proxy/glob.hpp"

#include <algorithm>

namespace tollgate::proxy {

std::string_view path_of(std::string_view target) noexcept {
    return target.substr(0, target.find('?'));
}

std::string_view name_of(api a) noexcept {
    switch (a) {
        case api::chat_completions:
            return "chat_completions";
        case api::completions:
            return "completions";
        case api::embeddings:
            return "embeddings";
        case api::responses:
            return "responses";
        case api::messages:
            return "messages";
        case api::list_models:
            return "list_models";
    }
    return "unknown";
}

std::optional<api> classify(std::string_view method, std::string_view target) {
    const auto path = path_of(target);
    if (method == "GET") {
        if (path == "/v1/models") {
            return api::list_models;
        }
        return std::nullopt;
    }
    if (method != "POST") {
        return std::nullopt;
    }
    struct row {
        std::string_view path;
        api kind;
    };
    static constexpr row rows[] = {
        {"/v1/chat/completions", api::chat_completions},
        {"/v1/completions", api::completions},
        {"/v1/embeddings", api::embeddings},
        {"/v1/responses", api::responses},
        {"/v1/messages", api::messages},
    };
    for (const auto& r : rows) {
        if (path == r.path) {
            return r.kind;
        }
    }
    return std::nullopt;
}

router::router(const std::vector<config::upstream_config>& upstreams) {
    for (std::size_t i = 0; i < upstreams.size(); ++i) {
        for (const auto& pattern : upstreams[i].models) {
            entries_.push_back({pattern, i});
            if (is_literal(pattern) &&
                std::find(literal_models_.begin(), literal_models_.end(), pattern) ==
                    literal_models_.end()) {
                literal_models_.push_back(pattern);
            }
        }
    }
}

std::optional<std::size_t> router::find(std::string_view model) const {
    for (const auto& e : entries_) {
        if (glob_match(e.pattern, model)) {
            return e.upstream;
        }
    }
    return std::nullopt;
}

}  // namespace tollgate::proxy
