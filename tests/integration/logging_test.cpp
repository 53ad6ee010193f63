// server/logging: the JSON diagnostic formatter. In this binary because it links tg_io (the
// unit tests link only the pure library).
#include "tollgate/server/logging.hpp"

#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace tollgate::server {
namespace {

TEST(JsonLog, EveryDiagnosticIsOneJsonObjectWhateverItsMessageHolds) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    spdlog::logger logger("json-test", sink);
    logger.set_formatter(make_json_formatter());
    const std::string message =
        "reload failed: \"tollgate.yaml\" line 3\n\tC:\\path \x01 caf\xc3\xa9";
    logger.warn("{}", message);
    logger.flush();
    std::string line = out.str();
    ASSERT_FALSE(line.empty());
    ASSERT_EQ(line.back(), '\n');
    line.pop_back();
    EXPECT_EQ(line.find('\n'), std::string::npos) << "one line";
    const auto parsed = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << line;
    EXPECT_EQ(parsed["msg"], message);
    EXPECT_EQ(parsed["level"], "warning");
    EXPECT_TRUE(parsed["time"].get<std::string>().ends_with("Z"));
}

}  // namespace
}  // namespace tollgate::server
