#include "tollgate/metering/tokenizers.hpp"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

namespace tollgate::metering {
namespace {

std::shared_ptr<const tokenizers> build(const config::tokenizer_config& cfg) {
    std::string error;
    auto t = tokenizers::build(cfg, error);
    EXPECT_TRUE(t) << error;
    return t;
}

std::string name_for(const tokenizers& t, std::string_view model) {
    const auto* enc = t.for_model(model);
    return enc ? enc->name() : "estimate";
}

TEST(Tokenizers, OpenAIModelsMapToTheirPublishedEncodings) {
    const auto t = build({});
    ASSERT_TRUE(t);
    for (const char* m : {"gpt-4o",
                          "gpt-4o-mini-2024-07-18",
                          "gpt-4.1-nano",
                          "o1-preview",
                          "o3",
                          "o4-mini",
                          "gpt-5",
                          "chatgpt-4o-latest"}) {
        EXPECT_EQ(name_for(*t, m), "o200k_base") << m;
    }
    for (const char* m : {"gpt-4",
                          "gpt-4-turbo",
                          "gpt-3.5-turbo",
                          "text-embedding-3-small",
                          "text-embedding-ada-002"}) {
        EXPECT_EQ(name_for(*t, m), "cl100k_base") << m;
    }
    // Anything else: tokenizer.default (o200k_base, an approximation for other vendors).
    EXPECT_EQ(name_for(*t, "claude-3-5-haiku"), "o200k_base");
    EXPECT_EQ(name_for(*t, "llama-3.1-8b"), "o200k_base");
}

TEST(Tokenizers, ConfiguredRulesComeFirstAndEstimateIsAChoice) {
    config::tokenizer_config cfg;
    cfg.default_encoding = "estimate";
    cfg.models = {{"gpt-4o-special*", "cl100k_base"}, {"claude-*", "estimate"}};
    const auto t = build(cfg);
    ASSERT_TRUE(t);
    EXPECT_EQ(name_for(*t, "gpt-4o-special-1"), "cl100k_base");
    EXPECT_EQ(name_for(*t, "gpt-4o"), "o200k_base");
    EXPECT_EQ(name_for(*t, "claude-3-opus"), "estimate");
    EXPECT_EQ(name_for(*t, "mistral-large"), "estimate");
}

TEST(Tokenizers, LoadsANamedVocabularyFileAndReportsAMissingOne) {
    const std::string path = ::testing::TempDir() + "/tiny.tiktoken";
    {
        std::ofstream out(path);
        out << "YQ== 0\nYg== 1\nIA== 2\nYWI= 3\n";
    }
    config::tokenizer_config cfg;
    cfg.encodings["tiny"] = {path, "o200k_base"};
    cfg.models = {{"tiny-*", "tiny"}};
    const auto t = build(cfg);
    ASSERT_TRUE(t);
    const auto* enc = t->for_model("tiny-1");
    ASSERT_NE(enc, nullptr);
    EXPECT_EQ(enc->count("ab ab"), 3U);
    std::remove(path.c_str());

    std::string error;
    EXPECT_FALSE(tokenizers::build(cfg, error));
    EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
}

}  // namespace
}  // namespace tollgate::metering
