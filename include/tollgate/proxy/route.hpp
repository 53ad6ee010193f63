// Routing: which API a request path names, and which upstream serves a model. Pure.
#pragma once

#include "tollgate/config/config.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::proxy {

enum class api {
    chat_completions,  // POST /v1/chat/completions (OpenAI)
    completions,       // POST /v1/completions (OpenAI)
    embeddings,        // POST /v1/embeddings (OpenAI)
    responses,         // POST /v1/responses (OpenAI)
    messages,          // POST /v1/messages (Anthropic)
    list_models,       // GET /v1/models, answered by the gateway
};

/// The API's name in metrics: "chat_completions", "messages", ...
std::string_view name_of(api a) noexcept;

/// The API a method and path (query string ignored) address; nullopt: 404.
std::optional<api> classify(std::string_view method, std::string_view target);

/// The request path without its query string.
std::string_view path_of(std::string_view target) noexcept;

class router {
public:
    explicit router(const std::vector<config::upstream_config>& upstreams);

    /// Index of the first upstream (in config order) whose globs match `model`.
    std::optional<std::size_t> find(std::string_view model) const;

    /// Every literal model name the upstreams list, in config order, without duplicates.
    const std::vector<std::string>& literal_models() const { return literal_models_; }

private:
    struct entry {
        std::string pattern;
        std::size_t upstream;
    };
    std::vector<entry> entries_;
    std::vector<std::string> literal_models_;
};

}  // namespace tollgate::proxy
