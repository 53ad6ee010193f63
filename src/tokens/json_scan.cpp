#include "tollgate/tokens/json_scan.hpp"

#include "tollgate/core/swar.hpp"
#include "tollgate/tokens/json_string.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tollgate::tokens {
namespace {

// The bytes of `v` that are < 0x20, '"', '\\' or >= 0x80: a string needs a closer look there.
constexpr std::uint64_t attention_mask(std::uint64_t v) noexcept {
    return swar::bytes_below(v, 0x20) | swar::bytes_equal(v, '"') | swar::bytes_equal(v, '\\') |
           swar::bytes_high(v);
}

// Skimming looks at six bytes only: '"', '\\', '{', '}', '[' and ']'. skim_stops() marks
// them in a block of 64 bytes, one bit per byte, so that the skim visits those bytes and no
// others: an answer's long strings and numbers cost about one instruction per 16 bytes.
constexpr std::size_t skim_block = 64;

#if defined(__SSE2__)
std::uint64_t skim_stops(const char* p) noexcept {
    // '[' and ']' are '{' and '}' without bit 5: setting it folds each pair into one compare.
    const __m128i fold = _mm_set1_epi8(0x20);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i open = _mm_set1_epi8('{');
    const __m128i close = _mm_set1_epi8('}');
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < skim_block; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const __m128i folded = _mm_or_si128(v, fold);
        const __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)));
        bits |= static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(hit))) << i;
    }
    return bits;
}
#else
std::uint64_t skim_stops(const char* p) noexcept {
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < skim_block; ++i) {
        const char c = p[i];
        if (c == '"' || c == '\\' || c == '{' || c == '}' || c == '[' || c == ']') {
            bits |= std::uint64_t{1} << i;
        }
    }
    return bits;
}
#endif

}  // namespace

json_object_scanner::json_object_scanner(std::string_view text,
                                         std::size_t max_depth,
                                         json_nested nested) noexcept
    : text_(text),
      max_depth_(max_depth < depth_capacity ? max_depth : depth_capacity - 1),
      nested_(nested) {}

bool json_object_scanner::fail(json_status s) noexcept {
    if (status_ == json_status::ok) {
        status_ = s;
    }
    return false;
}

// Called between every two tokens; compact JSON has no white space there, so the first test
// usually ends it. Inlined into the callers in this file.
[[gnu::always_inline]] inline void json_object_scanner::skip_ws() noexcept {
    const std::size_t n = text_.size();
    while (pos_ < n) {
        const char c = text_[pos_];
        if (static_cast<unsigned char>(c) > ' ' ||
            (c != ' ' && c != '\n' && c != '\r' && c != '\t')) {
            return;
        }
        ++pos_;
    }
}

bool json_object_scanner::scan_string() noexcept {
    const char* const data = text_.data();
    const std::size_t n = text_.size();
    std::size_t at = pos_ + 1;  // after the opening quote
    for (;;) {
        // Eight plain ASCII bytes at a time (the common case in prompts), then straight to
        // the first byte that is not (little-endian: the lowest flagged byte comes first).
        while (at + 8 <= n) {
            const std::uint64_t v = swar::load(data + at);
            if constexpr (std::endian::native == std::endian::little) {
                if (const std::uint64_t m = attention_mask(v); m != 0) {
                    at += static_cast<std::size_t>(std::countr_zero(m)) / 8;
                    break;
                }
            } else if (attention_mask(v) != 0) {
                break;
            }
            at += 8;
        }
        if (at >= n) {
            pos_ = at;
            return fail(json_status::invalid);
        }
        const auto c = static_cast<unsigned char>(data[at]);
        if (c == '"') {
            pos_ = at + 1;
            return true;
        }
        if (c >= 0x20 && c < 0x80 && c != '\\') {
            ++at;  // the last few bytes, checked one at a time
            continue;
        }
        pos_ = at;
        if (!scan_string_special()) {
            return false;
        }
        at = pos_;
    }
}

