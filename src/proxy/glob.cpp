#include "tollgate/proxy/glob.hpp"

#include <cstddef>

namespace tollgate::proxy {

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
    // Greedy match with one backtrack point: the last '*' seen. Never exponential.
    std::size_t p = 0;
    std::size_t t = 0;
    std::size_t star = std::string_view::npos;
    std::size_t resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') {
        ++p;
    }
    return p == pattern.size();
}

bool is_literal(std::string_view pattern) noexcept {
    return pattern.find_first_of("*?") == std::string_view::npos;
}

}  // namespace tollgate::proxy
