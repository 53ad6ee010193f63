#include "tollgate/metering/admission.hpp"

#include <algorithm>
#include <charconv>

namespace tollgate::metering {

namespace {

bool inside(std::string_view body, std::string_view part) {
    return !part.empty() && part.data() >= body.data() &&
           part.data() + part.size() <= body.data() + body.size();
}

// Replaces a member's value (a view into `body`); a string's view excludes its quotes.
body_edit replace_value(std::string_view body, std::string_view raw, std::string text) {
    auto at = static_cast<std::size_t>(raw.data() - body.data());
    std::size_t length = raw.size();
    if (at > 0 && body[at - 1] == '"') {
        --at;
        length += 2;
    }
    return {at, length, std::move(text)};
}

// Inserts `member` as the first member of the object starting at `object` (its '{').
body_edit insert_first(std::string_view body, std::size_t object, std::string member) {
    const auto next = body.find_first_not_of(" \t\r\n", object + 1);
    const bool empty = next != std::string_view::npos && body[next] == '}';
    return {object + 1, 0, member + (empty ? "" : ",")};
}

}  // namespace

void apply_edits(std::string& body, std::vector<body_edit> edits) {
    std::sort(edits.begin(), edits.end(), [](const body_edit& a, const body_edit& b) {
        return a.at > b.at;
    });
    for (const auto& e : edits) {
        if (e.at <= body.size() && e.length <= body.size() - e.at) {
            body.replace(e.at, e.length, e.text);
        }
    }
}

body_edit completion_limit_edit(std::string_view body,
                                std::string_view raw_value,
                                std::string_view field,
                                std::int64_t value) {
    std::string text = std::to_string(value);
    if (inside(body, raw_value)) {
        return replace_value(body, raw_value, std::move(text));
    }
    const auto brace = body.find('{');
    if (brace == std::string_view::npos) {
        return {body.size(), 0, {}};
    }
    return insert_first(body, brace, "\"" + std::string(field) + "\":" + text);
}

void set_completion_limit(std::string& body,
                          std::string_view raw_value,
                          std::string_view field,
                          std::int64_t value) {
    apply_edits(body, {completion_limit_edit(body, raw_value, field, value)});
}

body_edit include_usage_edit(std::string_view body,
                             std::string_view stream_options_raw,
                             std::string_view include_usage_raw) {
    if (inside(body, include_usage_raw)) {
        return replace_value(body, include_usage_raw, "true");
    }
    if (inside(body, stream_options_raw)) {
        if (stream_options_raw.front() == '{') {
            return insert_first(body,
                                static_cast<std::size_t>(stream_options_raw.data() - body.data()),
                                R"("include_usage":true)");
        }
        return replace_value(body, stream_options_raw, R"({"include_usage":true})");
    }
    const auto brace = body.find('{');
    if (brace == std::string_view::npos) {
        return {body.size(), 0, {}};
    }
    return insert_first(body, brace, R"("stream_options":{"include_usage":true})");
}

namespace {

// Writes format_reset's text at `out` (room for header::capacity) and returns its end.
char* write_reset(char* out, std::int64_t seconds) {
    seconds = std::max<std::int64_t>(seconds, 0);
    const std::int64_t h = seconds / 3600;
    const std::int64_t m = seconds / 60 % 60;
    const std::int64_t s = seconds % 60;
    char* const end = out + header::capacity;
    if (h > 0) {
        out = std::to_chars(out, end, h).ptr;
        *out++ = 'h';
    }
    if (h > 0 || m > 0) {
        out = std::to_chars(out, end, m).ptr;
        *out++ = 'm';
    }
    out = std::to_chars(out, end, s).ptr;
    *out++ = 's';
    return out;
}

}  // namespace

std::string format_reset(std::int64_t seconds) {
    char text[header::capacity];
    return std::string(text, write_reset(text, seconds));
}

header::header(std::string_view header_name, std::string_view text) noexcept
    : name(header_name), size_(static_cast<std::uint8_t>(std::min(text.size(), capacity))) {
    std::copy_n(text.data(), size_, text_.data());
}

header::header(std::string_view header_name, std::int64_t number) noexcept
    : name(header_name),
      size_(static_cast<std::uint8_t>(
          std::to_chars(text_.data(), text_.data() + capacity, number).ptr - text_.data())) {}

void ratelimit_headers(std::span<const config::limit> limits,
                       std::span<const quota::bucket> buckets,
                       std::span<const std::int64_t> resets_at,
                       std::int64_t now,
                       std::vector<header>& out) {
    struct names {
        std::string_view limit, remaining, reset;
    };
    static constexpr names token_names{
        "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"};
    static constexpr names request_names{"x-ratelimit-limit-requests",
                                         "x-ratelimit-remaining-requests",
                                         "x-ratelimit-reset-requests"};
    const auto tightest = [&](config::metric m, const names& n) {
        std::optional<std::size_t> best;
        std::int64_t best_left = 0;
        for (std::size_t i = 0; i < limits.size() && i < buckets.size() && i < resets_at.size();
             ++i) {
            if (limits[i].what != m) {
                continue;
            }
            const std::int64_t left = std::max<std::int64_t>(
                0, quota::ceiling_of(limits[i]) - buckets[i].used - buckets[i].reserved);
            if (!best || left < best_left) {
                best = i;
                best_left = left;
            }
        }
        if (best) {
            out.emplace_back(n.limit, quota::ceiling_of(limits[*best]));
            out.emplace_back(n.remaining, best_left);
            char reset[header::capacity];
            const char* const end = write_reset(reset, resets_at[*best] - now);
            out.emplace_back(n.reset,
                             std::string_view(reset, static_cast<std::size_t>(end - reset)));
        }
    };
    tightest(config::metric::tokens, token_names);
    tightest(config::metric::requests, request_names);
}

body_edit remove_member_edit(std::string_view body, std::string_view member) {
    const auto is_space = [](char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    };
    std::size_t begin = static_cast<std::size_t>(member.data() - body.data());
    std::size_t end = begin + member.size();
    std::size_t after = end;
    while (after < body.size() && is_space(body[after])) {
        ++after;
    }
    if (after < body.size() && body[after] == ',') {
        end = after + 1;  // "a": 1, "b": 2  ->  "b": 2
        while (end < body.size() && is_space(body[end])) {
            ++end;
        }
    } else {
        // The last member: take the comma before it.
        std::size_t before = begin;
        while (before > 0 && is_space(body[before - 1])) {
            --before;
        }
        if (before > 0 && body[before - 1] == ',') {
            begin = before - 1;
        }
    }
    return {begin, end - begin, ""};
}

}  // namespace tollgate::metering
