#include "tollgate/tokens/encoding.hpp"

#include "tollgate/tokens/byte_pair.hpp"
#include "tollgate/tokens/utf8.hpp"

#include <atomic>
#include <utility>

namespace tollgate::tokens {
namespace {

std::atomic<std::uint64_t> next_encoding_id{1};

byte_pair_scratch& scratch() {
    thread_local byte_pair_scratch s;
    return s;
}

std::vector<rank_t>& count_buffer() {
    thread_local std::vector<rank_t> ids;
    return ids;
}

}  // namespace

encoding::encoding(std::string name,
                   vocabulary vocab,
                   pretokenizer splitter,
                   std::vector<special_token> specials)
    : name_(std::move(name)),
      id_(next_encoding_id.fetch_add(1, std::memory_order_relaxed)),
      vocab_(std::move(vocab)),
      splitter_(std::move(splitter)),
      specials_(std::move(specials)) {}

void encoding::encode_ordinary(std::string_view text, std::vector<rank_t>& out) const {
    byte_pair_scratch& s = scratch();
    splitter_.split(text, [&](std::string_view piece) {
        // Most pieces (a word with its leading space) are one token: one lookup.
        if (const auto r = vocab_.rank(piece)) {
            out.push_back(*r);
        } else {
            byte_pair_encode(piece, vocab_, s, out);
        }
    });
}

void encoding::encode(std::string_view text, std::vector<rank_t>& out, special_tokens mode) const {
    std::string repaired;
    if (!is_valid_utf8(text)) {
        repaired = repair_utf8(text);
        text = repaired;
    }
    if (mode == special_tokens::text || specials_.empty()) {
        encode_ordinary(text, out);
        return;
    }
    // Every special token of tiktoken's encodings starts "<|": split the text at the ones
    // spelt out, leftmost first (the longest when two start at the same place).
    std::size_t done = 0;
    for (std::size_t at = text.find("<|"); at != std::string_view::npos;
         at = text.find("<|", at + 1)) {
        const special_token* found = nullptr;
        for (const auto& sp : specials_) {
            if (text.substr(at).starts_with(sp.text) &&
                (found == nullptr || sp.text.size() > found->text.size())) {
                found = &sp;
            }
        }
        if (found == nullptr) {
            continue;
        }
        encode_ordinary(text.substr(done, at - done), out);
        out.push_back(found->id);
        done = at + found->text.size();
        at = done - 1;
    }
    encode_ordinary(text.substr(done), out);
}

std::size_t encoding::count(std::string_view text, special_tokens mode) const {
    std::vector<rank_t>& ids = count_buffer();
    ids.clear();
    encode(text, ids, mode);
    const std::size_t n = ids.size();
    if (ids.capacity() > (1U << 20)) {
        std::vector<rank_t>().swap(ids);  // keep no MB around
    }
    return n;
}

}  // namespace tollgate::tokens
