// The daemon's life: --check-config, graceful drain on SIGTERM, SIGHUP reload, TLS on the
// listener and to upstreams.
#include "harness.hpp"

#include <csignal>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

TEST(CheckConfig, ExampleIsValid) {
    int code = -1;
    const auto out =
        run_output("env OPENAI_API_KEY=x ANTHROPIC_API_KEY=y TOLLGATE_ADMIN_TOKEN=z " TOLLGATE_BIN
                   " --check-config --config " TG_SOURCE_DIR "/config/tollgate.example.yaml",
                   code);
    EXPECT_EQ(code, 0) << out;
}

TEST(CheckConfig, ProblemsNameFileLineAndKey) {
    const auto dir = make_temp_dir();
    write_file(dir + "/bad.yaml", "server:\n  listen: 127.0.0.1:80\n  treads: 2\nupstreams: []\n");
    int code = -1;
    const auto out = run_output(TOLLGATE_BIN " --check-config --config " + dir + "/bad.yaml", code);
    EXPECT_EQ(code, 1);
    EXPECT_NE(out.find(dir + "/bad.yaml:3: server.treads: unknown key"), std::string::npos) << out;
    EXPECT_NE(out.find("upstreams"), std::string::npos) << out;
}

TEST(CheckConfig, NoAdminTokenRefusesToStartUnlessExplicitlyEmptyOnLoopback) {
    const auto dir = make_temp_dir();
    const std::string ups =
        "upstreams:\n  - { name: u, url: \"http://127.0.0.1:1\", models: [\"*\"] }\n";
    write_file(dir + "/none.yaml", ups);
    write_file(dir + "/unset.yaml", "admin: { token: \"${TG_TEST_UNSET_TOKEN:-}\" }\n" + ups);
    write_file(dir + "/public.yaml", "admin: { listen: 0.0.0.0:9, token: \"\" }\n" + ups);
    write_file(dir + "/loopback.yaml", "admin: { listen: 127.0.0.1:9, token: \"\" }\n" + ups);
    int code = -1;
    for (const char* name : {"none", "public"}) {
        const auto out =
            run_output(std::string(TOLLGATE_BIN " --config ") + dir + "/" + name + ".yaml", code);
        EXPECT_EQ(code, 1) << name;
        EXPECT_NE(out.find("admin.token"), std::string::npos) << out;
    }
    run_output(std::string(TOLLGATE_BIN " --check-config --config ") + dir + "/unset.yaml", code);
    EXPECT_EQ(code, 1) << "an unset variable is a mistake, not a decision";
    run_output(std::string(TOLLGATE_BIN " --check-config --config ") + dir + "/loopback.yaml",
               code);
    EXPECT_EQ(code, 0);
}

TEST(CheckConfig, VersionPrints) {
    int code = -1;
    EXPECT_EQ(run_output(TOLLGATE_BIN " --version", code).rfind("tollgate ", 0), 0u);
    EXPECT_EQ(code, 0);
}

