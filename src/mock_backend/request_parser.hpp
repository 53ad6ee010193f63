// The mock's request parser: Beast's HTTP grammar (basic_parser), with the request kept in
// storage the session reuses: the fields as (name, value) string pairs that keep their
// capacity, the body in one string. Beast's own request_parser allocates a node per header
// field; the load benchmark runs the mock on the same two cores as the proxy it measures,
// so that cost (~1.2k instructions per field) counted against a proxy for every header it
// forwards. Included by main.cpp only (it instantiates Beast).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>

namespace tollgate::mock {

/// One request, reused from request to request: clear() keeps every string's capacity.
struct parsed_request {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> fields;  // the first `field_count`
    std::size_t field_count = 0;
    std::string body;

    void clear() {
        method.clear();
        target.clear();
        field_count = 0;
        body.clear();
    }

    /// The first field named `name` (any case), or "".
    std::string_view field(std::string_view name) const {
        for (std::size_t i = 0; i < field_count; ++i) {
            if (boost::beast::iequals(fields[i].first, name)) {
                return fields[i].second;
            }
        }
        return {};
    }
};

/// Parses one request into a parsed_request (clearing it first). One parser per request, as
/// Beast's parsers are; the storage outlives it.
class request_parser final : public boost::beast::http::basic_parser<true> {
public:
    explicit request_parser(parsed_request& into) : into_(into) { into_.clear(); }

private:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;
    using verb = boost::beast::http::verb;
    using field = boost::beast::http::field;

    void on_request_impl(verb, string_view method, string_view target, int, error_code&) override {
        into_.method.assign(method.data(), method.size());
        into_.target.assign(target.data(), target.size());
    }
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(field, string_view name, string_view value, error_code&) override {
        if (into_.field_count == into_.fields.size()) {
            into_.fields.emplace_back();
        }
        auto& [n, v] = into_.fields[into_.field_count++];
        n.assign(name.data(), name.size());
        v.assign(value.data(), value.size());
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
        if (length) {
            into_.body.reserve(static_cast<std::size_t>(*length));
        }
    }
    std::size_t on_body_impl(string_view piece, error_code&) override {
        into_.body.append(piece.data(), piece.size());
        return piece.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view piece, error_code&) override {
        into_.body.append(piece.data(), piece.size());
        return piece.size();
    }
    void on_finish_impl(error_code&) override {}

    parsed_request& into_;
};

}  // namespace tollgate::mock
