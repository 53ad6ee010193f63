#include "tollgate/proxy/response_body.hpp"

#include "tollgate/core/error.hpp"

#include <algorithm>
#include <charconv>

namespace tollgate::proxy {
namespace {

// The last coding of a Transfer-Encoding list is chunked.
bool ends_in_chunked(std::string_view list) noexcept {
    const std::size_t comma = list.rfind(',');
    return iequals(trim_ows(comma == std::string_view::npos ? list : list.substr(comma + 1)),
                   "chunked");
}

// 1*DIGIT, at most 19 digits.
bool parse_length(std::string_view v, std::uint64_t& n) noexcept {
    v = trim_ows(v);
    if (v.empty() || v.size() > 19 ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    std::from_chars(v.data(), v.data() + v.size(), n);
    return true;
}

}  // namespace

result<response_framing> frame_response(unsigned status,
                                        bool head_request,
                                        std::span<const header_view> fields) {
    response_framing out;
    bool has_length = false;
    bool has_coding = false;
    bool chunked = false;
    for (const auto& f : fields) {
        if (f.name.size() == 14 && iequals(f.name, "content-length")) {
            std::uint64_t n = 0;
            if (!parse_length(f.value, n) || (has_length && n != out.length)) {
                return error::bad_framing;
            }
            has_length = true;
            out.length = n;
        } else if (f.name.size() == 17 && iequals(f.name, "transfer-encoding")) {
            has_coding = true;
            chunked = ends_in_chunked(f.value);  // the last field's last coding counts
        }
    }
    if (head_request || status / 100 == 1 || status == 204 || status == 304) {
        out.body = response_framing::kind::none;
        out.length = 0;
    } else if (has_coding) {
        out.body = chunked ? response_framing::kind::chunked : response_framing::kind::until_close;
        out.length = 0;
        out.reusable = chunked && !has_length;
    } else if (has_length) {
        out.body = response_framing::kind::length;
    } else {
        out.body = response_framing::kind::until_close;
        out.reusable = false;
    }
    return out;
}

result<std::string_view> response_body::next(std::string_view in,
                                             std::string& decoded,
                                             std::size_t& consumed) {
    consumed = 0;
    if (failed_) {
        return error::bad_framing;
    }
    if (done_) {
        return std::string_view{};
    }
    switch (kind_) {
        case response_framing::kind::none:
            return std::string_view{};
        case response_framing::kind::length: {
            const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(left_, in.size()));
            left_ -= take;
            done_ = left_ == 0;
            consumed = take;
            return in.substr(0, take);
        }
        case response_framing::kind::until_close:
            consumed = in.size();
            return in;
        case response_framing::kind::chunked: {
            decoded.clear();
            auto n = decoder_.feed(in, decoded);
            if (!n && decoded.empty()) {
                return n.error();
            }
            if (!n) {
                failed_ = true;  // the payload before the fault still goes out; then the error
                return std::string_view(decoded);
            }
            consumed = *n;
            done_ = decoder_.done();
            return std::string_view(decoded);
        }
    }
    return std::string_view{};
}

}  // namespace tollgate::proxy
