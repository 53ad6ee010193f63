// The tokenizer: the three byte-pair merge implementations (scan, heap, bucket queue) agree
// on every piece and lose no byte; the whole encoder's tokens join back to its input.
#include "check.hpp"
#include "tollgate/tokens/builtin.hpp"
#include "tollgate/tokens/byte_pair.hpp"
#include "tollgate/tokens/utf8.hpp"

#include <string>
#include <vector>

namespace {

using namespace tollgate::tokens;

const encoding& cl100k() {
    static const auto enc = [] {
        std::string error;
        auto e = load_builtin("cl100k_base", error);
        TG_FUZZ_CHECK(e != nullptr);
        return e;
    }();
    return *enc;
}

std::string joined(const vocabulary& vocab, const std::vector<rank_t>& ranks) {
    std::string s;
    for (const rank_t r : ranks) {
        s += vocab.token(r);
    }
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0 || size > 16 * 1024) {
        return 0;
    }
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const vocabulary& vocab = cl100k().vocab();
    byte_pair_scratch scratch;
    std::vector<rank_t> scan;
    std::vector<rank_t> heap;
    std::vector<rank_t> buckets;
    const std::string_view piece = text.substr(0, 512);
    byte_pair_encode_scan(piece, vocab, scratch, scan);
    byte_pair_encode_heap(piece, vocab, scratch, heap);
    byte_pair_encode_buckets(piece, vocab, scratch, buckets);
    TG_FUZZ_CHECK(scan == heap);
    TG_FUZZ_CHECK(scan == buckets);
    TG_FUZZ_CHECK(joined(vocab, scan) == piece);

    // Invalid UTF-8 is encoded as its repair (U+FFFD for each bad sequence).
    std::vector<rank_t> all;
    cl100k().encode(text, all);
    TG_FUZZ_CHECK(joined(vocab, all) ==
                  (is_valid_utf8(text) ? std::string(text) : repair_utf8(text)));
    TG_FUZZ_CHECK(cl100k().count(text) == all.size());
    return 0;
}
