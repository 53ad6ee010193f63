#include "tollgate/proxy/route.hpp"

#include <gtest/gtest.h>

namespace tollgate::proxy {
namespace {

TEST(Classify, KnowsEachApi) {
    EXPECT_EQ(classify("POST", "/v1/chat/completions"), api::chat_completions);
    EXPECT_EQ(classify("POST", "/v1/completions"), api::completions);
    EXPECT_EQ(classify("POST", "/v1/embeddings"), api::embeddings);
    EXPECT_EQ(classify("POST", "/v1/responses"), api::responses);
    EXPECT_EQ(classify("POST", "/v1/messages?beta=true"), api::messages);
    EXPECT_EQ(classify("GET", "/v1/models"), api::list_models);
    EXPECT_FALSE(classify("GET", "/v1/chat/completions"));
    EXPECT_FALSE(classify("POST", "/v1/chat/completions/"));
    EXPECT_FALSE(classify("DELETE", "/v1/models"));
    EXPECT_FALSE(classify("POST", "/admin"));
}

TEST(Router, FirstMatchingUpstreamInConfigOrderWins) {
    std::vector<config::upstream_config> ups(3);
    ups[0].name = "a";
    ups[0].models = {"gpt-4o*"};
    ups[1].name = "b";
    ups[1].models = {"gpt-*", "o1"};
    ups[2].name = "c";
    ups[2].models = {"claude-*", "o1"};
    router r(ups);
    EXPECT_EQ(r.find("gpt-4o-mini"), 0u);
    EXPECT_EQ(r.find("gpt-3.5-turbo"), 1u);
    EXPECT_EQ(r.find("o1"), 1u);
    EXPECT_EQ(r.find("claude-3-5-sonnet"), 2u);
    EXPECT_FALSE(r.find("llama3"));
    EXPECT_EQ(r.literal_models(), std::vector<std::string>{"o1"});
}

}  // namespace
}  // namespace tollgate::proxy