// At a string's byte that is a control character, a backslash or the start of a UTF-8
// sequence: steps over the escape or the character, or fails. Kept out of scan_string so
// that its short, plain strings pay for none of this.
bool json_object_scanner::scan_string_special() noexcept {
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c < 0x20) {
        return fail(json_status::invalid);
    }
    if (c >= 0x80) {
        const std::size_t len = utf8_sequence_length(text_, pos_);
        if (len == 0) {
            return fail(json_status::invalid);
        }
        pos_ += len;
        return true;
    }
    // An escape.
    if (pos_ + 1 >= text_.size()) {
        return fail(json_status::invalid);
    }
    const char e = text_[pos_ + 1];
    if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
        e == 't') {
        pos_ += 2;
        return true;
    }
    const long unit = read_u_escape(text_, pos_);
    if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) {
        return fail(json_status::invalid);  // malformed, or a low surrogate alone
    }
    pos_ += 6;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
        const long low = read_u_escape(text_, pos_);
        if (low < 0xDC00 || low > 0xDFFF) {
            return fail(json_status::invalid);  // a high surrogate must be paired
        }
        pos_ += 6;
    }
    return true;
}

bool json_object_scanner::scan_number() noexcept {
    const std::size_t n = text_.size();
    const auto digit = [&] {
        return pos_ < n && text_[pos_] >= '0' && text_[pos_] <= '9';
    };
    const auto digits = [&] {
        if (!digit()) {
            return false;
        }
        while (digit()) {
            ++pos_;
        }
        return true;
    };
    if (pos_ < n && text_[pos_] == '-') {
        ++pos_;
    }
    if (pos_ < n && text_[pos_] == '0') {
        ++pos_;
    } else if (!digits()) {
        return fail(json_status::invalid);
    }
    if (pos_ < n && text_[pos_] == '.') {
        ++pos_;
        if (!digits()) {
            return fail(json_status::invalid);
        }
    }
    if (pos_ < n && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
        ++pos_;
        if (pos_ < n && (text_[pos_] == '+' || text_[pos_] == '-')) {
            ++pos_;
        }
        if (!digits()) {
            return fail(json_status::invalid);
        }
    }
    return true;
}

bool json_object_scanner::scan_literal(std::string_view word) noexcept {
    if (text_.substr(pos_, word.size()) != word) {
        return fail(json_status::invalid);
    }
    pos_ += word.size();
    return true;
}

// Inside an object, before a member: its key, the colon, and the white space around them.
bool json_object_scanner::scan_key_and_colon() noexcept {
    if (pos_ >= text_.size() || text_[pos_] != '"' || !scan_string()) {
        return fail(json_status::invalid);
    }
    skip_ws();
    if (pos_ >= text_.size() || text_[pos_] != ':') {
        return fail(json_status::invalid);
    }
    ++pos_;
    skip_ws();
    return true;
}

// Validates the container starting at pos_ (depth 2: inside the top-level object) with an
// explicit stack, so hostile nesting cannot exhaust the thread's stack.
bool json_object_scanner::scan_nested() noexcept {
    std::size_t depth = 1;
    bool expect_value = true;
    for (;;) {
        if (expect_value) {
            if (pos_ >= text_.size()) {
                return fail(json_status::invalid);
            }
            const char c = text_[pos_];
            if (c == '{' || c == '[') {
                if (++depth > max_depth_) {
                    return fail(json_status::too_deep);
                }
                in_object_[depth] = c == '{';
                ++pos_;
                skip_ws();
                if (pos_ < text_.size() && text_[pos_] == (c == '{' ? '}' : ']')) {
                    ++pos_;
                    --depth;
                    expect_value = false;
                } else if (c == '{' && !scan_key_and_colon()) {
                    return false;
                }
                continue;
            }
            const bool ok = c == '"'   ? scan_string()
                            : c == 't' ? scan_literal("true")
                            : c == 'f' ? scan_literal("false")
                            : c == 'n' ? scan_literal("null")
                                       : scan_number();
            if (!ok) {
                return false;
            }
            expect_value = false;
        }
        // After a value at `depth`.
        if (depth == 1) {
            return true;
        }
        skip_ws();
        if (pos_ >= text_.size()) {
            return fail(json_status::invalid);
        }
        const char c = text_[pos_++];
        if (c == (in_object_[depth] ? '}' : ']')) {
            --depth;
            continue;
        }
        if (c != ',') {
            return fail(json_status::invalid);
        }
        skip_ws();
        if (in_object_[depth] && !scan_key_and_colon()) {
            return false;
        }
        expect_value = true;
    }
}

