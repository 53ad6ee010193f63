#include "tollgate/admin/admin_tokens.hpp"

#include "tollgate/auth/api_key.hpp"

#include <algorithm>
#include <cctype>

#include <openssl/crypto.h>

namespace tollgate::admin {

bool token_matches(std::string_view authorization, std::string_view token) noexcept {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() < scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), authorization.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
        })) {
        return false;
    }
    // Compare digests, so neither the length nor the content leaks through timing.
    const auto given = auth::digest_of(authorization.substr(scheme.size()));
    const auto want = auth::digest_of(token);
    return CRYPTO_memcmp(given.data(), want.data(), given.size()) == 0;
}

std::optional<admin_caller> identify(std::string_view authorization,
                                     const config::admin_config& cfg) {
    std::optional<admin_caller> found;
    // No early exit: how long this takes does not say which token matched, or how many.
    if (!cfg.token.empty() && token_matches(authorization, cfg.token)) {
        found = admin_caller{"admin", true};
    }
    for (const auto& t : cfg.tokens) {
        if (token_matches(authorization, t.token) && !found) {
            found = admin_caller{t.name, t.write};
        }
    }
    return found;
}

}  // namespace tollgate::admin