TEST(Shutdown, SigtermFinishesInFlightStreamsThenExitsZero) {
    stack s("  drain_timeout: 10s\n");
    connection idle(s.gateway_port());  // a keep-alive connection with nothing in flight
    idle.send(make_request("GET", "/v1/models", ""));
    ASSERT_TRUE(read_response(idle));

    connection busy(s.gateway_port());
    busy.send(make_request("POST",
                           "/v1/chat/completions",
                           R"({"model":"gpt-4o","stream":true,"max_tokens":8})",
                           {"x-mock-chunk-delay-ms: 100"}));
    const auto first = busy.read_some(5s);
    ASSERT_NE(first.find("200 OK"), std::string::npos);
    busy.pending() = first;

    const auto t0 = std::chrono::steady_clock::now();
    // SIGTERM arrives mid-stream.
    std::optional<int> code;
    std::thread waiter([&] { code = s.gateway().stop(SIGTERM, 10s); });
    auto rest = read_response(busy);
    waiter.join();
    ASSERT_TRUE(rest) << "the in-flight stream was cut";
    EXPECT_NE(rest->body.find("data: [DONE]"), std::string::npos);
    EXPECT_EQ(rest->header("connection"), "");  // the head went out before the drain began
    EXPECT_TRUE(busy.closed_by_peer(2s));
    EXPECT_TRUE(idle.closed_by_peer(2s));
    EXPECT_EQ(code, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    EXPECT_THROW(connection refused(s.gateway_port()), std::runtime_error);
}

TEST(Shutdown, DrainDeadlineCutsStreamsThatRunTooLong) {
    stack s("  drain_timeout: 300ms\n");
    connection busy(s.gateway_port());
    busy.send(make_request("POST",
                           "/v1/chat/completions",
                           R"({"model":"gpt-4o","stream":true,"max_tokens":50})",
                           {"x-mock-chunk-delay-ms: 200"}));
    ASSERT_FALSE(busy.read_some(5s).empty());
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(s.gateway().stop(SIGTERM, 5s), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(Reload, SighupAppliesAValidFileAndKeepsTheOldOnErrors) {
    stack s;
    const auto model = R"({"model":"newmodel-1"})";
    auto before = request(s.gateway_port(), "POST", "/v1/chat/completions", model);
    ASSERT_TRUE(before);
    EXPECT_EQ(before->status, 404);

    // Keep the original text and add a route for newmodel-*.
    std::string text;
    {
        int code = 0;
        text = run_output("cat " + s.config_path(), code);
    }
    const std::string pattern = "models: [\"gpt-*\", \"mock-*\"]";
    auto edited = text;
    edited.replace(
        edited.find(pattern), pattern.size(), "models: [\"gpt-*\", \"mock-*\", \"newmodel-*\"]");
    write_file(s.config_path(), edited);
    connection held(s.gateway_port());  // an open connection survives the reload
    s.gateway().stop(SIGHUP, 200ms);
    std::this_thread::sleep_for(300ms);
    auto after = request(s.gateway_port(), "POST", "/v1/chat/completions", model);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200);
    held.send(make_request("POST", "/v1/chat/completions", model));
    auto on_held = read_response(held);
    ASSERT_TRUE(on_held);
    EXPECT_EQ(on_held->status, 200);

    write_file(s.config_path(), edited + "bogus_key: 1\n");
    s.gateway().stop(SIGHUP, 200ms);
    std::this_thread::sleep_for(1500ms);
    auto still = request(s.gateway_port(), "POST", "/v1/chat/completions", model);
    ASSERT_TRUE(still);
    EXPECT_EQ(still->status, 200);
    EXPECT_NE(s.gateway().log().find("reload rejected"), std::string::npos);
}

// A bad reload, then a good one, then SIGTERM: signals keep working throughout, and a
// change that needs a restart is named in the log instead of being silently dropped.
TEST(Reload, ABadReloadKeepsSignalsAliveAndRestartOnlyKeysAreNamed) {
    stack s;
    int code = 0;
    const std::string text = run_output("cat " + s.config_path(), code);
    // Shapes that once threw out of the loader and ended the signal loop.
    write_file(s.config_path(), text + "tokenizer: {models: 5}\n");
    ASSERT_FALSE(s.gateway().stop(SIGHUP, 300ms));
    write_file(s.config_path(), "upstreams: 5\n");
    ASSERT_FALSE(s.gateway().stop(SIGHUP, 300ms));
    std::string moved = text;
    const std::string listen = "listen: 127.0.0.1:" + std::to_string(s.gateway_port());
    moved.replace(moved.find(listen), listen.size(), "listen: 127.0.0.1:1");
    write_file(s.config_path(), moved + "tokenizer: {default: cl100k_base}\n");
    ASSERT_FALSE(s.gateway().stop(SIGHUP, 300ms));
    std::this_thread::sleep_for(300ms);
    auto r = request(s.gateway_port(),
                     "POST",
                     "/v1/chat/completions",
                     R"({"model":"gpt-4o-mini","messages":[],"max_tokens":2})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);  // still on its port
    const std::string log = s.gateway().log();
    EXPECT_NE(log.find("reload rejected"), std::string::npos) << log;
    EXPECT_NE(log.find("reload: server.listen changed; it takes a restart"), std::string::npos)
        << log;
    EXPECT_NE(log.find("configuration reloaded"), std::string::npos) << log;
    EXPECT_EQ(s.gateway().stop(SIGTERM), 0) << log;
}

class Tls : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = make_temp_dir();
        int code = -1;
        const auto out = run_output(
            "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
            "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
                dir_ + "/key.pem -out " + dir_ + "/cert.pem",
            code);
        ASSERT_EQ(code, 0) << out;
    }
    // A gateway whose only upstream is `url`, on a fresh port.
    std::uint16_t start(const std::string& name,
                        const std::string& server_extra,
                        const std::string& url,
                        const std::string& upstream_extra) {
        const auto port = free_port();
        write_file(
            dir_ + "/" + name + ".yaml",
            "server:\n  listen: 127.0.0.1:" + std::to_string(port) + "\n  threads: 1\n" +
                server_extra + "admin:\n  listen: 127.0.0.1:" + std::to_string(free_port()) +
                "\n  token: t\nauth: { enabled: false }\nupstreams:\n  - name: up\n    url: " +
                url + "\n    models: [\"*\"]\n" + upstream_extra);
        procs_.emplace_back(std::make_unique<process>(
            std::vector<std::string>{TOLLGATE_BIN, "--config", dir_ + "/" + name + ".yaml"},
            dir_ + "/" + name + ".log"));
        EXPECT_TRUE(wait_for_port(port)) << procs_.back()->log();
        return port;
    }
    std::string dir_;
    std::vector<std::unique_ptr<process>> procs_;
};

TEST_F(Tls, HttpsListenerAndVerifiedHttpsUpstream) {
    const auto mock_port = free_port();
    process mock({MOCK_BIN, "--listen", "127.0.0.1:" + std::to_string(mock_port)},
                 dir_ + "/mock.log");
    ASSERT_TRUE(wait_for_port(mock_port));
    // B: TLS on its listener, in front of the mock.
    const auto b =
        start("b",
              "  tls:\n    cert_file: " + dir_ + "/cert.pem\n    key_file: " + dir_ + "/key.pem\n",
              "http://127.0.0.1:" + std::to_string(mock_port),
              "");
    // A: plain listener, https upstream B verified against our CA, by host name (SNI).
    const auto a = start(
        "a", "", "https://localhost:" + std::to_string(b), "    ca_file: " + dir_ + "/cert.pem\n");
    auto r = request(
        a, "POST", "/v1/chat/completions", R"({"model":"gpt-4o","stream":true,"max_tokens":3})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_NE(r->body.find("[DONE]"), std::string::npos);

    // A standard client on B's TLS listener.
    int code = -1;
    const auto out =
        run_output("curl -s --cacert " + dir_ + "/cert.pem https://localhost:" + std::to_string(b) +
                       "/v1/chat/completions -d '{\"model\":\"gpt-4o\",\"max_tokens\":2}'",
                   code);
    EXPECT_EQ(code, 0);
    EXPECT_EQ(json::parse(out)["usage"]["completion_tokens"], 2) << out;

    // C: verification on with the system trust store: our self-signed B is refused -> 502.
    const auto c = start("c", "", "https://localhost:" + std::to_string(b), "");
    auto refused = request(c, "POST", "/v1/chat/completions", R"({"model":"gpt-4o"})");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 502);
}

}  // namespace
}  // namespace tollgate::testing

namespace tollgate::testing {
namespace {

// If the process ever dies of a fatal signal, it says so (and how) on stderr first.
TEST(CrashReport, AFatalSignalIsLoggedWithABacktrace) {
    stack s;
    int code = 0;
    run_output("pkill -SEGV -f '" + s.config_path() + "'", code);
    std::this_thread::sleep_for(500ms);
    const std::string log = s.gateway().log();
    EXPECT_NE(log.find("tollgate: fatal signal 11 (SIGSEGV)"), std::string::npos) << log;
}

}  // namespace
}  // namespace tollgate::testing
