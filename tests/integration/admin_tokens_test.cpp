// Named, scoped admin tokens and the audit log, on the real binary: a read token may only
// GET, a write token may change things, each change (made or refused) is one JSON line in
// admin.audit_log naming the token, never a secret.
#include "harness.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

constexpr const char* read_token = "billing-read-token-0123456789";
constexpr const char* write_token = "backend-write-token-0123456789";

std::vector<std::string> auth(const std::string& token) {
    return {"Authorization: Bearer " + token, "Content-Type: application/json"};
}

TEST(AdminTokens, ScopesAndAnAuditLineForEveryChange) {
    const std::string audit = make_temp_dir() + "/audit.jsonl";
    // Indented lines right after the harness's admin token belong to admin:.
    stack s("",
            "",
            "",
            std::string("  tokens:\n") + "    - { name: billing, token: " + read_token +
                ", scope: read }\n" + "    - { name: backend, token: " + write_token +
                ", scope: write }\n" + "  audit_log: " + audit + "\n");
    const auto port = s.admin_port();

    // The write token changes things; the read token reads them and nothing else.
    auto created = request(port, "POST", "/v1/consumers", R"({"id":"acme"})", auth(write_token));
    ASSERT_EQ(created->status, 201) << created->body;
    auto minted = request(port, "POST", "/v1/consumers/acme/keys", "{}", auth(write_token));
    ASSERT_EQ(minted->status, 201);
    const std::string secret = json::parse(minted->body)["key"];
    const std::string key_id = json::parse(minted->body)["id"];
    EXPECT_EQ(request(port, "GET", "/v1/consumers/acme", "", auth(read_token))->status, 200);
    EXPECT_EQ(request(port, "GET", "/v1/keys/" + key_id, "", auth(read_token))->status, 200);
    auto refused = request(port, "DELETE", "/v1/keys/" + key_id, "", auth(read_token));
    EXPECT_EQ(refused->status, 403);
    EXPECT_NE(refused->body.find("scope read"), std::string::npos) << refused->body;
    EXPECT_EQ(request(port, "DELETE", "/v1/keys/" + key_id, "", auth("not-a-token"))->status, 401);
    // admin.token is the "admin" token, scope write.
    EXPECT_EQ(s.admin("DELETE", "/v1/keys/" + key_id)->status, 204);

    std::ifstream in(audit);
    std::vector<json> lines;
    std::string whole;
    for (std::string line; std::getline(in, line);) {
        whole += line + "\n";
        lines.push_back(json::parse(line));
    }
    ASSERT_EQ(lines.size(), 5u) << whole;  // GETs are not changes
    EXPECT_EQ(lines[0]["token"], "backend");
    EXPECT_EQ(lines[0]["action"], "create_consumer");
    EXPECT_EQ(lines[0]["status"], 201);
    EXPECT_EQ(lines[0]["ids"], json::array({"acme"}));  // what it made
    EXPECT_EQ(lines[1]["action"], "mint_key");
    EXPECT_EQ(lines[1]["ids"], json::array({"acme", key_id}));
    EXPECT_EQ(lines[2]["token"], "billing");
    EXPECT_EQ(lines[2]["status"], 403);
    EXPECT_EQ(lines[2]["ids"], json::array({key_id}));
    EXPECT_EQ(lines[3]["token"], "");
    EXPECT_EQ(lines[3]["status"], 401);
    EXPECT_EQ(lines[4]["token"], "admin");
    EXPECT_EQ(lines[4]["action"], "revoke_key");
    EXPECT_EQ(lines[4]["method"], "DELETE");
    EXPECT_EQ(lines[4]["path"], "/v1/keys/" + key_id);
    EXPECT_EQ(lines[4]["status"], 204);
    EXPECT_TRUE(lines[4]["time"].get<std::string>().ends_with("Z"));
    // Never a secret: no token value, no minted key.
    for (const std::string& secretish : {secret,
                                         std::string(read_token),
                                         std::string(write_token),
                                         std::string(stack::admin_token),
                                         std::string("not-a-token")}) {
        EXPECT_EQ(whole.find(secretish), std::string::npos) << secretish;
    }
}

}  // namespace
}  // namespace tollgate::testing
