// traffic: one worker's view of the upstreams of one runtime: a balancer per upstream and the
// requests waiting for an endpoint slot (per-endpoint caps). Built when the worker first
// serves a request under a new runtime; requests in flight keep theirs alive (shared), so a
// reload never moves a slot between the old and the new counts. Worker-local: no locking.
#pragma once

#include "tollgate/core/net.hpp"
#include "tollgate/server/runtime.hpp"
#include "tollgate/upstream/balancer.hpp"

#include <cstddef>
#include <memory>
#include <vector>

#include <boost/asio/steady_timer.hpp>

namespace tollgate::upstream {

using wake_timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                             net::wait_traits<std::chrono::steady_clock>,
                                             executor>;

class traffic {
public:
    explicit traffic(std::shared_ptr<const server::runtime> rt);

    /// The runtime it was built for (held, so its address is never reused meanwhile).
    const server::runtime* built_for() const noexcept { return rt_.get(); }
    upstream::balancer& balancer(std::size_t upstream) { return balancers_[upstream]; }

    /// Parks a request that found every endpoint of `upstream` at its cap: `wake` is
    /// cancelled when a slot frees. forget() takes it back (woken or timed out).
    void wait(std::size_t upstream, wake_timer* wake);
    void forget(std::size_t upstream, wake_timer* wake);

    /// Ends a request on an endpoint and wakes the first request waiting for a slot.
    void release(std::size_t upstream, std::size_t endpoint);

private:
    std::shared_ptr<const server::runtime> rt_;
    std::vector<upstream::balancer> balancers_;
    std::vector<std::vector<wake_timer*>> waiting_;  // per upstream, oldest first
};

/// The per-worker share of a per-endpoint cap (0: none): the smaller of max_in_flight and
/// max_connections (over HTTP/1.1 each request in flight holds one connection), divided
/// among `workers`, rounded up.
std::size_t cap_share(const config::upstream_config& cfg, unsigned workers);

}  // namespace tollgate::upstream
