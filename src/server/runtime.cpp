#include "tollgate/server/runtime.hpp"

#include <stdexcept>

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

std::shared_ptr<const runtime> build_runtime(const config::config& cfg) {
    auto rt =
        std::make_shared<runtime>(runtime{cfg, proxy::router(cfg.upstreams), {}, nullptr, nullptr});
    std::string error;
    rt->tokenizers = metering::tokenizers::build(cfg.tokenizer, error);
    if (!rt->tokenizers) {
        throw std::runtime_error(error);
    }
    for (const auto& u : cfg.upstreams) {
        auto to = upstream::parse_target(u.url);
        if (!to) {
            throw std::runtime_error("upstream " + u.name + ": bad url");
        }
        upstream_runtime ur{u, *to, u.name + "|" + u.url, nullptr};
        if (to->tls) {
            ur.tls = make_client_tls(u);
        }
        rt->upstreams.push_back(std::move(ur));
    }
    if (cfg.server.tls) {
        rt->server_tls = make_server_tls(*cfg.server.tls);
    }
    return rt;
}

}  // namespace tollgate::server
