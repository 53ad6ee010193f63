// runtime: everything derived from one loaded config that the data path needs (routes,
// parsed upstream targets, TLS contexts). Immutable; each worker holds a shared_ptr to the
// current one and swaps it on reload, so requests in flight keep the one they started with.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/metering/tokenizers.hpp"
#include "tollgate/proxy/route.hpp"
#include "tollgate/upstream/target.hpp"

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

namespace tollgate::server {

/// One endpoint of an upstream: what a connection to it needs.
struct endpoint_runtime {
    config::upstream_config cfg;  // the upstream's settings, with this endpoint's url and key
    upstream::target to;
    std::string pool_key;  // name + url: a reload that changes the url gets a fresh pool
    std::shared_ptr<boost::asio::ssl::context> tls;  // null for http://
    unsigned weight = 1;
};

/// An upstream: its endpoints, and the upstreams it falls back to.
struct upstream_runtime {
    config::upstream_config cfg;
    std::vector<endpoint_runtime> endpoints;  // at least one
    std::vector<std::size_t> fallbacks;       // indices into runtime::upstreams, as cfg.fallbacks
};

/// The io threads a config runs: server.threads, or one per core.
unsigned worker_count(const config::config& cfg);

struct runtime {
    config::config cfg;
    proxy::router router;
    std::vector<upstream_runtime> upstreams;
    std::shared_ptr<boost::asio::ssl::context> server_tls;   // null without server.tls
    std::shared_ptr<const metering::tokenizers> tokenizers;  // model -> encoding
    unsigned workers = 1;  // worker_count(cfg): per-endpoint caps are shared out among them
};

/// Builds the runtime of a validated config. Throws std::runtime_error naming the file when a
/// certificate, key or CA file cannot be loaded, or a tokenizer vocabulary (startup and
/// reload report it).
std::shared_ptr<const runtime> build_runtime(const config::config& cfg);

}  // namespace tollgate::server
