// tokenizers: which encoding counts a model's tokens, from the YAML `tokenizer` section and
// the built-in rules (OpenAI's models by name). Built at start-up and on reload (that loads
// vocabularies: tens of milliseconds, never on the request path); then immutable and shared
// by every worker.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/tokens/encoding.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::metering {

class tokenizers {
public:
    /// Loads what `cfg` names (files are read here); nullptr and `error` when a vocabulary
    /// file cannot be read or parsed or a pattern does not compile.
    static std::shared_ptr<const tokenizers> build(const config::tokenizer_config& cfg,
                                                   std::string& error);

    /// The encoding of `model`: the first configured rule whose glob matches, then the
    /// built-in rules, then tokenizer.default. nullptr: count with the estimator.
    const tokens::encoding* for_model(std::string_view model) const noexcept;

    tokens::special_tokens special_mode() const noexcept { return special_; }
    std::size_t max_bytes() const noexcept { return max_bytes_; }

    /// The built-in rules, in the order they are tried: {glob, encoding}.
    static const std::vector<config::tokenizer_rule>& builtin_rules();

private:
    struct rule {
        std::string match;
        const tokens::encoding* enc;  // nullptr: estimate
    };
    std::vector<std::shared_ptr<const tokens::encoding>> owned_;
    std::vector<rule> rules_;
    const tokens::encoding* default_ = nullptr;
    tokens::special_tokens special_ = tokens::special_tokens::text;
    std::size_t max_bytes_ = 0;
};

}  // namespace tollgate::metering
