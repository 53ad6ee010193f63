#include "tollgate/server/access_log.hpp"

#include "tollgate/proxy/responses.hpp"

#include <nlohmann/json.hpp>

namespace tollgate::server {
namespace {

// Text values are quoted only when they could break the key=value form.
void append_text_value(std::string& out, std::string_view v) {
    if (v.empty()) {
        out += '-';
        return;
    }
    if (v.find_first_of(" \"=") == std::string_view::npos) {
        out.append(v);
        return;
    }
    proxy::append_json_string(out, v);
}

}  // namespace

std::string format_access_line(const access_record& r, config::log_format format) {
    const double ms = static_cast<double>(r.latency.count()) / 1000.0;
    if (format == config::log_format::json) {
        nlohmann::json j = {{"request_id", r.request_id},
                            {"method", r.method},
                            {"path", r.path},
                            {"model", r.model},
                            {"upstream", r.upstream},
                            {"status", r.status},
                            {"bytes_in", r.bytes_in},
                            {"bytes_out", r.bytes_out},
                            {"sse_events", r.sse_events},
                            {"latency_ms", ms},
                            {"error", r.error}};
        return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    std::string out;
    out.reserve(200);
    const auto field = [&out](std::string_view key, std::string_view value) {
        out.append(out.empty() ? "" : " ").append(key).append("=");
        append_text_value(out, value);
    };
    field("rid", r.request_id);
    field("method", r.method);
    field("path", r.path);
    field("model", r.model);
    field("upstream", r.upstream);
    field("status", std::to_string(r.status));
    field("bytes_in", std::to_string(r.bytes_in));
    field("bytes_out", std::to_string(r.bytes_out));
    field("sse_events", std::to_string(r.sse_events));
    char latency[32];
    std::snprintf(latency, sizeof latency, "%.3f", ms);
    field("ms", latency);
    field("error", r.error);
    return out;
}

}  // namespace tollgate::server
