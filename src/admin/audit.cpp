#include "tollgate/admin/audit.hpp"

#include "tollgate/core/rfc3339.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace tollgate::admin {

std::vector<std::string> audit_targets(const std::vector<std::string>& path_ids,
                                       unsigned status,
                                       std::string_view body) {
    std::vector<std::string> ids = path_ids;
    if (status / 100 == 2) {
        const auto made = nlohmann::json::parse(body, nullptr, false);
        if (made.is_object() && made.contains("id") && made["id"].is_string()) {
            const auto& id = made["id"].get_ref<const std::string&>();
            if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
                ids.push_back(id);
            }
        }
    }
    return ids;
}

std::string audit_line(const audit_entry& e, std::string_view time) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& id : e.ids) {
        ids.push_back(id);
    }
    const nlohmann::json line{{"time", time},
                              {"token", e.token},
                              {"action", e.action},
                              {"method", e.method},
                              {"path", e.path},
                              {"ids", ids},
                              {"status", e.status}};
    // Invalid UTF-8 in a path is replaced, not a reason to lose the record.
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

audit_log::audit_log(const std::string& path) : path_(path) {
    if (path_.empty()) {
        return;
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) {
        throw std::runtime_error("admin.audit_log " + path_ + ": " + std::strerror(errno));
    }
}

audit_log::~audit_log() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void audit_log::append(const audit_entry& e) {
    const auto now = std::chrono::system_clock::now();
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const std::string line = audit_line(e, format_rfc3339(seconds));
    if (fd_ < 0) {
        spdlog::info("audit {}", std::string_view(line).substr(0, line.size() - 1));
        return;
    }
    // One write: O_APPEND keeps each line whole even beside another writer.
    const ssize_t n = ::write(fd_, line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size()) || ::fdatasync(fd_) != 0) {
        spdlog::error("admin.audit_log {}: write failed ({}); the record: {}",
                      path_,
                      std::strerror(errno),
                      std::string_view(line).substr(0, line.size() - 1));
    }
}

}  // namespace tollgate::admin
