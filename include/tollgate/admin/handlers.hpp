// The Admin API's behaviour, apart from HTTP: a request (method, target, token, body) in, a
// status and JSON body out, reading and writing the store. Runs on the admin thread.
#pragma once

#include "tollgate/admin/admin_tokens.hpp"
#include "tollgate/config/config.hpp"
#include "tollgate/core/net.hpp"
#include "tollgate/store/store.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::admin {

struct request {
    std::string_view method;
    std::string_view target;
    std::string_view authorization;  // the Authorization header, as sent
    std::string_view body;
};

struct reply {
    unsigned status = 200;
    std::string body;  // JSON, or Prometheus text for /metrics; empty for 204
    std::string_view content_type = "application/json";
    std::string allow;  // a 405's Allow header: the methods the path takes
};

/// The body of GET /metrics (Prometheus text), made at scrape time.
using metrics_text = std::function<std::string()>;

class audit_log;

/// Answers one admin request. Never throws for bad input; store failures become 503.
/// Without `metrics`, GET /metrics answers 404. Every change (made or refused) is appended to
/// `audit` when there is one.
task<reply> handle(const request& req,
                   const config::config& cfg,
                   store::store& st,
                   const metrics_text& metrics = {},
                   audit_log* audit = nullptr);

/// {"error":{"message":...,"code":...}}
reply error_reply(unsigned status, std::string_view code, std::string_view message);

}  // namespace tollgate::admin
