#include "tollgate/server/access_log.hpp"

#include "tollgate/core/direct_writer.hpp"
#include "tollgate/core/swar.hpp"
#include "tollgate/proxy/responses.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace tollgate::server {
namespace {

// An access line, written straight into the batch (direct_writer). This runs once per request
// on an io thread.
class line_writer : public direct_writer {
public:
    using direct_writer::direct_writer;

    // Text values are quoted only when they could break the key=value form (rarely).
    void put_text(std::string_view v, std::size_t still_most) {
        if (v.empty()) {
            put('-');
        } else if (plain(v)) {
            put(v);
        } else {
            close();
            proxy::append_json_string(out_, v);
            open(still_most);
        }
    }

private:
    // Eight bytes at a time (the values are ids, paths and names: mostly plain); the last
    // word overlaps the one before it rather than leaving single bytes. find_first_of would
    // call memchr once per character of the value.
    static bool plain(std::string_view v) noexcept {
        const auto plain_at = [&v](std::size_t i) {
            const std::uint64_t w = swar::load(v.data() + i);
            return (swar::bytes_equal(w, ' ') | swar::bytes_equal(w, '"') |
                    swar::bytes_equal(w, '=')) == 0;
        };
        const std::size_t n = v.size();
        if (n >= 8) {
            for (std::size_t i = 0; i + 8 < n; i += 8) {
                if (!plain_at(i)) {
                    return false;
                }
            }
            return plain_at(n - 8);
        }
        for (const char c : v) {
            if (c == ' ' || c == '"' || c == '=') {
                return false;
            }
        }
        return true;
    }
};

// The JSON object: the text line's keys, absent values null.
void append_access_json(std::string& out, const access_record& r) {
    using nlohmann::json;
    const auto known = [](std::int64_t n) {
        return n >= 0 ? json(n) : json(nullptr);
    };
    const bool metered = r.prompt_tokens >= 0;
    json j = {{"request_id", r.request_id},
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
              {"endpoint", r.attempts > 0 ? json(r.endpoint) : json(nullptr)},
              {"attempts", r.attempts},
              {"prompt_tokens", known(r.prompt_tokens)},
              {"completion_tokens", metered ? known(r.completion_tokens) : json(nullptr)},
              {"cached_tokens", metered ? known(r.cached_tokens) : json(nullptr)},
              {"reasoning_tokens", metered ? known(r.reasoning_tokens) : json(nullptr)},
              {"reserved_tokens", metered ? known(r.reserved_tokens) : json(nullptr)},
              {"cost_usd",
               metered && r.cost_pico_usd >= 0 ? json(static_cast<double>(r.cost_pico_usd) / 1e12)
                                               : json(nullptr)},
              {"token_count", metered ? json(r.token_count) : json(nullptr)},
              {"usage_flag", r.usage_flag.empty() ? json(nullptr) : json(r.usage_flag)},
              {"latency_ms", static_cast<double>(r.latency.count()) / 1000.0},
              {"error", r.error.empty() ? json(nullptr) : json(r.error)}};
    out += j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

// One vocabulary: the text line's keys are the JSON object's. A value that does not exist
// (an unmetered request's tokens, a count the upstream did not report) is left out of the text
// line and null in JSON, never a number that would sum wrongly.
void append_access_line(std::string& out, const access_record& r, config::log_format format) {
    if (format == config::log_format::json) {
        append_access_json(out, r);
        return;
    }
    // The longest the line can be, but for quoted text (which reopens the writer).
    const std::string_view texts[] = {r.request_id,
                                      r.method,
                                      r.path,
                                      r.model,
                                      r.upstream,
                                      r.endpoint,
                                      r.consumer,
                                      r.key_prefix,
                                      r.token_count,
                                      r.usage_flag,
                                      r.error};
    std::size_t most = 320 + 10 * 24;  // the keys, separators and numbers
    for (const auto t : texts) {
        most += t.size() + 1;
    }
    line_writer w(out, most);
    const auto text = [&]<std::size_t N>(const char(&key)[N], std::string_view value) {
        w.put_literal(key);
        w.put_text(value, most);
    };
    const auto number = [&]<std::size_t N>(const char(&key)[N], std::uint64_t n) {
        w.put_literal(key);
        w.put_number(n);
    };
    text("request_id=", r.request_id);
    text(" method=", r.method);
    text(" path=", r.path);
    text(" model=", r.model);
    text(" upstream=", r.upstream);
    text(" consumer=", r.consumer);
    text(" key=", r.key_prefix);
    number(" status=", r.status);
    number(" bytes_in=", r.bytes_in);
    number(" bytes_out=", r.bytes_out);
    number(" sse_events=", r.sse_events);
    if (r.attempts > 0) {
        text(" endpoint=", r.endpoint);
        number(" attempts=", r.attempts);
    }
    if (r.prompt_tokens >= 0) {
        const auto count = [](std::int64_t n) {
            return static_cast<std::uint64_t>(std::max<std::int64_t>(0, n));
        };
        number(" prompt_tokens=", count(r.prompt_tokens));
        number(" completion_tokens=", count(r.completion_tokens));
        if (r.cached_tokens >= 0) {
            number(" cached_tokens=", count(r.cached_tokens));
        }
        if (r.reasoning_tokens >= 0) {
            number(" reasoning_tokens=", count(r.reasoning_tokens));
        }
        number(" reserved_tokens=", count(r.reserved_tokens));
        // USD with nine decimals, rounded half up to the nano-dollar; integers only.
        const std::uint64_t nano = (count(r.cost_pico_usd) + 500) / 1000;
        number(" cost_usd=", nano / 1'000'000'000);
        w.put('.');
        w.put_padded(nano % 1'000'000'000, 9);
        text(" token_count=", r.token_count);
        if (!r.usage_flag.empty()) {
            text(" usage_flag=", r.usage_flag);
        }
    }
    const auto micros = static_cast<std::uint64_t>(r.latency.count());
    number(" latency_ms=", micros / 1000);
    w.put('.');
    w.put_padded(micros % 1000, 3);
    text(" error=", r.error);
    w.close();
}

}  // namespace tollgate::server
