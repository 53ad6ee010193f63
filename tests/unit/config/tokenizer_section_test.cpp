#include "tollgate/config/load.hpp"

#include <gtest/gtest.h>

namespace tollgate::config {
namespace {

load_result parse(const std::string& tokenizer_yaml) {
    const std::string yaml = R"(
admin:
  token: t
upstreams:
  - name: a
    url: http://127.0.0.1:9000
    models: ["*"]
)" + tokenizer_yaml;
    return parse_config(
        yaml, "t.yaml", [](const std::string&) -> std::optional<std::string> { return {}; });
}

std::string all(const load_result& r) {
    std::string s;
    for (const auto& p : r.problems)
        s += to_string(p) + "\n";
    return s;
}

TEST(TokenizerSection, DefaultsWithoutTheSection) {
    const auto r = parse("");
    ASSERT_TRUE(r.problems.empty()) << all(r);
    EXPECT_EQ(r.value.tokenizer.default_encoding, "o200k_base");
    EXPECT_EQ(r.value.tokenizer.special_tokens, special_tokens_mode::text);
    EXPECT_EQ(r.value.tokenizer.max_bytes, 1024U * 1024);
    EXPECT_EQ(r.value.tokenizer.count_cache_entries, 16384U);
    EXPECT_TRUE(r.value.tokenizer.models.empty());
}

TEST(TokenizerSection, ReadsEveryKey) {
    const auto r = parse(R"(
tokenizer:
  default: estimate
  special_tokens: recognised
  max_bytes: 64KiB
  count_cache_entries: 0
  encodings:
    llama3: { file: /etc/tollgate/llama3.tiktoken, pattern: cl100k_base }
  models:
    - { match: "llama-3*", encoding: llama3 }
    - { match: "claude-*", encoding: cl100k_base }
)");
    ASSERT_TRUE(r.problems.empty()) << all(r);
    const auto& t = r.value.tokenizer;
    EXPECT_EQ(t.default_encoding, "estimate");
    EXPECT_EQ(t.special_tokens, special_tokens_mode::recognised);
    EXPECT_EQ(t.max_bytes, 64U * 1024);
    EXPECT_EQ(t.count_cache_entries, 0U);
    ASSERT_EQ(t.encodings.count("llama3"), 1U);
    EXPECT_EQ(t.encodings.at("llama3").file, "/etc/tollgate/llama3.tiktoken");
    EXPECT_EQ(t.encodings.at("llama3").pattern, "cl100k_base");
    ASSERT_EQ(t.models.size(), 2U);
    EXPECT_EQ(t.models[0].match, "llama-3*");
    EXPECT_EQ(t.models[1].encoding, "cl100k_base");
}

// Shapes are checked while parsing; the names encodings refer to after (validate), once the
// file parsed cleanly.
TEST(TokenizerSection, ReportsBadShapes) {
    const auto r = parse(R"(
tokenizer:
  special_tokens: maybe
  encodings:
    nofile: { pattern: o200k_base }
  models:
    - { match: "y*" }
)");
    const std::string text = all(r);
    EXPECT_NE(text.find("tokenizer.special_tokens"), std::string::npos) << text;
    EXPECT_NE(text.find("tokenizer.encodings.nofile.file: is required"), std::string::npos) << text;
    EXPECT_NE(text.find("tokenizer.models[0]: needs both"), std::string::npos) << text;
}

TEST(TokenizerSection, ReportsEncodingsThatDoNotExist) {
    const auto r = parse(R"(
tokenizer:
  default: p50k_base
  count_cache_entries: 100000000
  encodings:
    o200k_base: { file: x }
  models:
    - { match: "x*", encoding: nowhere }
)");
    const std::string text = all(r);
    EXPECT_NE(text.find("tokenizer.default: names no encoding"), std::string::npos) << text;
    EXPECT_NE(text.find("tokenizer.encodings.o200k_base: is a built-in name"), std::string::npos)
        << text;
    EXPECT_NE(text.find("tokenizer.models[0].encoding: names no encoding"), std::string::npos)
        << text;
    EXPECT_NE(text.find("tokenizer.count_cache_entries: must be at most"), std::string::npos)
        << text;
}

}  // namespace
}  // namespace tollgate::config
