#include "tollgate/tokens/builtin.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

// The vocabulary files, embedded as read-only data by the assembler, each with its size (an
// 8-byte integer the assembler computes, so that C++ never subtracts pointers to different
// objects). TG_VOCABULARY_DIR comes from src/CMakeLists.txt, with TG_VOCABULARY_SHA256 so
// that ccache (which sees only this file's text) rebuilds the object when a vocabulary
// changes.
// clang-format off
#define TG_EMBED(symbol, file)                                      \
    ".section .rodata\n"                                            \
    ".balign 16\n"                                                  \
    ".global " symbol "_data\n"                                     \
    ".global " symbol "_size\n"                                     \
    symbol "_data:\n"                                               \
    ".incbin \"" TG_VOCABULARY_DIR "/" file "\"\n"                  \
    "1:\n"                                                          \
    ".balign 8\n"                                                   \
    symbol "_size:\n"                                               \
    ".quad 1b - " symbol "_data\n"                                  \
    ".previous\n"
// clang-format on
__asm__(TG_EMBED("tg_cl100k_base", "cl100k_base.tiktoken"));
__asm__(TG_EMBED("tg_o200k_base", "o200k_base.tiktoken"));
static_assert(sizeof(TG_VOCABULARY_SHA256) > 1);

extern "C" {
extern const char tg_cl100k_base_data[];
extern const std::uint64_t tg_cl100k_base_size;
extern const char tg_o200k_base_data[];
extern const std::uint64_t tg_o200k_base_size;
}

namespace tollgate::tokens {
namespace {

struct builtin_encoding {
    std::string_view name;
    std::string_view text;
    std::string_view pattern;
    std::vector<special_token> specials;
};

const std::vector<builtin_encoding>& builtins() {
    static const std::vector<builtin_encoding> all = {
        {"cl100k_base",
         {tg_cl100k_base_data, static_cast<std::size_t>(tg_cl100k_base_size)},
         cl100k_pattern,
         {{"<|endoftext|>", 100257},
          {"<|fim_prefix|>", 100258},
          {"<|fim_middle|>", 100259},
          {"<|fim_suffix|>", 100260},
          {"<|endofprompt|>", 100276}}},
        {"o200k_base",
         {tg_o200k_base_data, static_cast<std::size_t>(tg_o200k_base_size)},
         o200k_pattern,
         {{"<|endoftext|>", 199999}, {"<|endofprompt|>", 200018}}},
    };
    return all;
}

const builtin_encoding* find(std::string_view name) noexcept {
    for (const auto& b : builtins()) {
        if (b.name == name) {
            return &b;
        }
    }
    return nullptr;
}

std::shared_ptr<const encoding> build(std::string name,
                                      std::string_view text,
                                      std::string_view pattern,
                                      std::vector<special_token> specials,
                                      std::string& error) {
    auto vocab = vocabulary::parse(text, error);
    if (!vocab) {
        return nullptr;
    }
    auto splitter = pretokenizer::compile(pattern, error);
    if (!splitter) {
        return nullptr;
    }
    return std::make_shared<const encoding>(
        std::move(name), std::move(*vocab), std::move(*splitter), std::move(specials));
}

}  // namespace

bool is_builtin(std::string_view name) noexcept {
    return find(name) != nullptr;
}

std::string_view builtin_vocabulary_text(std::string_view name) noexcept {
    const auto* b = find(name);
    return b ? b->text : std::string_view{};
}

std::string_view builtin_pattern(std::string_view name) noexcept {
    const auto* b = find(name);
    return b ? b->pattern : std::string_view{};
}

std::shared_ptr<const encoding> load_builtin(std::string_view name, std::string& error) {
    const auto* b = find(name);
    if (b == nullptr) {
        error = "unknown encoding `" + std::string(name) + "` (built in: cl100k_base, o200k_base)";
        return nullptr;
    }
    // A reload that keeps using an encoding gets the loaded one: the built-in data cannot
    // change while the process runs.
    static std::mutex mutex;
    static std::map<std::string_view, std::weak_ptr<const encoding>> cache;
    const std::lock_guard lock(mutex);
    if (auto alive = cache[b->name].lock()) {
        return alive;
    }
    auto enc = build(std::string(name), b->text, b->pattern, b->specials, error);
    cache[b->name] = enc;
    return enc;
}

std::shared_ptr<const encoding> load_encoding(std::string name,
                                              std::string_view vocabulary_text,
                                              std::string_view pattern,
                                              std::string& error) {
    if (const auto* b = find(pattern)) {
        pattern = b->pattern;
    }
    return build(std::move(name), vocabulary_text, pattern, {}, error);
}

}  // namespace tollgate::tokens
