#include "tollgate/server/access_log.hpp"

#include "tollgate/proxy/responses.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace tollgate::server {
namespace {

// Text values are quoted only when they could break the key=value form.
void append_text_value(std::string& out, std::string_view v) {
    if (v.empty()) {
        out += '-';
        return;
    }
    if (v.find_first_of(" \"=") == std::string_view::npos) {
        out.append(v);
        return;
    }
    proxy::append_json_string(out, v);
}

}  // namespace

void append_access_line(std::string& out, const access_record& r, config::log_format format) {
    const double ms = static_cast<double>(r.latency.count()) / 1000.0;
    if (format == config::log_format::json) {
        nlohmann::json j = {
            {"request_id", r.request_id},
            {"method", r.method},
            {"path", r.path},
            {"model", r.model},
            {"upstream", r.upstream},
            {"consumer", r.consumer},
            {"key", r.key_prefix},
            {"status", r.status},
            {"bytes_in", r.bytes_in},
            {"bytes_out", r.bytes_out},
            {"sse_events", r.sse_events},
            {"prompt_tokens", r.prompt_tokens},
            {"completion_tokens", r.completion_tokens},
            {"reserved_tokens", r.reserved_tokens},
            {"cost_usd", r.cost_pico_usd < 0 ? -1.0 : static_cast<double>(r.cost_pico_usd) / 1e12},
            {"token_count", r.token_count},
            {"latency_ms", ms},
            {"error", r.error}};
        out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
    }
    bool first = true;
    const auto field = [&out, &first](std::string_view key, std::string_view value) {
        out.append(first ? "" : " ").append(key).append("=");
        first = false;
        append_text_value(out, value);
    };
    // Numbers via to_chars: this runs once per request on an io thread.
    char digits[24];
    const auto number = [&digits](std::uint64_t n) {
        auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
        return std::string_view(digits, static_cast<std::size_t>(end - digits));
    };
    field("rid", r.request_id);
    field("method", r.method);
    field("path", r.path);
    field("model", r.model);
    field("upstream", r.upstream);
    field("consumer", r.consumer);
    field("key", r.key_prefix);
    field("status", number(r.status));
    field("bytes_in", number(r.bytes_in));
    field("bytes_out", number(r.bytes_out));
    field("sse_events", number(r.sse_events));
    if (r.prompt_tokens >= 0) {
        field("prompt", number(static_cast<std::uint64_t>(r.prompt_tokens)));
        field("completion",
              number(static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.completion_tokens))));
        field("reserved",
              number(static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.reserved_tokens))));
        char cost[32];
        std::snprintf(cost, sizeof cost, "%.9f", static_cast<double>(r.cost_pico_usd) / 1e12);
        field("cost_usd", cost);
        field("count", r.token_count);
    }
    const auto micros = static_cast<std::uint64_t>(r.latency.count());
    std::string latency(number(micros / 1000));
    char fraction[4] = {static_cast<char>('0' + micros / 100 % 10),
                        static_cast<char>('0' + micros / 10 % 10),
                        static_cast<char>('0' + micros % 10),
                        '\0'};
    latency.append(".").append(fraction);
    field("ms", latency);
    field("error", r.error);
}

}  // namespace tollgate::server
