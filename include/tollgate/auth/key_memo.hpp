// key_memo: the last key one client connection presented, with its SHA-256. A keep-alive
// client sends the same key on every request, and hashing it is the dearest step of a warm
// authentication (~3k instructions of ~40k per metered request); comparing 52 bytes is not.
// One per connection; wiped when the connection ends. Pure; not thread-safe.
#pragma once

#include "tollgate/auth/api_key.hpp"

#include <array>
#include <string_view>

namespace tollgate::auth {

class key_memo {
public:
    key_memo() = default;
    ~key_memo();
    key_memo(const key_memo&) = delete;
    key_memo& operator=(const key_memo&) = delete;

    /// digest_of(key), computed only when `key` differs from the last one given. `key` must
    /// be key_length long (the caller has checked the form).
    const key_digest& digest_of(std::string_view key) noexcept;

private:
    // The key text sits in the connection's read buffer anyway; keeping one copy here for
    // the connection's life adds no new exposure, and the destructor wipes it.
    std::array<char, key_length> key_{};
    key_digest digest_{};
    bool set_ = false;
};

}  // namespace tollgate::auth
