#include "tollgate/proxy/framing.hpp"

#include "tollgate/core/swar.hpp"

#include <charconv>

namespace tollgate::proxy {
namespace {

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// 1*DIGIT only: no sign, no list ("5, 5"), no spaces inside, at most 19 digits.
std::optional<std::uint64_t> parse_content_length(std::string_view v) noexcept {
    v = trim_ows(v);
    if (v.empty() || v.size() > 19) {
        return std::nullopt;
    }
    for (char c : v) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
    }
    std::uint64_t n = 0;
    std::from_chars(v.data(), v.data() + v.size(), n);
    return n;
}

}  // namespace

bool iequals_same_size(std::string_view a, std::string_view b) noexcept {
    // Eight bytes at a time: header names are compared on every request, most of them
    // longer than eight bytes. The last word overlaps the one before it rather than leaving
    // a tail of single bytes.
    const std::size_t n = a.size();
    if (n >= 8) {
        const auto same_at = [&](std::size_t i) {
            return swar::to_lower_ascii(swar::load(a.data() + i)) ==
                   swar::to_lower_ascii(swar::load(b.data() + i));
        };
        for (std::size_t i = 0; i + 8 < n; i += 8) {
            if (!same_at(i)) {
                return false;
            }
        }
        return same_at(n - 8);
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

result<body_framing> check_framing(unsigned version, std::span<const header_view> fields) {
    int content_lengths = 0;
    int transfer_encodings = 0;
    body_framing out;
    for (const auto& f : fields) {
        if (iequals(f.name, "content-length")) {
            ++content_lengths;
            auto n = parse_content_length(f.value);
            if (!n) {
                return error::bad_framing;
            }
            out.content_length = *n;
        } else if (iequals(f.name, "transfer-encoding")) {
            ++transfer_encodings;
            // We decode only chunked; anything else ("gzip, chunked", "chunked, chunked",
            // "identity") is refused rather than guessed at.
            if (!iequals(trim_ows(f.value), "chunked")) {
                return error::bad_framing;
            }
            out.chunked = true;
        }
    }
    if (content_lengths > 1 || transfer_encodings > 1) {
        return error::bad_framing;
    }
    if (transfer_encodings == 1 && (content_lengths == 1 || version < 11)) {
        return error::bad_framing;
    }
    return out;
}

boost::system::error_code check_host(unsigned version, std::span<const header_view> fields) {
    int hosts = 0;
    for (const auto& f : fields) {
        hosts += f.name.size() == 4 && iequals(f.name, "host");
    }
    // RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, or with
    // more than one (two could route differently at two hops).
    if (hosts > 1 || (hosts == 0 && version >= 11)) {
        return error::bad_host;
    }
    return {};
}

}  // namespace tollgate::proxy
