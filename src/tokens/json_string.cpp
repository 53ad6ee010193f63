#include "tollgate/tokens/json_string.hpp"

#include "tollgate/core/hex.hpp"

namespace tollgate::tokens {
namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

}  // namespace

long read_u_escape(std::string_view text, std::size_t pos) noexcept {
    if (pos + 6 > text.size() || text[pos] != '\\' || text[pos + 1] != 'u') {
        return -1;
    }
    long unit = 0;
    for (std::size_t i = pos + 2; i < pos + 6; ++i) {
        const int d = hex_digit_value(text[i]);
        if (d < 0) {
            return -1;
        }
        unit = unit * 16 + d;
    }
    return unit;
}

namespace {

// The sequence at text[pos] (a byte >= 0x80): its length when well-formed, else 0 with
// `subpart` set to the length of its maximal ill-formed subpart (Unicode 15, section 3.9,
// table 3-7: the second byte's range depends on the first).
std::size_t scan_sequence(std::string_view text, std::size_t pos, std::size_t& subpart) noexcept {
    const auto byte = [&](std::size_t i) {
        return static_cast<unsigned char>(text[i]);
    };
    const unsigned char b = byte(pos);
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        lo = b == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
        hi = b == 0xED ? 0x9F : 0xBF;  // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        lo = b == 0xF0 ? 0x90 : 0x80;
        hi = b == 0xF4 ? 0x8F : 0xBF;  // nothing past U+10FFFF
    } else {
        subpart = 1;
        return 0;
    }
    std::size_t i = pos + 1;
    for (; i < pos + len; ++i) {
        if (i >= text.size() || byte(i) < lo || byte(i) > hi) {
            subpart = i - pos;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return len;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) noexcept {
    std::size_t subpart = 0;
    return scan_sequence(text, pos, subpart);
}

std::size_t utf8_ill_formed_length(std::string_view text, std::size_t pos) noexcept {
    std::size_t subpart = 0;
    return scan_sequence(text, pos, subpart) == 0 ? subpart : 0;
}

std::optional<std::string> json_unescape(std::string_view raw) {
    if (raw.find('\\') == std::string_view::npos) {
        return std::string(raw);
    }
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\') {
            out += raw[i];
            continue;
        }
        if (i + 1 >= raw.size()) {
            return std::nullopt;
        }
        switch (raw[i + 1]) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '/':
                out += '/';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                long unit = read_u_escape(raw, i);
                if (unit < 0) {
                    return std::nullopt;
                }
                std::uint32_t cp = static_cast<std::uint32_t>(unit);
                if (unit >= 0xD800 && unit <= 0xDBFF) {
                    const long low = read_u_escape(raw, i + 6);
                    if (low < 0xDC00 || low > 0xDFFF) {
                        return std::nullopt;
                    }
                    cp = 0x10000 + ((static_cast<std::uint32_t>(unit) - 0xD800) << 10) +
                         (static_cast<std::uint32_t>(low) - 0xDC00);
                    i += 6;
                } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
                    return std::nullopt;
                }
                append_utf8(out, cp);
                i += 4;
                break;
            }
            default:
                return std::nullopt;
        }
        ++i;
    }
    return out;
}

}  // namespace tollgate::tokens
