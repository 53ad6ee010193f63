// The upstream side of the HTTP/1.1 codec: response head, framing, body reader. An upstream
// is untrusted too: whatever it sends, whole or in pieces, the reader reaches the same
// verdict, hands on the same payload, and never holds more than what it was given.
#include "check.hpp"
#include "splits.hpp"
#include "tollgate/proxy/response_body.hpp"
#include "tollgate/proxy/response_head.hpp"

#include <string>
#include <vector>

namespace {

using namespace tollgate;
using proxy::response_head;

struct outcome {
    response_head::state head_state = response_head::state::need_more;
    boost::system::error_code head_error;
    unsigned status = 0;
    std::size_t head_size = 0;
    std::vector<std::pair<std::string, std::string>> fields;
    bool framed = false;
    bool body_failed = false;
    bool body_done = false;
    std::string payload;
};

// The bytes arrive in `parts`; the head is parsed from what arrived so far, then the body
// is read from the rest as a relay would, dropping what each step consumed.
outcome run(const std::vector<std::string_view>& parts, bool head_request) {
    outcome o;
    std::string received;
    std::vector<proxy::header_view> fields;
    response_head head(fields, 8192);
    std::size_t part = 0;
    for (; part < parts.size(); ++part) {
        received.append(parts[part]);
        o.head_state = head.feed(received);
        if (o.head_state != response_head::state::need_more) {
            break;
        }
    }
    if (o.head_state != response_head::state::done) {
        o.head_error = head.error();
        return o;
    }
    o.status = head.status();
    o.head_size = head.size();
    for (const auto& f : fields) {
        o.fields.emplace_back(f.name, f.value);
    }
    if (head.interim()) {
        return o;
    }
    auto framing = proxy::frame_response(head.status(), head_request, fields);
    if (!framing) {
        return o;
    }
    o.framed = true;
    received.erase(0, head.size());
    proxy::response_body body(*framing);
    std::string decoded;
    for (;;) {
        while (!body.done()) {
            std::size_t consumed = 0;
            auto payload = body.next(received, decoded, consumed);
            if (!payload) {
                o.body_failed = true;
                return o;
            }
            TG_FUZZ_CHECK(consumed <= received.size());
            o.payload.append(*payload);
            received.erase(0, consumed);
            if (payload->empty() && consumed == 0) {
                break;  // needs more bytes
            }
        }
        if (body.done() || ++part >= parts.size()) {
            break;
        }
        received.append(parts[part]);
    }
    if (!body.done()) {
        body.closed();
    }
    o.body_done = body.done();
    return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = fuzz::take_splits(data, size);
    const bool head_request = size > 0 && (data[0] & 0x80) != 0;
    const outcome whole = run({in.message}, head_request);
    const outcome split = run(fuzz::pieces(in), head_request);
    TG_FUZZ_CHECK(whole.head_state == split.head_state);
    TG_FUZZ_CHECK(whole.head_error == split.head_error);
    TG_FUZZ_CHECK(whole.status == split.status);
    TG_FUZZ_CHECK(whole.head_size == split.head_size);
    TG_FUZZ_CHECK(whole.fields == split.fields);
    TG_FUZZ_CHECK(whole.framed == split.framed);
    TG_FUZZ_CHECK(whole.body_failed == split.body_failed);
    TG_FUZZ_CHECK(whole.body_done == split.body_done);
    TG_FUZZ_CHECK(whole.payload == split.payload);
    TG_FUZZ_CHECK(whole.payload.size() <= in.message.size());
    return 0;
}
