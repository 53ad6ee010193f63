// The Admin API listener (admin.listen): plain HTTP/1.1 with keep-alive, bounded by
// admin.max_body_bytes and admin.timeout, on the control thread. Separate from the proxy
// listener so it can stay on a private address.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/core/net.hpp"
#include "tollgate/store/store.hpp"

#include <functional>
#include <memory>
#include <string>

namespace tollgate::admin {

class listener {
public:
    /// Binds admin.listen now (throws std::system_error when it cannot). `current` returns
    /// the live config (it changes on reload); `st` is the control thread's store.
    /// `metrics` makes GET /metrics' body (on the control thread).
    listener(net::io_context& ioc,
             std::function<std::shared_ptr<const config::config>()> current,
             std::shared_ptr<store::store> st,
             std::function<std::string()> metrics = {});
    ~listener();
    listener(const listener&) = delete;
    listener& operator=(const listener&) = delete;

    /// Starts accepting (on the ioc's thread).
    void start();
    /// Stops accepting (thread-safe: posted to the control thread); open admin connections
    /// finish their request.
    void stop();
    std::uint16_t port() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace tollgate::admin
