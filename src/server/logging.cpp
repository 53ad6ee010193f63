#include "tollgate/server/logging.hpp"

#include "tollgate/proxy/responses.hpp"
#include "tollgate/server/access_writer.hpp"

#include <unistd.h>

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace tollgate::server {
namespace {

// The async queue holds this many diagnostic lines; when full, io threads wait.
constexpr std::size_t queue_lines = 32 * 1024;

// Access lines bypass spdlog (see access_writer); set up by setup_logging.
std::unique_ptr<access_writer>& the_access_writer() {
    static std::unique_ptr<access_writer> writer;
    return writer;
}

std::shared_ptr<spdlog::logger> make_async(const std::string& name, spdlog::sink_ptr sink) {
    auto logger = std::make_shared<spdlog::async_logger>(
        name, std::move(sink), spdlog::thread_pool(), spdlog::async_overflow_policy::block);
    spdlog::register_logger(logger);
    return logger;
}

// %* in the JSON pattern: the message as the inside of a JSON string.
class json_message final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg,
                const std::tm&,
                spdlog::memory_buf_t& dest) override {
        std::string quoted;
        proxy::append_json_string(quoted, std::string_view(msg.payload.data(), msg.payload.size()));
        dest.append(quoted.data() + 1, quoted.data() + quoted.size() - 1);  // without its quotes
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<json_message>();
    }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_json_formatter() {
    auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    f->add_flag<json_message>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%*"})");
    return f;
}

void setup_logging(const config::log_config& cfg) {
    spdlog::drop_all();
    spdlog::init_thread_pool(queue_lines, 1);
    auto main = make_async("tollgate", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    main->set_level(spdlog::level::from_str(cfg.level));
    the_access_writer() = std::make_unique<access_writer>(STDOUT_FILENO, cfg.access_buffer_bytes);
    if (cfg.format == config::log_format::json) {
        main->set_formatter(make_json_formatter());
    } else {
        main->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
    }
    spdlog::set_default_logger(main);
    spdlog::flush_every(std::chrono::seconds(1));
}

void write_access_batch(std::string lines) {
    if (const auto& writer = the_access_writer()) {
        writer->submit(std::move(lines));
    }
}

void shutdown_logging() {
    the_access_writer().reset();  // writes what is pending
    spdlog::shutdown();
}

}  // namespace tollgate::server
