// `tollgate tokenize`, the real binary: counts and ids match the reference tokenizer.
#include "harness.hpp"

#include <gtest/gtest.h>

namespace tollgate::testing {
namespace {

std::string tokenize(const std::string& text, const std::string& args, int& code) {
    const std::string dir = make_temp_dir();
    write_file(dir + "/in.txt", text);
    return run_output(std::string(TOLLGATE_BIN " tokenize ") + args + " < " + dir + "/in.txt",
                      code);
}

TEST(TokenizeCli, PrintsTheCountAndTheIds) {
    int code = -1;
    // Reference ids (npm tiktoken, encode_ordinary).
    EXPECT_EQ(tokenize("Hello world, it's   a test!!", "--encoding cl100k_base --ids", code),
              "[9906,1917,11,433,596,256,264,1296,3001]\n");
    EXPECT_EQ(code, 0);
    EXPECT_EQ(tokenize("Hello world, it's   a test!!", "--encoding cl100k_base", code), "9\n");
    EXPECT_EQ(tokenize("", "--encoding o200k_base --ids", code), "[]\n");
    EXPECT_EQ(code, 0);
}

TEST(TokenizeCli, SpecialTokensAreTextUnlessAsked) {
    int code = -1;
    EXPECT_EQ(tokenize("<|endoftext|>", "--encoding o200k_base --special --ids", code),
              "[199999]\n");
    EXPECT_NE(tokenize("<|endoftext|>", "--encoding o200k_base", code), "1\n");
}

TEST(TokenizeCli, BadArgumentsSayWhatIsWrong) {
    int code = -1;
    const auto unknown = tokenize("x", "--encoding p50k_base", code);
    EXPECT_EQ(code, 1);
    EXPECT_NE(unknown.find("unknown encoding"), std::string::npos) << unknown;
    const auto missing = tokenize("x", "--vocabulary /nonexistent --pattern o200k_base", code);
    EXPECT_EQ(code, 1);
    EXPECT_NE(missing.find("cannot read"), std::string::npos) << missing;
    tokenize("x", "--bogus", code);
    EXPECT_EQ(code, 2);
}

}  // namespace
}  // namespace tollgate::testing
