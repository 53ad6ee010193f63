// The SSE splitter: the same events whatever the cuts, each within its bound, and the bytes
// it holds for an unfinished event bounded too.
#include "check.hpp"
#include "splits.hpp"
#include "tollgate/tokens/sse_parser.hpp"

namespace {

using namespace tollgate;

constexpr std::size_t bound = 1024;

std::vector<tokens::sse_event> split_events(const std::vector<std::string_view>& parts,
                                            std::uint64_t& dropped) {
    tokens::sse_parser parser(bound);
    std::vector<tokens::sse_event> events;
    for (const auto part : parts) {
        parser.feed(part, events);
        // A line or event past the bound is dropped, not held (a few bytes of slack for the
        // field name and line end being read).
        TG_FUZZ_CHECK(parser.buffered_bytes() <= 2 * bound + 16);
    }
    dropped = parser.dropped_bytes();
    return events;
}

bool same(const std::vector<tokens::sse_event>& a, const std::vector<tokens::sse_event>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].type != b[i].type || a[i].data != b[i].data || a[i].id != b[i].id) {
            return false;
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = fuzz::take_splits(data, size);
    std::uint64_t dropped_whole = 0;
    std::uint64_t dropped_split = 0;
    const auto whole = split_events({in.message}, dropped_whole);
    const auto split = split_events(fuzz::pieces(in), dropped_split);
    TG_FUZZ_CHECK(same(whole, split));
    TG_FUZZ_CHECK(dropped_whole == dropped_split);
    for (const auto& e : whole) {
        TG_FUZZ_CHECK(e.data.size() <= bound);
    }
    return 0;
}
