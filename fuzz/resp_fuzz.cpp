// The RESP reader (hiredis's, behind our wrapper): whatever a Redis, or something posing as
// one, sends, the same replies whatever the cuts, a protocol error and no crash.
#include "check.hpp"
#include "splits.hpp"
#include "tollgate/redis/resp.hpp"

namespace {

using namespace tollgate;

bool same(const redis::value& a, const redis::value& b) {
    if (a.type != b.type || a.str != b.str || a.integer != b.integer ||
        a.elements.size() != b.elements.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.elements.size(); ++i) {
        if (!same(a.elements[i], b.elements[i])) {
            return false;
        }
    }
    return true;
}

struct replies {
    std::vector<redis::value> values;
    bool failed = false;
};

replies read(const std::vector<std::string_view>& parts) {
    replies r;
    redis::reader reader;
    for (const auto part : parts) {
        reader.feed(part);
        while (auto v = reader.next()) {
            r.values.push_back(std::move(*v));
        }
        if (reader.failed()) {
            r.failed = true;
            break;
        }
    }
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = fuzz::take_splits(data, size);
    const replies whole = read({in.message});
    const replies split = read(fuzz::pieces(in));
    TG_FUZZ_CHECK(whole.failed == split.failed);
    if (!whole.failed) {
        TG_FUZZ_CHECK(whole.values.size() == split.values.size());
        for (std::size_t i = 0; i < whole.values.size(); ++i) {
            TG_FUZZ_CHECK(same(whole.values[i], split.values[i]));
        }
    }
    return 0;
}
