// The encodings Tollgate ships: cl100k_base and o200k_base, whose vocabularies (OpenAI's
// files, fetched by scripts/tokenizer/fetch_vocabularies.sh from data/tokenizers/) are
// compiled into the binary so that a deployment needs no data files. Loading one parses its
// vocabulary: done once at start-up or reload, never on the request path.
#pragma once

#include "tollgate/tokens/encoding.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::tokens {

/// True for the names load_builtin accepts.
bool is_builtin(std::string_view name) noexcept;

/// The vocabulary file's text of a built-in encoding (empty for an unknown name).
std::string_view builtin_vocabulary_text(std::string_view name) noexcept;

/// The split pattern tiktoken uses with a built-in encoding (empty for an unknown name).
std::string_view builtin_pattern(std::string_view name) noexcept;

/// Parses a built-in encoding; nullptr and `error` for an unknown name.
std::shared_ptr<const encoding> load_builtin(std::string_view name, std::string& error);

/// Builds an encoding from a tiktoken-format file's text and a split pattern (PCRE2 syntax;
/// a built-in encoding's name stands for its pattern). Specials: none.
std::shared_ptr<const encoding> load_encoding(std::string name,
                                              std::string_view vocabulary_text,
                                              std::string_view pattern,
                                              std::string& error);

}  // namespace tollgate::tokens
