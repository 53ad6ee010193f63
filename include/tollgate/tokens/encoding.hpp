// encoding: a tiktoken-compatible tokenizer, a vocabulary plus the pattern that splits text
// into pieces plus the special tokens. encode() gives the ids tiktoken's encode_ordinary
// gives (or encode with every special token allowed, in special_tokens::recognised mode);
// count() their number. Immutable, shared by every thread (scratch space is per thread).
#pragma once

#include "tollgate/tokens/pretokenizer.hpp"
#include "tollgate/tokens/vocabulary.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::tokens {

/// How text that spells a special token (e.g. "<|endoftext|>") is counted: as the ordinary
/// text it is (the default; a user cannot smuggle control tokens), or as the one token it
/// stands for.
enum class special_tokens { text, recognised };

struct special_token {
    std::string text;
    rank_t id = 0;
};

class encoding {
public:
    encoding(std::string name,
             vocabulary vocab,
             pretokenizer splitter,
             std::vector<special_token> specials);

    /// Appends the ids of `text` to `out`. Invalid UTF-8 is encoded as if repaired (utf8.hpp).
    void encode(std::string_view text,
                std::vector<rank_t>& out,
                special_tokens mode = special_tokens::text) const;

    /// The number of ids encode() would give.
    std::size_t count(std::string_view text, special_tokens mode = special_tokens::text) const;

    const std::string& name() const noexcept { return name_; }
    /// Unique in the process, never reused (unlike an address): what caches key counts by.
    std::uint64_t id() const noexcept { return id_; }
    const vocabulary& vocab() const noexcept { return vocab_; }
    const std::vector<special_token>& specials() const noexcept { return specials_; }

private:
    void encode_ordinary(std::string_view valid_utf8, std::vector<rank_t>& out) const;

    std::string name_;
    std::uint64_t id_;
    vocabulary vocab_;
    pretokenizer splitter_;
    std::vector<special_token> specials_;
};

}  // namespace tollgate::tokens
