#include "tollgate/proxy/responses.hpp"

#include "tollgate/core/error.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::proxy {
namespace {

TEST(Describe, MapsEachErrorToSpecStatusAndCode) {
    struct row {
        error e;
        unsigned status;
        std::string_view code;
    };
    const row rows[] = {
        {error::invalid_json, 400, "invalid_request"},
        {error::missing_model, 400, "invalid_request"},
        {error::json_too_deep, 400, "invalid_request"},
        {error::bad_framing, 400, "invalid_request"},
        {error::no_route, 404, "model_not_found"},
        {error::model_not_found, 404, "model_not_found"},
        {error::body_too_large, 413, "request_too_large"},
        {error::headers_too_large, 431, "headers_too_large"},
        {error::client_timeout, 408, "request_timeout"},
        {error::upstream_unavailable, 502, "upstream_error"},
        {error::upstream_timeout, 504, "upstream_timeout"},
    };
    for (const auto& r : rows) {
        const auto d = describe(r.e);
        EXPECT_EQ(d.status, r.status) << d.message;
        EXPECT_EQ(d.code, r.code) << d.message;
    }
}

TEST(ErrorBody, IsOpenAiShapedAndEscaped) {
    const auto body = error_body({400, "invalid_request_error", "invalid_request", "bad \"x\"\n"});
    const auto j = nlohmann::json::parse(body);
    EXPECT_EQ(j["error"]["message"], "bad \"x\"\n");
    EXPECT_EQ(j["error"]["type"], "invalid_request_error");
    EXPECT_EQ(j["error"]["code"], "invalid_request");
}

}  // namespace
}  // namespace tollgate::proxy
