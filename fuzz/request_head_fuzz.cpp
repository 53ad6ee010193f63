// The client side of the HTTP/1.1 codec: request head, framing checks, chunked body. Fed
// whole and in the fuzzer's pieces, the parser must reach the same verdict on the same bytes,
// and a head it accepts must pass or fail the framing checks the same way.
#include "check.hpp"
#include "splits.hpp"
#include "tollgate/proxy/chunked_decoder.hpp"
#include "tollgate/proxy/framing.hpp"
#include "tollgate/proxy/request_head.hpp"

#include <memory_resource>
#include <string>
#include <vector>

namespace {

using namespace tollgate;
using proxy::request_head;

struct parsed_head {
    std::pmr::monotonic_buffer_resource arena;
    std::vector<proxy::header_view> fields;
    request_head head{arena, fields, 8192};
    request_head::state state = request_head::state::need_more;
};

// Feeds growing prefixes of `message` ending at each cut, then the whole, until a verdict.
void feed(parsed_head& p, std::string_view message, const std::vector<std::size_t>& cuts) {
    for (const std::size_t cut : cuts) {
        p.state = p.head.feed(message.substr(0, cut));
        if (p.state != request_head::state::need_more) {
            return;
        }
    }
    p.state = p.head.feed(message);
}

struct decoded {
    bool failed = false;
    boost::system::error_code error;
    std::size_t consumed = 0;
    bool done = false;
    std::string payload;
};

decoded decode(std::string_view body, const std::vector<std::string_view>& parts) {
    decoded d;
    proxy::chunked_decoder decoder(4096, 1 << 20);
    for (const std::string_view part : parts) {
        auto n = decoder.feed(part, d.payload);
        if (!n) {
            d.failed = true;
            d.error = n.error();
            return d;
        }
        d.consumed += *n;
        if (decoder.done()) {
            break;
        }
    }
    d.done = decoder.done();
    (void)body;
    return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = fuzz::take_splits(data, size);
    parsed_head whole;
    whole.state = whole.head.feed(in.message);
    parsed_head split;
    feed(split, in.message, in.cuts);

    // A verdict on a prefix must be the verdict on the whole: the parser never looks ahead.
    TG_FUZZ_CHECK(whole.state == split.state);
    if (whole.state == request_head::state::failed) {
        TG_FUZZ_CHECK(whole.head.error() == split.head.error());
        return 0;
    }
    if (whole.state != request_head::state::done) {
        return 0;
    }
    TG_FUZZ_CHECK(whole.head.size() == split.head.size());
    TG_FUZZ_CHECK(whole.head.size() <= in.message.size());
    TG_FUZZ_CHECK(whole.head.method_string() == split.head.method_string());
    TG_FUZZ_CHECK(whole.head.target() == split.head.target());
    TG_FUZZ_CHECK(whole.head.version() == split.head.version());
    TG_FUZZ_CHECK(whole.head.keep_alive() == split.head.keep_alive());
    TG_FUZZ_CHECK(whole.fields.size() == split.fields.size());
    for (std::size_t i = 0; i < whole.fields.size(); ++i) {
        TG_FUZZ_CHECK(whole.fields[i].name == split.fields[i].name);
        TG_FUZZ_CHECK(whole.fields[i].value == split.fields[i].value);
        TG_FUZZ_CHECK(!whole.fields[i].name.empty());
    }

    (void)proxy::check_host(whole.head.version(), whole.fields);
    const auto framing = proxy::check_framing(whole.head.version(), whole.fields);
    if (!framing || !framing->chunked) {
        return 0;
    }
    // The chunked body after the head: whole, and in pieces cut where the message was.
    const std::string_view body = in.message.substr(whole.head.size());
    std::vector<std::string_view> parts;
    std::size_t from = 0;
    for (const std::size_t cut : in.cuts) {
        if (cut > whole.head.size()) {
            parts.push_back(body.substr(from, cut - whole.head.size() - from));
            from = cut - whole.head.size();
        }
    }
    parts.push_back(body.substr(from));
    const decoded a = decode(body, {body});
    const decoded b = decode(body, parts);
    TG_FUZZ_CHECK(a.failed == b.failed);
    TG_FUZZ_CHECK(a.error == b.error);
    if (!a.failed) {
        TG_FUZZ_CHECK(a.done == b.done);
        TG_FUZZ_CHECK(a.consumed == b.consumed);
        TG_FUZZ_CHECK(a.payload == b.payload);
        TG_FUZZ_CHECK(a.consumed <= body.size());
    }
    return 0;
}
