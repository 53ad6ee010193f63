#include "tollgate/auth/key_memo.hpp"

#include <algorithm>

#include <openssl/crypto.h>

namespace tollgate::auth {

key_memo::~key_memo() {
    OPENSSL_cleanse(key_.data(), key_.size());
}

const key_digest& key_memo::digest_of(std::string_view key) noexcept {
    // Comparing in variable time leaks nothing: the only secret compared against is the
    // key this same connection sent before.
    if (set_ && key.size() == key_.size() && std::equal(key.begin(), key.end(), key_.begin())) {
        return digest_;
    }
    digest_ = auth::digest_of(key);
    set_ = key.size() == key_.size();
    if (set_) {
        std::copy(key.begin(), key.end(), key_.begin());
    }
    return digest_;
}

}  // namespace tollgate::auth
