#include "tollgate/tokens/ascii_split.hpp"

#include <array>
#include <cstdint>

// The patterns (pretokenizer.cpp), alternatives numbered as PCRE2 tries them, leftmost first:
//   cl100k: 1 (?i:'s|'t|'re|'ve|'m|'ll|'d)    o200k: 1 P? U* L+ C?   2 P? U+ L* C?
//           2 P? \p{L}+                               (P: [^\r\n\p{L}\p{N}], C: cl100k's 1)
//   both:   3 \p{N}{1,3}   4 ' '? O+ [\r\n]* (o200k: [\r\n/]*)   5 \s* [\r\n]+
//           6 \s+ (?!\S)   7 \s+                      (O: not space, letter or digit)
// On ASCII a letter starts 1/2, a digit 3, anything else that is not a space 4, and a space
// 2 or 4 (when a letter or O follows) or else 5..7: a match always starts where asked.
namespace tollgate::tokens {
namespace {

// Byte classes. `other` is 0: ASCII that is neither letter, digit nor White_Space. `high`:
// a byte of a character outside ASCII, whose class only the regex knows. `none`: past the end.
constexpr std::uint8_t other = 0;
constexpr std::uint8_t lower = 1;
constexpr std::uint8_t upper = 2;
constexpr std::uint8_t digit = 4;
constexpr std::uint8_t space = 8;  // \p{White_Space}: \t \n \v \f \r and ' '
constexpr std::uint8_t newline = 16;
constexpr std::uint8_t high = 32;
constexpr std::uint8_t none = 64;
constexpr std::uint8_t letter = lower | upper;

constexpr std::array<std::uint8_t, 256> classes = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        if (c >= 0x80) {
            t[c] = high;
        } else if (c >= 'a' && c <= 'z') {
            t[c] = lower;
        } else if (c >= 'A' && c <= 'Z') {
            t[c] = upper;
        } else if (c >= '0' && c <= '9') {
            t[c] = digit;
        } else if (c == '\n' || c == '\r') {
            t[c] = space | newline;
        } else if ((c >= '\t' && c <= '\f') || c == ' ') {
            t[c] = space;
        }
    }
    return t;
}();

class cursor {
public:
    explicit cursor(std::string_view text) noexcept : text_(text) {}

    std::uint8_t at(std::size_t i) const noexcept {
        return i < text_.size() ? classes[static_cast<unsigned char>(text_[i])] : none;
    }
    char byte(std::size_t i) const noexcept { return i < text_.size() ? text_[i] : '\0'; }
    std::size_t size() const noexcept { return text_.size(); }

    /// The first index from `i` whose class has none of `mask`'s bits.
    std::size_t skip(std::size_t i, std::uint8_t mask) const noexcept {
        while (at(i) & mask) {
            ++i;
        }
        return i;
    }
    std::size_t skip_other(std::size_t i) const noexcept {
        while (at(i) == other) {
            ++i;
        }
        return i;
    }

private:
    std::string_view text_;
};

constexpr std::size_t unknown = static_cast<std::size_t>(-1);

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// The length of (?i:'s|'t|'re|'ve|'m|'ll|'d) at `i` (an apostrophe): 0 when none, `unknown`
/// when a byte it looks at is outside ASCII (caseless 's' also matches U+017F).
std::size_t contraction(const cursor& t, std::size_t i) noexcept {
    if (t.byte(i) != '\'') {
        return 0;
    }
    if (t.at(i + 1) == high) {
        return unknown;
    }
    const char c = ascii_lower(t.byte(i + 1));
    if (c == 's' || c == 't' || c == 'm' || c == 'd') {
        return 2;
    }
    const char second = c == 'r' || c == 'v' ? 'e' : (c == 'l' ? 'l' : '\0');
    if (second == '\0') {
        return 0;
    }
    if (t.at(i + 2) == high) {
        return unknown;
    }
    return ascii_lower(t.byte(i + 2)) == second ? 3 : 0;
}

