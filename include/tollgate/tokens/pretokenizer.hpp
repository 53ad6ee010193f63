// pretokenizer: splits text into the pieces byte-pair encoding works on, with tiktoken's
// regular expressions run by PCRE2's JIT; for the built-in patterns, ASCII stretches are
// matched by hand (ascii_split.hpp), which gives the same pieces at a fraction of the cost. The
// patterns are tiktoken's, with `\s`/`\S` spelt \p{White_Space}/\P{White_Space}: PCRE2's \s also
// matches U+180E, which the reference's regex engine does not count as white space. Thread-safe
// after construction (match state is per thread).
#pragma once

#include "tollgate/tokens/ascii_split.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::tokens {

/// tiktoken's pattern for cl100k_base, in PCRE2 syntax.
extern const std::string_view cl100k_pattern;
/// tiktoken's pattern for o200k_base, in PCRE2 syntax.
extern const std::string_view o200k_pattern;

/// Whether a built-in pattern's ASCII stretches are matched by hand (`fastest`) or every
/// match is the regex's (`regex_only`: what the hand matcher is tested against).
enum class split_engine { fastest, regex_only };

class pretokenizer {
public:
    /// Compiles `pattern` (UTF, Unicode properties, JIT); nullopt and `error` on failure.
    static std::optional<pretokenizer> compile(std::string_view pattern,
                                               std::string& error,
                                               split_engine engine = split_engine::fastest);

    pretokenizer(pretokenizer&&) noexcept;
    pretokenizer& operator=(pretokenizer&&) noexcept;
    ~pretokenizer();

    /// Calls `piece(std::string_view)` for every match in `text` (valid UTF-8), in order.
    template <class F>
    void split(std::string_view text, F&& piece) const {
        std::size_t at = 0;
        std::size_t begin = 0;
        std::size_t end = 0;
        while (next_match(text, at, begin, end)) {
            piece(text.substr(begin, end - begin));
            at = end;
        }
    }

    /// The next match at or after `at`: true and [begin, end), or false when none is left.
    bool next_match(std::string_view text,
                    std::size_t at,
                    std::size_t& begin,
                    std::size_t& end) const;

private:
    struct compiled;
    pretokenizer(std::unique_ptr<compiled> c, std::optional<split_grammar> ascii);
    std::unique_ptr<compiled> code_;
    std::optional<split_grammar> ascii_;  // set when the pattern is a built-in one
};

}  // namespace tollgate::tokens
