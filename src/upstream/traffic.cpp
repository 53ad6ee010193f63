#include "tollgate/upstream/traffic.hpp"

#include <algorithm>

namespace tollgate::upstream {

std::size_t cap_share(const config::upstream_config& cfg, unsigned workers) {
    std::size_t cap = cfg.max_in_flight;
    if (cfg.max_connections != 0 && (cap == 0 || cfg.max_connections < cap)) {
        cap = cfg.max_connections;
    }
    if (cap == 0) {
        return 0;
    }
    const std::size_t n = std::max(1u, workers);
    return (cap + n - 1) / n;
}

traffic::traffic(std::shared_ptr<const server::runtime> rt)
    : rt_(std::move(rt)), waiting_(rt_->upstreams.size()) {
    balancers_.reserve(rt_->upstreams.size());
    for (const auto& u : rt_->upstreams) {
        std::vector<unsigned> weights;
        for (const auto& e : u.endpoints) {
            weights.push_back(e.weight);
        }
        balancers_.emplace_back(u.cfg, std::move(weights), cap_share(u.cfg, rt_->workers));
    }
}

void traffic::wait(std::size_t upstream, wake_timer* wake) {
    waiting_[upstream].push_back(wake);
}

void traffic::forget(std::size_t upstream, wake_timer* wake) {
    auto& list = waiting_[upstream];
    list.erase(std::remove(list.begin(), list.end(), wake), list.end());
}

void traffic::release(std::size_t upstream, std::size_t endpoint) {
    balancers_[upstream].end(endpoint);
    auto& list = waiting_[upstream];
    if (!list.empty()) {
        wake_timer* first = list.front();
        list.erase(list.begin());
        first->cancel();
    }
}

}  // namespace tollgate::upstream
