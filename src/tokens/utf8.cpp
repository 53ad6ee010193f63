#include "tollgate/tokens/utf8.hpp"

#include "tollgate/tokens/json_string.hpp"

#include <cstdint>
#include <cstring>

namespace tollgate::tokens {
namespace {

std::size_t ascii_run(std::string_view text, std::size_t i) noexcept {
    while (i + 8 <= text.size()) {
        std::uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        if (w & 0x8080808080808080ULL) {
            break;
        }
        i += 8;
    }
    while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) {
        ++i;
    }
    return i;
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
    std::size_t i = 0;
    while ((i = ascii_run(text, i)) < text.size()) {
        const std::size_t len = utf8_sequence_length(text, i);
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}

std::string repair_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t run = ascii_run(text, i);
        out.append(text.substr(i, run - i));
        i = run;
        if (i >= text.size()) {
            break;
        }
        if (const std::size_t len = utf8_sequence_length(text, i); len > 0) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            out.append("\xef\xbf\xbd");
            i += utf8_ill_formed_length(text, i);
        }
    }
    return out;
}

}  // namespace tollgate::tokens
