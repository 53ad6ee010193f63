#include "tollgate/tokens/byte_pair.hpp"

#include "tollgate/tokens/builtin.hpp"

#include <random>

#include <gtest/gtest.h>

namespace tollgate::tokens {
namespace {

const vocabulary& cl100k() {
    static const auto enc = [] {
        std::string error;
        return load_builtin("cl100k_base", error);
    }();
    return enc->vocab();
}

std::vector<rank_t> scan(std::string_view piece) {
    byte_pair_scratch s;
    std::vector<rank_t> out;
    byte_pair_encode_scan(piece, cl100k(), s, out);
    return out;
}

std::vector<rank_t> heap(std::string_view piece) {
    byte_pair_scratch s;
    std::vector<rank_t> out;
    byte_pair_encode_heap(piece, cl100k(), s, out);
    return out;
}

std::vector<rank_t> buckets(std::string_view piece) {
    byte_pair_scratch s;
    std::vector<rank_t> out;
    byte_pair_encode_buckets(piece, cl100k(), s, out);
    return out;
}

std::string joined(const std::vector<rank_t>& ids) {
    std::string s;
    for (const rank_t r : ids)
        s += cl100k().token(r);
    return s;
}

TEST(BytePair, ScanHeapAndRadixAgreeAndLoseNoByte) {
    std::mt19937 rng(7);
    const std::string alphabet = "aaabbbcde  !!\n\xc3\xa9\xe4\xb8\xad";
    for (int round = 0; round < 3000; ++round) {
        std::string piece;
        const int len = 1 + static_cast<int>(rng() % 90);
        for (int i = 0; i < len; ++i)
            piece.push_back(alphabet[rng() % alphabet.size()]);
        const auto a = scan(piece);
        const auto b = heap(piece);
        ASSERT_EQ(a, b) << piece;
        ASSERT_EQ(a, buckets(piece)) << piece;
        ASSERT_EQ(joined(a), piece);
    }
}

TEST(BytePair, KnownWordsMergeToTheirToken) {
    const auto hello = cl100k().rank("hello");
    ASSERT_TRUE(hello);
    EXPECT_EQ(scan("hello"), std::vector<rank_t>{*hello});
    EXPECT_EQ(heap("hello"), std::vector<rank_t>{*hello});
}

TEST(BytePair, LongRunsTakeTheHeapAndStayExact) {
    const std::string run(5000, 'a');
    byte_pair_scratch s;
    std::vector<rank_t> out;
    byte_pair_encode(run, cl100k(), s, out);
    EXPECT_EQ(joined(out), run);
    EXPECT_EQ(out, scan(run));
    EXPECT_EQ(out, heap(run));
}

TEST(BytePair, BucketsFallBackWhenMergesAreNotRankedBottomUp) {
    // "ab" (rank 5) outranks "abc" (rank 4): a merge creates a pair ranked below it, which a
    // monotone queue cannot take. The answer must still be tiktoken's.
    std::string error;
    const auto v = vocabulary::parse("YQ== 0\nYg== 1\nYw== 2\nYWJj 4\nYWI= 5\n", error);
    ASSERT_TRUE(v) << error;
    byte_pair_scratch s;
    std::vector<rank_t> a;
    std::vector<rank_t> b;
    std::vector<rank_t> c;
    byte_pair_encode_scan("abcabc", *v, s, a);
    byte_pair_encode_heap("abcabc", *v, s, b);
    byte_pair_encode_buckets("abcabc", *v, s, c);
    EXPECT_EQ(a, (std::vector<rank_t>{4, 4}));
    EXPECT_EQ(b, a);
    EXPECT_EQ(c, a);
}

}  // namespace
}  // namespace tollgate::tokens
