#include "tollgate/server/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace tollgate::server {
namespace {

// The async queue holds this many lines; when full, io threads wait (an access line is an
// audit record: we would rather slow down than drop it).
constexpr std::size_t queue_lines = 32 * 1024;

std::shared_ptr<spdlog::logger> make_async(const std::string& name, spdlog::sink_ptr sink) {
    auto logger = std::make_shared<spdlog::async_logger>(
        name, std::move(sink), spdlog::thread_pool(), spdlog::async_overflow_policy::block);
    spdlog::register_logger(logger);
    return logger;
}

}  // namespace

void setup_logging(const config::log_config& cfg) {
    spdlog::drop_all();
    spdlog::init_thread_pool(queue_lines, 1);
    auto main = make_async("tollgate", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    auto access = make_async("access", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    main->set_level(spdlog::level::from_str(cfg.level));
    access->set_level(spdlog::level::info);
    // Access lines carry their own time, in either format (access_batch): the sink adds nothing.
    access->set_pattern("%v");
    if (cfg.format == config::log_format::json) {
        main->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%v"})",
                          spdlog::pattern_time_type::utc);
    } else {
        main->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
    }
    spdlog::set_default_logger(main);
    spdlog::flush_every(std::chrono::seconds(1));
}

void write_access_batch(const std::string& lines) {
    static const auto logger = spdlog::get("access");
    if (logger && !lines.empty()) {
        logger->info(lines);
    }
}

}  // namespace tollgate::server
