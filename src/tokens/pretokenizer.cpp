#include "tollgate/tokens/pretokenizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace tollgate::tokens {

// clang-format off
const std::string_view cl100k_pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d))"
    R"(|[^\r\n\p{L}\p{N}]?\p{L}+)"
    R"(|\p{N}{1,3})"
    R"(| ?[^\p{White_Space}\p{L}\p{N}]+[\r\n]*)"
    R"(|\p{White_Space}*[\r\n]+)"
    R"(|\p{White_Space}+(?!\P{White_Space}))"
    R"(|\p{White_Space}+)";

const std::string_view o200k_pattern =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
    R"(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
    R"(|\p{N}{1,3})"
    R"(| ?[^\p{White_Space}\p{L}\p{N}]+[\r\n/]*)"
    R"(|\p{White_Space}*[\r\n]+)"
    R"(|\p{White_Space}+(?!\P{White_Space}))"
    R"(|\p{White_Space}+)";
// clang-format on

namespace {

// PCRE2's JIT needs its own stack for backtracking; 32 KiB (the default, on the machine
// stack) is not enough for some patterns on long runs, so each thread gets 1 MiB once.
struct thread_match_state {
    pcre2_match_data* data = nullptr;
    pcre2_match_context* context = nullptr;
    pcre2_jit_stack* stack = nullptr;
    thread_match_state() {
        data = pcre2_match_data_create(1, nullptr);
        context = pcre2_match_context_create(nullptr);
        stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr);
        pcre2_jit_stack_assign(context, nullptr, stack);
    }
    ~thread_match_state() {
        pcre2_match_data_free(data);
        pcre2_match_context_free(context);
        pcre2_jit_stack_free(stack);
    }
    thread_match_state(const thread_match_state&) = delete;
    thread_match_state& operator=(const thread_match_state&) = delete;
};

thread_match_state& match_state() {
    thread_local thread_match_state state;
    return state;
}

}  // namespace

struct pretokenizer::compiled {
    pcre2_code* code = nullptr;
    bool jit = false;
    ~compiled() { pcre2_code_free(code); }
};

pretokenizer::pretokenizer(std::unique_ptr<compiled> c, std::optional<split_grammar> ascii)
    : code_(std::move(c)), ascii_(ascii) {}
pretokenizer::pretokenizer(pretokenizer&&) noexcept = default;
pretokenizer& pretokenizer::operator=(pretokenizer&&) noexcept = default;
pretokenizer::~pretokenizer() = default;

std::optional<pretokenizer> pretokenizer::compile(std::string_view pattern,
                                                  std::string& error,
                                                  split_engine engine) {
    int code = 0;
    PCRE2_SIZE offset = 0;
    auto c = std::make_unique<compiled>();
    c->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()),
                            pattern.size(),
                            PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK,
                            &code,
                            &offset,
                            nullptr);
    if (c->code == nullptr) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(code, message, sizeof message);
        error = "pattern offset " + std::to_string(offset) + ": " +
                reinterpret_cast<const char*>(message);
        return std::nullopt;
    }
    c->jit = pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE) == 0;
    std::optional<split_grammar> ascii;
    if (engine == split_engine::fastest && pattern == cl100k_pattern) {
        ascii = split_grammar::cl100k;
    } else if (engine == split_engine::fastest && pattern == o200k_pattern) {
        ascii = split_grammar::o200k;
    }
    return pretokenizer(std::move(c), ascii);
}

bool pretokenizer::next_match(std::string_view text,
                              std::size_t at,
                              std::size_t& begin,
                              std::size_t& end) const {
    if (at >= text.size()) {
        return false;
    }
    if (ascii_) {
        if (const std::size_t ascii_end = ascii_match_end(text, at, *ascii_)) {
            begin = at;
            end = ascii_end;
            return true;
        }
    }
    thread_match_state& state = match_state();
    const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    const int rc =
        code_->jit
            ? pcre2_jit_match(code_->code, subject, text.size(), at, 0, state.data, state.context)
            : pcre2_match(code_->code,
                          subject,
                          text.size(),
                          at,
                          PCRE2_NO_UTF_CHECK,
                          state.data,
                          state.context);
    if (rc == PCRE2_ERROR_NOMATCH) {
        return false;
    }
    if (rc <= 0) {
        // A matching limit (none is expected with these patterns): the rest is one piece, so
        // the text is still counted in full rather than cut short.
        begin = at;
        end = text.size();
        return true;
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    begin = ovector[0];
    end = ovector[1];
    return end > begin;
}

}  // namespace tollgate::tokens
