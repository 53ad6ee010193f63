// The JSON request scan against nlohmann's parser, which stands for the upstream (Python's
// json, Go's encoding/json: last member wins). Whatever body the scan accepts must be JSON to
// nlohmann too, and the fields metering reads (model, stream, n, the completion limit) must
// be the ones the upstream reads. The scan may refuse more (depth, duplicates, types).
#include "check.hpp"
#include "tollgate/proxy/request_body.hpp"

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using namespace tollgate;
using nlohmann::json;

// The first byte picks the API; the rest is the body.
proxy::api api_of(std::uint8_t b) {
    switch (b % 4) {
        case 0:
            return proxy::api::chat_completions;
        case 1:
            return proxy::api::responses;
        case 2:
            return proxy::api::embeddings;
        default:
            return proxy::api::messages;
    }
}

// The completion limit the upstream reads for `kind`, in nlohmann's reading: the member of
// highest precedence that is present. nullopt in the outer optional: none present.
std::optional<std::optional<std::int64_t>> upstream_limit(const json& j, proxy::api kind) {
    std::vector<const char*> names;
    switch (kind) {
        case proxy::api::chat_completions:
            names = {"max_completion_tokens", "max_tokens"};
            break;
        case proxy::api::responses:
            names = {"max_output_tokens"};
            break;
        case proxy::api::embeddings:
            break;
        default:
            names = {"max_tokens"};
            break;
    }
    for (const char* name : names) {
        if (const auto it = j.find(name); it != j.end()) {
            if (it->is_null()) {
                return std::optional<std::int64_t>{};
            }
            TG_FUZZ_CHECK(it->is_number_integer());
            return std::optional<std::int64_t>{it->get<std::int64_t>()};
        }
    }
    return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0 || size > 64 * 1024) {
        return 0;
    }
    const proxy::api kind = api_of(data[0]);
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto scanned = proxy::scan_request_body(body, 32, kind);
    if (!scanned) {
        return 0;
    }
    json j;
    try {
        j = json::parse(body);
    } catch (const json::exception& e) {
        // nlohmann reads every number as a double, and refuses one past its range: valid
        // JSON (RFC 8259 sets no range), read by Python and others as a big integer.
        TG_FUZZ_CHECK(std::string_view(e.what()).find("number overflow") != std::string_view::npos);
        return 0;
    }
    TG_FUZZ_CHECK(j.is_object());
    TG_FUZZ_CHECK(j.contains("model") && j["model"].is_string());
    TG_FUZZ_CHECK(j["model"].get<std::string>() == scanned->model);

    const auto stream = j.find("stream");
    TG_FUZZ_CHECK(scanned->stream ==
                  (stream != j.end() && stream->is_boolean() && stream->get<bool>()));
    const auto n = j.find("n");
    if (n != j.end() && !n->is_null()) {
        TG_FUZZ_CHECK(n->is_number_integer() && n->get<std::int64_t>() == scanned->n);
    } else {
        TG_FUZZ_CHECK(scanned->n == 1);
    }
    const auto limit = upstream_limit(j, kind);
    if (!limit) {
        TG_FUZZ_CHECK(!scanned->max_tokens && scanned->max_tokens_field.empty());
    } else {
        TG_FUZZ_CHECK(scanned->max_tokens == *limit);
    }
    return 0;
}
