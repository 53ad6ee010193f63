// http_differential: our request head parser against Beast's basic_parser (the parser the
// gateway used before its own). Where both accept a head they must agree on the method, the
// target, the version, every field (name and value, in order) and the body framing; where
// only one accepts, ours must be the stricter one (Beast accepting what we refuse is fine and
// documented in docs/RELIABILITY.md; the reverse is a finding). Used by the fuzz target and,
// over its corpus and the smuggling vectors, by a unit test built with the other tests.
#pragma once

#include "tollgate/proxy/framing.hpp"
#include "tollgate/proxy/request_head.hpp"

#include <algorithm>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

namespace tollgate::fuzz {

struct differential_verdict {
    bool ours = false;         // our parser and framing checks accepted the head
    bool beast = false;        // Beast's parser accepted it
    std::string disagreement;  // empty: no disagreement where both accepted
};

// The fields as (lower-case name, value), grouped by name in a stable order: Beast inserts a
// repeated name after the last field of that name, so only the order within a name is kept.
template <class Fields>
std::vector<std::pair<std::string, std::string>> field_list(const Fields& fields) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& f : fields) {
        std::string name;
        if constexpr (requires { f.name_string(); }) {
            name = std::string(f.name_string());
        } else {
            name = std::string(f.name);
        }
        for (char& c : name) {
            c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        std::string value;
        if constexpr (requires { f.value(); }) {
            value = std::string(f.value());
        } else {
            value = std::string(f.value);
        }
        out.emplace_back(std::move(name), std::move(value));
    }
    std::stable_sort(
        out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
}

inline differential_verdict compare_with_beast(std::string_view bytes) {
    namespace http = boost::beast::http;
    differential_verdict v;

    std::pmr::monotonic_buffer_resource arena;
    std::vector<proxy::header_view> fields;
    proxy::request_head ours(arena, fields, 8192);
    const auto state = ours.feed(bytes);
    std::optional<proxy::body_framing> framing;
    if (state == proxy::request_head::state::done) {
        if (auto f = proxy::check_framing(ours.version(), fields);
            f && !proxy::check_host(ours.version(), fields)) {
            framing = *f;
        }
    }
    v.ours = framing.has_value();

    // We skip empty lines before the request line (RFC 9112 section 2.2); Beast does not.
    std::string_view for_beast = bytes;
    while (for_beast.starts_with("\r\n")) {
        for_beast.remove_prefix(2);
    }
    http::request_parser<http::empty_body> beast;
    beast.header_limit(8192);
    beast.eager(false);
    boost::system::error_code ec;
    const std::string_view head =
        v.ours ? for_beast.substr(0, ours.size() - (bytes.size() - for_beast.size())) : for_beast;
    beast.put(boost::asio::buffer(head.data(), head.size()), ec);
    v.beast = !ec && beast.is_header_done();
    if (!v.ours || !v.beast) {
        return v;
    }

    const auto& msg = beast.get();
    auto differ = [&v](std::string what) {
        v.disagreement = std::move(what);
    };
    if (std::string_view(msg.method_string()) != ours.method_string()) {
        differ("method");
    } else if (std::string_view(msg.target()) != ours.target()) {
        differ("target");
    } else if (msg.version() != ours.version()) {
        differ("version");
    } else if (beast.chunked() != framing->chunked) {
        differ("chunked");
    } else if (!framing->chunked && beast.content_length().value_or(0) != framing->content_length) {
        differ("content-length");
    } else if (beast.keep_alive() != ours.keep_alive()) {
        // The parser's reading, from every Connection field; message::keep_alive() reads
        // only the first one.
        differ("keep-alive");
    } else if (field_list(msg) != field_list(fields)) {
        differ("fields");
    }
    return v;
}

}  // namespace tollgate::fuzz
