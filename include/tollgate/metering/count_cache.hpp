// count_cache: the token counts of texts a worker counted lately, so that text clients send
// again and again (a system prompt, tool definitions, the history of a conversation resent
// with every turn) is hashed, at more than 1 GB/s, rather than tokenized again at ~80 MB/s.
//
// One per worker thread, so no lock. Direct-mapped: a text takes the slot its hash names,
// replacing whatever was there. A slot is found by SipHash-1-3 of the text under a random key
// of this cache, varied by the encoding (its unique id) and the special-token mode, and also
// checks the text's length. Two texts are confused only if they collide in 64 keyed bits,
// which nobody outside the process can arrange; and a prompt's count only sizes a
// reservation, never what is charged.
#pragma once

#include "tollgate/core/siphash.hpp"
#include "tollgate/tokens/encoding.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tollgate::metering {

class count_cache {
public:
    /// `entries` is rounded up to a power of two; 0 turns the cache off.
    explicit count_cache(std::size_t entries);

    /// The number of tokens `enc` gives `text` in `mode`: remembered, or counted and kept.
    std::size_t count(const tokens::encoding& enc,
                      tokens::special_tokens mode,
                      std::string_view text);

    std::size_t capacity() const noexcept { return slots_.size(); }
    std::uint64_t hits() const noexcept { return hits_; }
    std::uint64_t misses() const noexcept { return misses_; }

private:
    struct slot {
        std::uint64_t hash = 0;
        std::uint32_t bytes = 0;  // 0: empty (an empty text is never kept)
        std::uint32_t tokens = 0;
    };

    std::vector<slot> slots_;
    siphash_key key_;
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
};

}  // namespace tollgate::metering
