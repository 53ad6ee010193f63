// docs/openapi.yaml stays true: every documented route is served by the real binary, and
// every route the code serves (admin::route_table) is documented.
#include "harness.hpp"
#include "tollgate/admin/routes.hpp"

#include <set>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace tollgate::testing {
namespace {

using route_key = std::pair<std::string, std::string>;  // METHOD, /path/{param}

std::set<route_key> documented() {
    const auto doc = YAML::LoadFile(TG_SOURCE_DIR "/docs/openapi.yaml");
    std::set<route_key> out;
    for (const auto& path : doc["paths"]) {
        for (const auto& op : path.second) {
            std::string method = op.first.as<std::string>();
            if (method == "parameters") {
                continue;
            }
            for (auto& c : method) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
            out.emplace(method, path.first.as<std::string>());
        }
    }
    return out;
}

TEST(OpenApi, DocumentsExactlyTheRoutesTheCodeServes) {
    std::set<route_key> served;
    for (const auto& r : admin::route_table()) {
        served.emplace(std::string(r.method), std::string(r.path));
    }
    const auto doc = documented();
    for (const auto& r : served) {
        EXPECT_TRUE(doc.contains(r)) << "served but not documented: " << r.first << " " << r.second;
    }
    for (const auto& r : doc) {
        EXPECT_TRUE(served.contains(r))
            << "documented but not served: " << r.first << " " << r.second;
    }
}

TEST(OpenApi, EveryDocumentedRouteAnswersWithADocumentedStatus) {
    const auto doc = YAML::LoadFile(TG_SOURCE_DIR "/docs/openapi.yaml");
    stack s;
    for (const auto& [method, path] : documented()) {
        std::string concrete = path;
        for (const char* param : {"{id}", "{key_id}"}) {
            if (auto at = concrete.find(param); at != std::string::npos) {
                concrete.replace(at, std::string(param).size(), "probe");
            }
        }
        auto r = s.admin(method, concrete, method == "GET" || method == "DELETE" ? "" : "{}");
        ASSERT_TRUE(r) << method << " " << concrete;
        EXPECT_NE(r->status, 405) << method << " " << concrete;
        EXPECT_EQ(r->body.find("no such route"), std::string::npos) << method << " " << concrete;
        // And the status it gave is one the document lists for that operation.
        std::string lower = method;
        for (auto& c : lower) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        const auto responses = doc["paths"][path][lower]["responses"];
        EXPECT_TRUE(responses[std::to_string(r->status)].IsDefined())
            << method << " " << concrete << " answered " << r->status << " " << r->body;
    }
}

}  // namespace
}  // namespace tollgate::testing
