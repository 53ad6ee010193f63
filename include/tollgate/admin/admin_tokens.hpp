// Who an admin request is: the Authorization header against admin.token and the named,
// scoped admin.tokens, compared in constant time. Pure.
#pragma once

#include "tollgate/config/config.hpp"

#include <optional>
#include <string_view>

namespace tollgate::admin {

/// Whether `authorization` is "Bearer <token>", compared in constant time.
bool token_matches(std::string_view authorization, std::string_view token) noexcept;

/// The admin token `authorization` ("Bearer <token>") presents: its name and whether it may
/// write; nullopt when it is none of them. Every configured token is compared, each in
/// constant time.
struct admin_caller {
    std::string_view name;
    bool write = false;
};
std::optional<admin_caller> identify(std::string_view authorization,
                                     const config::admin_config& cfg);

}  // namespace tollgate::admin
