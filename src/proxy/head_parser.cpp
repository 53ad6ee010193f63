#include "tollgate/proxy/head_parser.hpp"

#include "tollgate/core/error.hpp"
#include "tollgate/core/swar.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace tollgate::proxy {
namespace {

// Byte classes, one table load per byte.
enum : std::uint8_t {
    tchar = 1,       // token characters (RFC 9110 section 5.6.2): methods, field names
    field_char = 2,  // a field value's bytes: VCHAR, obs-text, SP, HTAB
    target_char = 4  // a request target's bytes: VCHAR
};

constexpr auto classes = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0x21; c <= 0x7e; ++c) {
        t[c] |= field_char | target_char;
    }
    for (int c = 0x80; c <= 0xff; ++c) {
        t[c] |= field_char;
    }
    t[' '] |= field_char;
    t['\t'] |= field_char;
    for (const char c : std::string_view("!#$%&'*+-.^_`|~")) {
        t[static_cast<unsigned char>(c)] |= tchar;
    }
    for (int c = '0'; c <= '9'; ++c) {
        t[c] |= tchar;
    }
    for (int c = 'a'; c <= 'z'; ++c) {
        t[c] |= tchar;
        t[c - 'a' + 'A'] |= tchar;
    }
    return t;
}();

bool all_of_class(std::string_view s, std::uint8_t cls) noexcept {
    for (const char c : s) {
        if ((classes[static_cast<unsigned char>(c)] & cls) == 0) {
            return false;
        }
    }
    return true;
}

// Eight bytes at a time (values are most of a head's bytes): a word with no byte below 0x20
// and no DEL is all field characters; any other word is checked byte by byte (a tab).
bool all_field_chars(std::string_view s) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        const std::uint64_t x = swar::load(s.data() + i);
        if ((swar::bytes_below(x, 0x20) | swar::bytes_equal(x, 0x7f)) != 0) {
            if (!all_of_class(s.substr(i, 8), field_char)) {
                return false;
            }
        }
    }
    return all_of_class(s.substr(i), field_char);
}

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

head_parser::state head_parser::fail(boost::system::error_code ec) {
    error_ = ec;
    return state_ = state::failed;
}

// The views point into the bytes last fed, at `base_`. Bytes fed later may sit elsewhere
// (the buffer grew), and the head ends up copied into the arena: each view keeps its offset.
// Integer arithmetic, because the old bytes may be gone.
void head_parser::rebase(const char* to) {
    const auto from = base_;
    base_ = reinterpret_cast<std::uintptr_t>(to);
    if (from == base_) {
        return;
    }
    const auto moved = [&](std::string_view& v) {
        if (!v.empty()) {
            v = {to + (reinterpret_cast<std::uintptr_t>(v.data()) - from), v.size()};
        }
    };
    for (auto& v : start_views_) {
        moved(v);
    }
    for (auto& f : fields_) {
        moved(f.name);
        moved(f.value);
    }
}

head_parser::state head_parser::finish(std::string_view bytes) {
    if (arena_ != nullptr) {
        // One copy of the whole head, not one per field: the fields must outlive the buffer.
        auto* copy = static_cast<char*>(arena_->allocate(parsed_, 1));
        std::memcpy(copy, bytes.data(), parsed_);
        rebase(copy);
    }
    return state_ = state::done;
}

head_parser::state head_parser::feed(std::string_view bytes) {
    if (state_ != state::need_more) {
        return state_;
    }
    got_some_ = got_some_ || !bytes.empty();
    rebase(bytes.data());
    while (parsed_ < bytes.size()) {
        const void* lf = std::memchr(bytes.data() + parsed_, '\n', bytes.size() - parsed_);
        if (lf == nullptr) {
            break;
        }
        const std::size_t end =
            static_cast<std::size_t>(static_cast<const char*>(lf) - bytes.data());
        if (end + 1 > limit_) {
            return fail(error::headers_too_large);
        }
        if (end == parsed_ || bytes[end - 1] != '\r') {
            return fail(error::bad_request);  // a bare LF ends no line here
        }
        const std::string_view line = bytes.substr(parsed_, end - 1 - parsed_);
        parsed_ = end + 1;
        if (!have_start_line_) {
            if (line.empty() && skips_leading_empty_lines()) {
                continue;
            }
            if (!start_line(line)) {
                return fail(error::bad_request);
            }
            have_start_line_ = true;
            continue;
        }
        if (line.empty()) {
            return finish(bytes);
        }
        if (!field_line(line)) {
            return fail(error::bad_request);
        }
    }
    if (bytes.size() >= limit_) {
        return fail(error::headers_too_large);  // no end of the head within the limit
    }
    return state::need_more;
}

bool head_parser::is_token(std::string_view s) noexcept {
    return all_of_class(s, tchar);
}

bool head_parser::is_visible(std::string_view s) noexcept {
    return all_of_class(s, target_char);
}

bool head_parser::is_field_text(std::string_view s) noexcept {
    return all_field_chars(s);
}

bool head_parser::parse_version(std::string_view v) noexcept {
    if (v == "HTTP/1.1") {
        version_ = 11;
    } else if (v == "HTTP/1.0") {
        version_ = 10;
    } else {
        return false;
    }
    return true;
}

// field-name ":" OWS field-value OWS
bool head_parser::field_line(std::string_view line) {
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) {
        return false;  // no name; or a folded line (it starts with white space, no token)
    }
    const std::string_view name = line.substr(0, colon);
    if (!all_of_class(name, tchar)) {
        return false;  // white space before the colon, or a byte no name may hold
    }
    std::string_view value = line.substr(colon + 1);
    if (!all_field_chars(value)) {
        return false;  // a control character (CR, NUL, DEL...)
    }
    value = trim_ows(value);
    if (name.size() == 10 && lower(name[0]) == 'c' && iequals(name, "connection") &&
        !connection_tokens(value)) {
        return false;  // not a list of tokens: Beast refused it too
    }
    fields_.push_back({name, value});
    return true;
}

// Connection: a comma-separated list of tokens (empty elements allowed, RFC 9110 section
// 5.6.1); close and keep-alive decide persistence. False for anything else in the list.
bool head_parser::connection_tokens(std::string_view value) {
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        const std::string_view token = trim_ows(value.substr(0, comma));
        if (!all_of_class(token, tchar)) {
            return false;
        }
        if (iequals(token, "close")) {
            connection_close_ = true;
        } else if (iequals(token, "keep-alive")) {
            connection_keep_alive_ = true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        value.remove_prefix(comma + 1);
    }
    return true;
}

}  // namespace tollgate::proxy
