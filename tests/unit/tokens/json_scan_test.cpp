#include "tollgate/tokens/json_scan.hpp"

#include <algorithm>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::tokens {
namespace {

json_status scan_all(std::string_view text, std::size_t depth = 64) {
    json_object_scanner s(text, depth);
    while (s.next()) {
    }
    return s.status();
}

TEST(JsonScan, YieldsTopLevelMembersRaw) {
    json_object_scanner s(R"( { "model" : "gpt-4o", "n":-1.5e3, "stream":true, "x":null,
        "msgs":[{"role":"user","content":"a\"b"}], "o":{}, "f":false } )",
                          64);
    std::vector<json_member> got;
    while (auto m = s.next()) {
        got.push_back(*m);
    }
    ASSERT_EQ(s.status(), json_status::ok);
    ASSERT_EQ(got.size(), 7u);
    EXPECT_EQ(got[0].key, "model");
    EXPECT_EQ(got[0].kind, json_kind::string);
    EXPECT_EQ(got[0].value, "gpt-4o");
    EXPECT_EQ(got[1].kind, json_kind::number);
    EXPECT_EQ(got[1].value, "-1.5e3");
    EXPECT_EQ(got[2].kind, json_kind::true_value);
    EXPECT_EQ(got[3].kind, json_kind::null);
    EXPECT_EQ(got[4].kind, json_kind::array);
    EXPECT_EQ(got[4].value, R"([{"role":"user","content":"a\"b"}])");
    EXPECT_EQ(got[5].value, "{}");
    EXPECT_EQ(got[6].kind, json_kind::false_value);
}

TEST(JsonScan, AcceptsValidDocuments) {
    for (const char* ok : {"{}",
                           " {} ",
                           R"({"a":[]})",
                           R"({"a":[1,2,[3,{"b":[]}]]})",
                           R"({"a":0})",
                           R"({"a":-0.0e-0})",
                           R"({"a":"\u00e9\ud83d\ude00\/\b\f\n\r\t"})",
                           "{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
                           R"({"a":{"b":{"c":true}}})"}) {
        EXPECT_EQ(scan_all(ok), json_status::ok) << ok;
    }
}

TEST(JsonScan, RefusesInvalidDocuments) {
    for (const char* bad : {"",
                            "[]",
                            "\"s\"",
                            "1",
                            "{",
                            "{\"a\"}",
                            "{\"a\":}",
                            "{\"a\":1,}",
                            "{,}",
                            "{\"a\":1}x",
                            "{\"a\":01}",
                            "{\"a\":1.}",
                            "{\"a\":.5}",
                            "{\"a\":1e}",
                            "{\"a\":+1}",
                            "{\"a\":tru}",
                            "{\"a\":[1,]}",
                            "{\"a\":[1 2]}",
                            "{\"a\":{\"b\"1}}",
                            "{\"a\":\"\x01\"}",
                            "{\"a\":\"\\x\"}",
                            "{\"a\":\"\\u12\"}",
                            "{\"a\":\"\\ud800\"}",
                            "{\"a\":\"\\udc00\"}",
                            "{\"a\":\"\xff\"}",
                            "{\"a\":\"\xc0\xaf\"}",
                            "{\"a\":\"\xed\xa0\x80\"}",
                            "{\"a\":\"\xf4\x90\x80\x80\"}",
                            "{\"a\":\"unterminated",
                            "{\"a\":[}",
                            "{\"a\":{]}",
                            "{'a':1}",
                            "{\"a\":NaN}"}) {
        EXPECT_EQ(scan_all(bad), json_status::invalid) << bad;
    }
}

TEST(JsonScan, DepthLimit) {
    EXPECT_EQ(scan_all(R"({"a":[[1]]})", 3), json_status::ok);
    EXPECT_EQ(scan_all(R"({"a":[[1]]})", 2), json_status::too_deep);
    EXPECT_EQ(scan_all("{}", 0), json_status::too_deep);
    const std::string hostile = "{\"a\":" + std::string(2'000'000, '[');
    EXPECT_EQ(scan_all(hostile, 100000), json_status::too_deep);  // clamped to capacity
}

TEST(JsonScan, FindsTheFirstSpecialByteAtEveryOffsetOfAWord) {
    // Strings are read eight bytes at a time and the scanner jumps to the first byte that
    // needs a look: put each kind of such byte at every offset of the words around it.
    const std::string_view specials[] = {
        "\\n", "\\u00e9", "\x01", "\xc3\xa9", "\xff", "\"", "\\", "\x7f", "\x1f"};
    for (const auto special : specials) {
        for (std::size_t at = 0; at < 24; ++at) {
            const std::string text = R"({"k":")" + std::string(at, 'a') + std::string(special) +
                                     std::string(11, 'b') + R"("})";
            const auto parsed = nlohmann::json::parse(text, nullptr, false);
            EXPECT_EQ(scan_all(text) == json_status::ok, !parsed.is_discarded()) << text;
        }
    }
}

