#include "tollgate/tokens/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace tollgate::tokens {
namespace {

// Length of the well-formed sequence at text[i] (a byte >= 0x80), or, when it is
// ill-formed, 0 and `bad_end` set to the end of its maximal subpart (Unicode 15, section 3.9,
// table 3-7: the second byte's range depends on the first).
std::size_t sequence_at(std::string_view text, std::size_t i, std::size_t& bad_end) noexcept {
    const auto b = static_cast<unsigned char>(text[i]);
    std::size_t need = 0;
    unsigned char lower = 0x80;
    unsigned char upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        if (b == 0xe0)
            lower = 0xa0;
        if (b == 0xed)
            upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        if (b == 0xf0)
            lower = 0x90;
        if (b == 0xf4)
            upper = 0x8f;
    } else {
        bad_end = i + 1;
        return 0;
    }
    std::size_t j = i + 1;
    for (std::size_t k = 0; k < need; ++k, ++j) {
        if (j >= text.size())
            break;
        const auto c = static_cast<unsigned char>(text[j]);
        if (c < lower || c > upper)
            break;
        lower = 0x80;
        upper = 0xbf;
    }
    if (j == i + 1 + need)
        return need + 1;
    bad_end = j;
    return 0;
}

std::size_t ascii_run(std::string_view text, std::size_t i) noexcept {
    while (i + 8 <= text.size()) {
        std::uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        if (w & 0x8080808080808080ULL)
            break;
        i += 8;
    }
    while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80)
        ++i;
    return i;
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
    std::size_t i = 0;
    std::size_t bad_end = 0;
    while ((i = ascii_run(text, i)) < text.size()) {
        const std::size_t len = sequence_at(text, i, bad_end);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

std::string repair_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    std::size_t i = 0;
    std::size_t bad_end = 0;
    while (i < text.size()) {
        const std::size_t run = ascii_run(text, i);
        out.append(text.substr(i, run - i));
        i = run;
        if (i >= text.size())
            break;
        const std::size_t len = sequence_at(text, i, bad_end);
        if (len > 0) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            out.append("\xef\xbf\xbd");
            i = bad_end;
        }
    }
    return out;
}

}  // namespace tollgate::tokens
