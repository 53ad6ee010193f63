#include "tollgate/tokens/json_children.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace tollgate::tokens {

json_children::json_children(std::string_view container) noexcept
    : text_(container), object_(!container.empty() && container.front() == '{') {
    if (container.empty() || (container.front() != '{' && container.front() != '[')) {
        pos_ = text_.size();
    }
}

void json_children::skip_separators() noexcept {
    while (pos_ < text_.size()) {
        const char c = text_[pos_];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' && c != ':') {
            break;
        }
        ++pos_;
    }
}

std::string_view json_children::string_body() noexcept {
    const std::size_t begin = ++pos_;
    // The closing quote is the first one not escaped: an even run of backslashes before it.
    for (;;) {
        const void* q = pos_ < text_.size()
                            ? std::memchr(text_.data() + pos_, '"', text_.size() - pos_)
                            : nullptr;
        if (q == nullptr) {
            pos_ = text_.size() + 1;
            return text_.substr(begin);
        }
        const auto at = static_cast<std::size_t>(static_cast<const char*>(q) - text_.data());
        std::size_t slashes = 0;
        while (at - slashes > begin && text_[at - slashes - 1] == '\\') {
            ++slashes;
        }
        pos_ = at + 1;
        if (slashes % 2 == 0) {
            return text_.substr(begin, at - begin);
        }
    }
}

std::string_view json_children::container_text() noexcept {
    const std::size_t begin = pos_;
    std::size_t depth = 0;
    while (pos_ < text_.size()) {
        const char c = text_[pos_];
        if (c == '"') {
            string_body();
            continue;
        }
        ++pos_;
        if (c == '{' || c == '[') {
            ++depth;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            break;
        }
    }
    return text_.substr(begin, pos_ - begin);
}

std::optional<json_member> json_children::next() noexcept {
    skip_separators();
    if (pos_ >= text_.size() || text_[pos_] == '}' || text_[pos_] == ']') {
        return std::nullopt;
    }
    json_member m{{}, json_kind::null, {}};
    if (object_) {
        if (text_[pos_] != '"') {
            return std::nullopt;
        }
        m.key = string_body();
        skip_separators();
        if (pos_ >= text_.size()) {
            return std::nullopt;
        }
    }
    const char c = text_[pos_];
    if (c == '"') {
        m.kind = json_kind::string;
        m.value = string_body();
    } else if (c == '{' || c == '[') {
        m.kind = c == '{' ? json_kind::object : json_kind::array;
        m.value = container_text();
    } else {
        const std::size_t begin = pos_;
        while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' &&
               text_[pos_] != ']' && text_[pos_] != ' ' && text_[pos_] != '\n' &&
               text_[pos_] != '\r' && text_[pos_] != '\t') {
            ++pos_;
        }
        m.value = text_.substr(begin, pos_ - begin);
        m.kind = c == 't'   ? json_kind::true_value
                 : c == 'f' ? json_kind::false_value
                 : c == 'n' ? json_kind::null
                            : json_kind::number;
    }
    return m;
}

std::optional<json_member> json_find(std::string_view object,
                                     std::initializer_list<std::string_view> path) noexcept {
    std::optional<json_member> at;
    for (const std::string_view key : path) {
        if (at) {
            if (at->kind != json_kind::object) {
                return std::nullopt;
            }
            object = at->value;
        }
        json_children members(object);
        at.reset();
        while (const auto m = members.next()) {
            if (m->key == key) {
                at = m;  // the last of duplicated keys, as parsers do
            }
        }
        if (!at) {
            return std::nullopt;
        }
    }
    return at;
}

std::optional<double> json_number(const json_member& m) noexcept {
    if (m.kind != json_kind::number) {
        return std::nullopt;
    }
    // Token counts are small integers: read those exactly without the floating-point parser
    // (several times the cost). Up to 15 digits, every integer is a double exactly.
    const std::string_view digits = m.value.starts_with('-') ? m.value.substr(1) : m.value;
    if (!digits.empty() && digits.size() <= 15 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        (digits.size() == 1 || digits.front() != '0')) {
        std::int64_t whole = 0;
        for (const char c : digits) {
            whole = whole * 10 + (c - '0');
        }
        return static_cast<double>(m.value.size() == digits.size() ? whole : -whole);
    }
    double v = 0;
    const auto [end, ec] = std::from_chars(m.value.data(), m.value.data() + m.value.size(), v);
    if (ec != std::errc{} || end != m.value.data() + m.value.size()) {
        return std::nullopt;
    }
    return v;
}

}  // namespace tollgate::tokens
