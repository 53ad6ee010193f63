#include "tollgate/server/runtime.hpp"

#include "tollgate/server/cpu_limit.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace tollgate::server {
namespace {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_client_tls(const config::upstream_config& u) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                     ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (!u.ca_file.empty()) {
        ctx->load_verify_file(u.ca_file, ec);
    } else {
        ctx->set_default_verify_paths(ec);
    }
    if (ec) {
        throw std::runtime_error("upstream " + u.name +
                                 ": cannot load CA certificates: " + ec.message());
    }
    ctx->set_verify_mode(u.verify_tls ? ssl::verify_peer : ssl::verify_none);
    return ctx;
}

std::shared_ptr<ssl::context> make_server_tls(const config::tls_files& files) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    boost::system::error_code ec;
    ctx->use_certificate_chain_file(files.cert_file, ec);
    if (ec) {
        throw std::runtime_error("server.tls.cert_file " + files.cert_file + ": " + ec.message());
    }
    ctx->use_private_key_file(files.key_file, ssl::context::pem, ec);
    if (ec) {
        throw std::runtime_error("server.tls.key_file " + files.key_file + ": " + ec.message());
    }
    return ctx;
}

}  // namespace

unsigned worker_count(const config::config& cfg) {
    const unsigned threads = cfg.server.threads ? cfg.server.threads : usable_cores();
    return std::max(1u, threads);
}

std::shared_ptr<const runtime> build_runtime(const config::config& cfg) {
    auto rt =
        std::make_shared<runtime>(runtime{cfg, proxy::router(cfg.upstreams), {}, nullptr, nullptr});
    std::string error;
    rt->tokenizers = metering::tokenizers::build(cfg.tokenizer, error);
    if (!rt->tokenizers) {
        throw std::runtime_error(error);
    }
    rt->workers = worker_count(cfg);
    for (const auto& u : cfg.upstreams) {
        upstream_runtime group{u, {}, {}};
        std::shared_ptr<boost::asio::ssl::context> tls;  // one for all endpoints
        for (const auto& e : u.endpoints) {
            auto to = upstream::parse_target(e.url);
            if (!to) {
                throw std::runtime_error("upstream " + u.name + ": bad url " + e.url);
            }
            endpoint_runtime ep{u, *to, u.name + "|" + e.url, nullptr, e.weight};
            ep.cfg.url = e.url;
            ep.cfg.api_key = e.api_key.value_or(u.api_key);
            ep.cfg.endpoints.clear();
            if (to->tls) {
                tls = tls ? tls : make_client_tls(u);
                ep.tls = tls;
            }
            group.endpoints.push_back(std::move(ep));
        }
        rt->upstreams.push_back(std::move(group));
    }
    for (auto& group : rt->upstreams) {
        for (const auto& f : group.cfg.fallbacks) {
            for (std::size_t i = 0; i < rt->upstreams.size(); ++i) {
                if (rt->upstreams[i].cfg.name == f.upstream) {
                    group.fallbacks.push_back(i);
                }
            }
        }
    }
    if (cfg.server.tls) {
        rt->server_tls = make_server_tls(*cfg.server.tls);
    }
    return rt;
}

}  // namespace tollgate::server