TEST(JsonScan, AgreesWithNlohmannOnMutatedInputs) {
    // Differential check: random byte edits of a realistic body must be judged alike.
    const std::string base =
        R"({"model":"gpt-4o","messages":[{"role":"user","content":"Hi \u00e9 \ud83d\ude00 caf)"
        "\xc3\xa9"
        R"("},{"role":"assistant","content":null}],"max_tokens":16,"temperature":0.7,"stream":false,"stop":["\n"]})";
    std::mt19937 rng(42);
    const std::string alphabet = "{}[]\":,\\u0123456789abcdefnrtl.-+eE \x80\xc3\xff";
    int disagreements = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string text = base;
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng() % text.size();
            const char c = alphabet[rng() % alphabet.size()];
            switch (rng() % 3) {
                case 0:
                    text[at] = c;
                    break;
                case 1:
                    text.insert(at, 1, c);
                    break;
                default:
                    text.erase(at, 1);
            }
        }
        const bool ours = scan_all(text) == json_status::ok;
        const auto parsed = nlohmann::json::parse(text, nullptr, false);
        const bool theirs = !parsed.is_discarded() && parsed.is_object();
        if (ours != theirs) {
            ++disagreements;
            ADD_FAILURE() << "disagree (ours " << ours << "): " << text;
            if (disagreements > 5) {
                break;
            }
        }
    }
}

std::vector<json_member> members(std::string_view text, json_nested nested, json_status& status) {
    json_object_scanner s(text, 64, nested);
    std::vector<json_member> out;
    while (auto m = s.next()) {
        out.push_back(*m);
    }
    status = s.status();
    return out;
}

bool same(const std::vector<json_member>& a, const std::vector<json_member>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](auto& x, auto& y) {
               return x.key == y.key && x.kind == y.kind && x.value == y.value;
           });
}

TEST(JsonScan, SkimmingGivesTheSameMembersForEveryDocumentValidationAccepts) {
    // The mutated bodies of the differential test above: wherever validation accepts, the
    // skim yields the same members; and it accepts everything validation does.
    const std::string base =
        R"({"choices":[{"index":0,"message":{"role":"assistant","content":"a \"b\" [c] {d}"}}],)"
        R"("usage":{"prompt_tokens":14,"completion_tokens":16},"x":[[1,{"y":"]"}]],"z":"}"})";
    std::mt19937 rng(7);
    const std::string alphabet = "{}[]\":,\\u0123456789abcdefnrtl.-+eE \x80\xc3\xff";
    for (int i = 0; i < 20000; ++i) {
        std::string text = base;
        for (int e = 1 + static_cast<int>(rng() % 3); e > 0; --e) {
            const std::size_t at = rng() % text.size();
            const char c = alphabet[rng() % alphabet.size()];
            if (rng() % 2 == 0) {
                text[at] = c;
            } else {
                text.insert(at, 1, c);
            }
        }
        json_status validated = json_status::ok;
        json_status skimmed = json_status::ok;
        const auto strict = members(text, json_nested::validate, validated);
        const auto skim = members(text, json_nested::skim, skimmed);
        if (validated == json_status::ok) {
            ASSERT_EQ(skimmed, json_status::ok) << text;
            ASSERT_TRUE(same(strict, skim)) << text;
        }
    }
}

TEST(JsonScan, SkimmingFollowsEscapesAndBracketsAcrossItsBlocks) {
    // The skim reads 64-byte blocks: put an escaped quote, an escaped backslash and a bracket
    // inside a string at every offset around the first two block edges.
    for (std::size_t pad = 0; pad < 140; ++pad) {
        for (const std::string inner : {R"(\"])", R"(\\)", "}]", R"(\\\"[)"}) {
            const std::string text =
                R"({"a":[")" + std::string(pad, 'x') + inner + R"("],"usage":{"n":1}})";
            json_status st = json_status::ok;
            const auto got = members(text, json_nested::skim, st);
            ASSERT_EQ(st, json_status::ok) << text;
            ASSERT_EQ(got.size(), 2u) << text;
            EXPECT_EQ(got[1].key, "usage") << text;
            EXPECT_EQ(got[1].value, R"({"n":1})") << text;
        }
    }
}

TEST(JsonScan, SkimmingChecksBracketsAndDepthButNotNestedGrammarOrText) {
    json_status st = json_status::ok;
    const auto got = members(R"({"a":[1,,2 x],"usage":{"n":1}})", json_nested::skim, st);
    EXPECT_EQ(st, json_status::ok);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].value, "[1,,2 x]");
    EXPECT_EQ(got[1].value, R"({"n":1})");
    EXPECT_EQ(scan_all(R"({"a":[1,,2 x],"usage":{"n":1}})"), json_status::invalid) << "validated";
    members(R"({"a":[1,2})", json_nested::skim, st);
    EXPECT_EQ(st, json_status::invalid) << "unclosed";
    members(R"({"a":["]"})", json_nested::skim, st);
    EXPECT_EQ(st, json_status::invalid) << "a bracket inside a string does not close";
    members(R"({"a":["\"]"]})", json_nested::skim, st);
    EXPECT_EQ(st, json_status::ok) << "an escaped quote does not end the string";
    members(R"({"a":["\\"]})", json_nested::skim, st);
    EXPECT_EQ(st, json_status::ok) << "an escaped backslash does not escape the quote";
    members(R"({"a":["\"]})", json_nested::skim, st);
    EXPECT_EQ(st, json_status::invalid) << "the string never ends";
    members("{\"a\":[\"\x01\"],\"b\":{\"c\":[]}}", json_nested::skim, st);
    EXPECT_EQ(st, json_status::ok) << "nested text is not checked";
    members("{\"a\":[\"\x01\"],\"b\":{\"c\":[]}}", json_nested::validate, st);
    EXPECT_EQ(st, json_status::invalid) << "but validated when asked";
    json_object_scanner deep(R"({"a":[[[1]]]})", 3, json_nested::skim);
    while (deep.next()) {
    }
    EXPECT_EQ(deep.status(), json_status::too_deep);
}

}  // namespace
}  // namespace tollgate::tokens