/// May `cls` be the optional leading character P = [^\r\n\p{L}\p{N}] (end of text may not)?
bool may_lead(std::uint8_t cls) noexcept {
    return (cls & (letter | digit | newline | none)) == 0;
}

/// cl100k's 2: P? \p{L}+, or 0 when it does not match here.
std::size_t cl100k_word(const cursor& t, std::size_t at, std::uint8_t first) noexcept {
    std::size_t start = at;
    if (!(first & letter)) {
        if (!may_lead(first)) {
            return 0;
        }
        const std::uint8_t next = t.at(at + 1);
        if (next == high) {
            return unknown;
        }
        if (!(next & letter)) {
            return 0;
        }
        start = at + 1;
    }
    const std::size_t end = t.skip(start, letter);
    return t.at(end) == high ? unknown : end;
}

/// o200k's 1 and 2: P? U* L+ C? | P? U+ L* C?, or 0 when neither matches here.
std::size_t o200k_word(const cursor& t, std::size_t at, std::uint8_t first) noexcept {
    std::size_t start = at;
    if (!(first & letter)) {
        if (!may_lead(first)) {
            return 0;
        }
        start = at + 1;
    }
    // ASCII upper and lower case are disjoint, so the greedy runs need no backtracking.
    const std::size_t uppers_end = t.skip(start, upper);
    const std::size_t lowers_end = t.skip(uppers_end, lower);
    if (t.at(lowers_end) == high) {
        return unknown;  // may be a letter or mark of either run
    }
    if (lowers_end == start) {
        return 0;
    }
    const std::size_t c = contraction(t, lowers_end);
    return c == unknown ? unknown : lowers_end + c;
}

/// 3: \p{N}{1,3} at a digit.
std::size_t digits(const cursor& t, std::size_t at) noexcept {
    std::size_t end = at + 1;
    while (end < at + 3 && t.at(end) == digit) {
        ++end;
    }
    return end < at + 3 && t.at(end) == high ? unknown : end;
}

/// 4: ' '? O+ [\r\n]* (o200k: [\r\n/]*), or 0 when it does not match here.
std::size_t punctuation(const cursor& t, std::size_t at, split_grammar grammar) noexcept {
    const std::size_t start = t.byte(at) == ' ' ? at + 1 : at;
    if (t.at(start) != other) {
        return t.at(start) == high ? unknown : 0;
    }
    std::size_t end = t.skip_other(start);
    if (t.at(end) == high) {
        return unknown;
    }
    // A slash after the first newline ends o200k's piece too ("(\n/" is one).
    while ((t.at(end) & newline) || (grammar == split_grammar::o200k && t.byte(end) == '/')) {
        ++end;
    }
    return end;
}

/// 5..7 at a space: the run up to its last newline, else the run but its last space when
/// more text follows and the run is longer than one, else the run.
std::size_t spaces(const cursor& t, std::size_t at) noexcept {
    const std::size_t end = t.skip(at, space);
    if (t.at(end) == high) {
        return unknown;  // U+0085, U+00A0, U+2028... continue the run
    }
    for (std::size_t i = end; i > at; --i) {
        if (t.at(i - 1) & newline) {
            return i;
        }
    }
    if (end == t.size() || end - at == 1) {
        return end;
    }
    return end - 1;
}

}  // namespace

std::size_t ascii_match_end(std::string_view text, std::size_t at, split_grammar grammar) noexcept {
    const cursor t(text);
    const std::uint8_t first = t.at(at);
    if (first == high || first == none) {
        return 0;
    }
    std::size_t end = 0;
    if (grammar == split_grammar::cl100k) {
        end = contraction(t, at);
        if (end == 0) {
            end = cl100k_word(t, at, first);
        } else if (end != unknown) {
            end += at;
        }
    } else {
        end = o200k_word(t, at, first);
    }
    if (end == 0 && first == digit) {
        end = digits(t, at);
    }
    if (end == 0 && ((first & space) == 0 || t.byte(at) == ' ')) {
        end = punctuation(t, at, grammar);
    }
    if (end == 0) {
        end = spaces(t, at);
    }
    return end == unknown ? 0 : end;
}

}  // namespace tollgate::tokens
