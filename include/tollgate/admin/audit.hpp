// The audit trail of the Admin API: one JSON line per change (every method but GET), made or
// refused, naming the admin token that asked (never its value, nor a minted key): time, token,
// action, method, path, target ids, status. To admin.audit_log (appended, fdatasync'd: an
// audit record is not lost to a crash), or, without one, to the diagnostics on stderr.
// Written on the control thread (the Admin API's), never on a worker.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::admin {

struct audit_entry {
    std::string_view token;   // the admin token's name; "" when none matched
    std::string_view action;  // the route: create_consumer, revoke_key, ...; "" when none
    std::string_view method;
    std::string_view path;
    std::span<const std::string> ids;  // the path's ids (consumer, key)
    unsigned status = 0;
};

/// A change's targets: the path's ids, then what the change made (a new consumer's or key's
/// id, read from a 2xx answer `body`; never its secret).
std::vector<std::string> audit_targets(const std::vector<std::string>& path_ids,
                                       unsigned status,
                                       std::string_view body);

/// The JSON line (with its newline) for `e` at `time` (RFC 3339).
std::string audit_line(const audit_entry& e, std::string_view time);

class audit_log {
public:
    /// Opens (creates, appends to) `path`; empty: lines go to the diagnostics. Throws
    /// std::runtime_error naming the file when it cannot be opened.
    explicit audit_log(const std::string& path);
    ~audit_log();
    audit_log(const audit_log&) = delete;
    audit_log& operator=(const audit_log&) = delete;

    void append(const audit_entry& e);

private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace tollgate::admin
