#include "tollgate/tokens/vocabulary.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <limits>
#include <utility>

namespace tollgate::tokens {
namespace {

// Standard base64 (RFC 4648 section 4) with '=' padding, as tiktoken files use.
int base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

bool base64_decode(std::string_view in, std::string& out) {
    out.clear();
    if (in.empty() || in.size() % 4 != 0) {
        return false;
    }
    std::size_t pad = 0;
    while (pad < 2 && in[in.size() - 1 - pad] == '=') {
        ++pad;
    }
    const std::size_t data = in.size() - pad;
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < data; ++i) {
        const int v = base64_value(in[i]);
        if (v < 0) {
            return false;
        }
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    return !out.empty();
}

std::string at_line(std::size_t line, std::string_view what) {
    return "line " + std::to_string(line) + ": " + std::string(what);
}

}  // namespace

std::optional<vocabulary> vocabulary::parse(std::string_view text, std::string& error) {
    std::vector<std::pair<std::string, rank_t>> entries;
    entries.reserve(text.size() / 16);
    std::size_t line_no = 0;
    std::string bytes;
    while (!text.empty()) {
        ++line_no;
        const std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            continue;
        }
        const std::size_t space = line.find(' ');
        if (space == std::string_view::npos) {
            error = at_line(line_no, "expected `base64 rank`");
            return std::nullopt;
        }
        if (!base64_decode(line.substr(0, space), bytes)) {
            error = at_line(line_no, "the token is not valid base64");
            return std::nullopt;
        }
        const std::string_view digits = line.substr(space + 1);
        rank_t r = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), r);
        if (ec != std::errc{} || end != digits.data() + digits.size() ||
            r == std::numeric_limits<rank_t>::max() - 1 ||
            r == std::numeric_limits<rank_t>::max()) {
            error = at_line(line_no, "the rank is not a number below 2^32 - 2");
            return std::nullopt;
        }
        entries.emplace_back(bytes, r);
    }
    if (entries.empty()) {
        error = "no tokens";
        return std::nullopt;
    }

    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.second < b.second;
    });
    vocabulary v;
    const rank_t max_rank = entries.back().second;
    if (max_rank > entries.size() * 4 + 1024) {
        error = "ranks are too sparse (largest " + std::to_string(max_rank) + " for " +
                std::to_string(entries.size()) + " tokens)";
        return std::nullopt;
    }
    v.offsets_.assign(std::size_t{max_rank} + 2, 0);
    std::size_t total = 0;
    for (const auto& e : entries) {
        total += e.first.size();
    }
    v.arena_.reserve(total);
    const std::size_t capacity = std::bit_ceil(entries.size() * 2);
    v.slots_.assign(capacity, 0);
    v.mask_ = capacity - 1;
    std::size_t next = 0;
    for (rank_t r = 0; r <= max_rank; ++r) {
        v.offsets_[r] = static_cast<std::uint32_t>(v.arena_.size());
        if (next < entries.size() && entries[next].second == r) {
            v.arena_ += entries[next].first;
            ++next;
            if (next < entries.size() && entries[next].second == r) {
                error = "rank " + std::to_string(r) + " is given twice";
                return std::nullopt;
            }
        }
    }
    v.offsets_[std::size_t{max_rank} + 1] = static_cast<std::uint32_t>(v.arena_.size());
    v.pairs_.assign(std::size_t{1} << 16, no_pair);
    for (const auto& e : entries) {
        if (e.first.size() == 2) {
            v.pairs_[(std::size_t{static_cast<unsigned char>(e.first[0])} << 8) |
                     static_cast<unsigned char>(e.first[1])] = e.second;
        }
        if (!v.insert(e.first, e.second)) {
            error = "a token is given twice (ranks " + std::to_string(*v.rank(e.first)) + " and " +
                    std::to_string(e.second) + ")";
            return std::nullopt;
        }
    }
    return v;
}

bool vocabulary::insert(std::string_view bytes, rank_t r) {
    if (rank(bytes)) {
        return false;
    }
    const std::uint64_t h = hash(bytes);
    std::size_t i = h & mask_;
    while (slots_[i] != 0) {
        i = (i + 1) & mask_;
    }
    slots_[i] = (std::uint64_t{tag_of(h, bytes.size())} << 32) | (std::uint64_t{r} + 1);
    ++count_;
    return true;
}

std::size_t vocabulary::memory_bytes() const noexcept {
    return arena_.capacity() + offsets_.capacity() * sizeof(std::uint32_t) +
           slots_.capacity() * sizeof(std::uint64_t) + pairs_.capacity() * sizeof(rank_t);
}

}  // namespace tollgate::tokens
