// The mock backend's answers: what each OpenAI/Anthropic endpoint returns for a request, as a
// plan of pieces and delays that the server then plays. Test behaviours come from x-mock-*
// request headers. Pure.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::mock {

struct reply_plan {
    unsigned status = 200;
    std::string content_type = "application/json";
    bool stream = false;              // chunked transfer encoding, one chunk per piece
    std::vector<std::string> pieces;  // the body, in the pieces it is sent in
    std::chrono::milliseconds head_delay{0};
    std::chrono::milliseconds piece_delay{0};
    int drop_after = -1;             // >= 0: close the connection after this many pieces
    long prompt_tokens = 0;          // billed once the answer starts (2xx only)
    long completion_tokens = 0;      // what the usage says was produced (all pieces sent)
    std::vector<long> piece_tokens;  // completion tokens each piece carries (billed when sent)
};

/// The prompt tokens the mock bills for a request body, as a provider would: the model's
/// tiktoken encoding (Tollgate's own tokenizer and its default model mapping: o200k_base for
/// models it does not know) with OpenAI's documented chat framing. At least 1.
long prompt_tokens_of(std::string_view body, const std::string& model);

/// Header lookup (case-insensitive name) -> value, or empty.
using header_lookup = std::function<std::string_view(std::string_view)>;

/// x-mock-status: N       answer N with an OpenAI error body
/// x-mock-delay-ms: N     wait before the response head
/// x-mock-chunk-delay-ms  wait between stream pieces
/// x-mock-drop-after: N   close the connection after N pieces (mid-stream drop)
/// x-mock-no-usage: 1     omit usage everywhere
/// x-mock-tokens: N       completion tokens to produce (default: max_tokens or 16)
reply_plan plan_reply(std::string_view method,
                      std::string_view path,
                      std::string_view body,
                      const header_lookup& header);

}  // namespace tollgate::mock