// Finds the end of the container at pos_ by its brackets alone: strings are stepped over
// (a backslash escapes the next byte) but not validated, nor is anything between them.
bool json_object_scanner::skim_nested() noexcept {
    std::size_t depth = 1;  // the top-level object
    bool in_string = false;
    bool escaped = false;  // the block's first byte is escaped (a backslash ended the last)
    const char* const data = text_.data();
    const std::size_t n = text_.size();
    std::array<char, skim_block> tail;
    for (std::size_t base = pos_; base < n; base += skim_block) {
        const char* block = data + base;
        if (n - base < skim_block) {  // the last bytes, padded with a byte that is no stop
            tail.fill(' ');
            std::memcpy(tail.data(), block, n - base);
            block = tail.data();
        }
        std::uint64_t stops = skim_stops(block);
        if (escaped) {
            stops &= ~std::uint64_t{1};
            escaped = false;
        }
        while (stops != 0) {
            const auto i = static_cast<std::size_t>(std::countr_zero(stops));
            stops &= stops - 1;
            const char c = block[i];
            if (c == '\\') {
                // Escapes the next byte (a quote, or another backslash).
                if (i + 1 < skim_block) {
                    stops &= ~(std::uint64_t{1} << (i + 1));
                } else {
                    escaped = true;
                }
            } else if (c == '"') {
                in_string = !in_string;
            } else if (in_string) {
                continue;  // a bracket inside a string
            } else if (c == '{' || c == '[') {
                if (++depth > max_depth_) {
                    pos_ = base + i + 1;
                    return fail(json_status::too_deep);
                }
            } else if (--depth == 1) {
                pos_ = base + i + 1;
                return true;
            }
        }
    }
    pos_ = n;
    return fail(json_status::invalid);
}

std::optional<json_member> json_object_scanner::next() noexcept {
    if (done_ || status_ != json_status::ok) {
        return std::nullopt;
    }
    skip_ws();
    if (!started_) {
        started_ = true;
        if (pos_ >= text_.size() || text_[pos_] != '{') {
            fail(json_status::invalid);
            return std::nullopt;
        }
        if (max_depth_ < 1) {
            fail(json_status::too_deep);
            return std::nullopt;
        }
        ++pos_;
        skip_ws();
        if (pos_ < text_.size() && text_[pos_] == '}') {
            ++pos_;
            skip_ws();
            done_ = pos_ == text_.size() || fail(json_status::invalid);
            return std::nullopt;
        }
    } else if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        skip_ws();
        done_ = pos_ == text_.size() || fail(json_status::invalid);
        return std::nullopt;
    } else if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        skip_ws();
    } else {
        fail(json_status::invalid);
        return std::nullopt;
    }
    if (pos_ >= text_.size() || text_[pos_] != '"') {
        fail(json_status::invalid);
        return std::nullopt;
    }
    const std::size_t key_start = pos_ + 1;
    if (!scan_string()) {
        return std::nullopt;
    }
    // In range by construction: plain views, not substr's checked (and throwing) copies.
    const std::string_view key(text_.data() + key_start, pos_ - 1 - key_start);
    skip_ws();
    if (pos_ >= text_.size() || text_[pos_] != ':') {
        fail(json_status::invalid);
        return std::nullopt;
    }
    ++pos_;
    skip_ws();
    if (pos_ >= text_.size()) {
        fail(json_status::invalid);
        return std::nullopt;
    }
    const std::size_t value_start = pos_;
    const char c = text_[pos_];
    json_kind kind;
    bool ok;
    switch (c) {
        case '"':
            kind = json_kind::string;
            ok = scan_string();
            break;
        case '{':
        case '[':
            kind = c == '{' ? json_kind::object : json_kind::array;
            ok = nested_ == json_nested::skim ? skim_nested() : scan_nested();
            break;
        case 't':
            kind = json_kind::true_value;
            ok = scan_literal("true");
            break;
        case 'f':
            kind = json_kind::false_value;
            ok = scan_literal("false");
            break;
        case 'n':
            kind = json_kind::null;
            ok = scan_literal("null");
            break;
        default:
            kind = json_kind::number;
            ok = scan_number();
    }
    if (!ok) {
        return std::nullopt;
    }
    std::string_view value(text_.data() + value_start, pos_ - value_start);
    if (kind == json_kind::string) {
        value = std::string_view(value.data() + 1, value.size() - 2);
    }
    skip_ws();
    return json_member{key, kind, value};
}

}  // namespace tollgate::tokens
