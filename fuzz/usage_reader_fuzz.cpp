// The usage reader over an upstream's answer, JSON or SSE: what it reads (reported usage,
// produced text) must not depend on how the answer was cut into reads, and nothing an
// upstream sends may crash it or make it hold more than its bound.
#include "check.hpp"
#include "splits.hpp"
#include "tollgate/metering/usage_tap.hpp"

namespace {

using namespace tollgate;

struct reading {
    metering::usage usage;
    std::uint64_t produced = 0;
    std::vector<std::string> text;
};

reading read(const std::vector<std::string_view>& parts, bool stream) {
    metering::usage_tap tap(4096);  // small, so that the bound is reached too
    tap.keep_text(256);
    tap.on_head(200, stream ? "text/event-stream" : "application/json");
    for (const auto part : parts) {
        tap.on_body(part);
    }
    tap.on_end(true);
    return {tap.reported(), tap.produced_text_bytes(), tap.produced_text()};
}

bool same(const metering::usage& a, const metering::usage& b) {
    return a.prompt_tokens == b.prompt_tokens && a.completion_tokens == b.completion_tokens &&
           a.cached_tokens == b.cached_tokens && a.reasoning_tokens == b.reasoning_tokens &&
           a.invalid == b.invalid;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = fuzz::take_splits(data, size);
    const bool stream = size > 0 && (data[0] & 1) != 0;
    const reading whole = read({in.message}, stream);
    const reading split = read(fuzz::pieces(in), stream);
    TG_FUZZ_CHECK(same(whole.usage, split.usage));
    TG_FUZZ_CHECK(whole.produced == split.produced);
    TG_FUZZ_CHECK(whole.text == split.text);
    for (const auto* u : {&whole.usage.prompt_tokens, &whole.usage.completion_tokens}) {
        TG_FUZZ_CHECK(!*u || (**u >= 0 && **u <= metering::max_reported_tokens));
    }
    return 0;
}
