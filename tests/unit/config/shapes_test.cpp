// Every key of the example config, and the top level, given a value of every YAML shape:
// the loader reports problems and never throws or aborts (yaml-cpp throws InvalidNode when
// asked the type of an absent node; that once aborted --check-config and start-up).
#include "tollgate/config/load.hpp"

#include <fstream>
#include <functional>
#include <sstream>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace tollgate::config {
namespace {

const env_lookup some_env = [](const std::string&) -> std::optional<std::string> {
    return std::string("x");
};

std::string example_text() {
    std::ifstream in(std::string(TG_SOURCE_DIR) + "/config/tollgate.example.yaml");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

const char* const shapes[] = {"5", "~", "\"\"", "[1, [2]]", "{a: {b: 1}}", "[{}]", "{}", "[]"};

// Calls `visit` with every node below `n` (maps' values and sequences' elements).
void for_each_node(YAML::Node n, const std::function<void(YAML::Node)>& visit) {
    if (n.IsMap()) {
        for (auto it = n.begin(); it != n.end(); ++it) {
            visit(it->second);
            for_each_node(it->second, visit);
        }
    } else if (n.IsSequence()) {
        for (std::size_t i = 0; i < n.size(); ++i) {
            visit(n[i]);
            for_each_node(n[i], visit);
        }
    }
}

// Loaded without an exception, and without the loader's last-resort catch ("cannot read"):
// each shape met a parser that checks it.
void expect_handled(const std::string& yaml) {
    load_result r;
    ASSERT_NO_THROW(r = parse_config(yaml, "t.yaml", some_env)) << yaml;
    for (const auto& p : r.problems) {
        EXPECT_FALSE(p.message.starts_with("cannot read")) << to_string(p) << "\n" << yaml;
    }
}

TEST(ConfigShapes, EveryKeyWithEveryShapeGivesProblemsNotAnException) {
    const std::string text = example_text();
    ASSERT_FALSE(text.empty());
    std::size_t count = 0;
    {
        const YAML::Node probe = YAML::Load(text);
        for_each_node(probe, [&](YAML::Node) { ++count; });
    }
    ASSERT_GT(count, 100u);
    for (std::size_t target = 0; target < count; ++target) {
        for (const char* shape : shapes) {
            YAML::Node root = YAML::Load(text);
            std::size_t i = 0;
            for_each_node(root, [&](YAML::Node n) {
                if (i++ == target) {
                    n = YAML::Load(shape);
                }
            });
            YAML::Emitter out;
            out << root;
            expect_handled(out.c_str());
        }
    }
}

TEST(ConfigShapes, TheTopLevelAndEachSectionInEveryShape) {
    for (const char* section : {"server",
                                "admin",
                                "auth",
                                "store",
                                "upstreams",
                                "pricing",
                                "plans",
                                "default_plan",
                                "quota",
                                "tokenizer",
                                "log"}) {
        for (const char* shape : shapes) {
            expect_handled(std::string(section) + ": " + shape + "\n");
        }
    }
    for (const char* shape : shapes) {
        expect_handled(shape);
    }
}

TEST(ConfigShapes, ATokenizerWithOnlyADefaultIsFine) {
    auto r = parse_config(
        "admin: {token: t}\nupstreams:\n  - {name: a, url: \"http://h:1\", models: [\"*\"]}\n"
        "tokenizer: {default: cl100k_base}\n",
        "t.yaml",
        some_env);
    EXPECT_TRUE(r.problems.empty());
    EXPECT_EQ(r.value.tokenizer.default_encoding, "cl100k_base");
}

TEST(ConfigShapes, DuplicateKeysAreReportedWithTheirLine) {
    auto r = parse_config(
        "admin: {token: t}\nadmin: {token: u}\nupstreams:\n"
        "  - {name: a, url: \"http://h:1\", models: [\"*\"], timeout: 1s, timeout: 2s}\n",
        "t.yaml",
        some_env);
    std::string all;
    for (const auto& p : r.problems) {
        all += to_string(p) + "\n";
    }
    EXPECT_NE(all.find("t.yaml:2: admin: duplicate key"), std::string::npos) << all;
    EXPECT_NE(all.find("upstreams[0].timeout: duplicate key"), std::string::npos) << all;
}

TEST(ConfigShapes, CrossKeyProblemsComeWithTheOthers) {
    auto r = parse_config(
        "admin: {token: t}\nserver: {threads: nope}\nupstreams:\n"
        "  - {name: a, url: \"http://h:1\", models: [\"*\"]}\n"
        "  - {name: a, url: \"http://h:2\", models: [\"*\"]}\n",
        "t.yaml",
        some_env);
    std::string all;
    for (const auto& p : r.problems) {
        all += to_string(p) + "\n";
    }
    EXPECT_NE(all.find("server.threads"), std::string::npos) << all;
    EXPECT_NE(all.find("duplicate upstream name"), std::string::npos) << all;
}

}  // namespace
}  // namespace tollgate::config
