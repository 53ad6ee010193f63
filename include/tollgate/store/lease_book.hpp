// lease_book: the quota this gateway instance holds in leases from a shared store (Redis), so
// that most metered requests are reserved here, without a round trip.
//
// A lease is an ordinary reservation in the store, made for one request but sized for up to
// lease_terms.requests of them (the store grants fewer near the limit, never more than
// 1/share of what is left). The requests that follow for the same consumer and the same
// limits draw on it here while it is open; each settles here, and the lease settles in the
// store once, with the sum of their actual usage, when it has closed and its last request
// has settled. So the store's rules hold unchanged: everything served was reserved there
// first (never over the limit, strict mode included), everything charged was used, and a
// lease whose instance died expires charged in full like any reservation.
//
// A lease closes when it is max_age old, when its window ends, when a request does not fit
// what is left of it (its unused part goes back as soon as its requests settle), or when the
// store's connection it was made on is lost. Pure; one per worker thread, not thread-safe.
#pragma once

#include "tollgate/store/store.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tollgate::store {

class lease_book {
public:
    using clock = std::chrono::steady_clock;

    /// Reserves `r` from an open lease of its consumer with exactly these `limits` (those that
    /// apply to its model) made on connection `session`: its result, as the store would have
    /// answered. nullopt when none has room; a lease that lacked room is closed.
    std::optional<reservation_result> draw(const reservation_request& r,
                                           const std::vector<config::limit>& limits,
                                           std::uint64_t session,
                                           clock::time_point now);

    /// Records what the store granted for `r` (`res.lease` requests' worth) as a lease, with
    /// `r` as its first request, and rewrites `res.after` so that the lease's unused part
    /// counts as remaining (it is this instance's to use).
    void open(const reservation_request& r,
              const std::vector<config::limit>& limits,
              reservation_result& res,
              std::uint64_t session,
              clock::time_point now);

    struct settle_outcome {
        bool ours = false;  // the request drew on a lease of this book
        // its lease, now due in the store: its id, and the sum of its requests' usage
        std::optional<settlement> lease_due;
    };
    /// Settles a request that drew on a lease (false `ours`: it did not, or settled already).
    settle_outcome settle(std::string_view consumer,
                          std::string_view request_id,
                          const quota::amounts& actual);

    /// Closes the leases past their time, or made on another connection than `session`
    /// (0: none is up); returns every closed lease whose requests have all settled, and
    /// forgets it.
    std::vector<settlement> due(clock::time_point now, std::uint64_t session);
    /// Closes every lease (shutdown); returns those due, as due() does.
    std::vector<settlement> close_all();

    bool empty() const noexcept { return leases_.empty(); }
    std::size_t in_flight() const noexcept { return draws_.size(); }
    std::size_t leases() const noexcept {
        std::size_t n = 0;
        for (const auto& [consumer, held] : leases_) {
            n += held.size();
        }
        return n;
    }

private:
    struct lease {
        std::string id;  // the store's reservation
        std::string consumer;
        std::vector<config::limit> limits;
        std::int64_t reserved_at = 0;    // the store's clock: its windows
        clock::time_point born;          // our clock
        clock::time_point usable_until;  // max_age, or the first window's end
        std::uint64_t session = 0;
        std::vector<std::int64_t> held;    // per limit, what the store holds
        std::vector<std::int64_t> drawn;   // per limit: reservations in flight + settled usage
        std::vector<quota::bucket> after;  // the store's buckets once the lease was made
        std::vector<std::int64_t> resets_at;
        quota::amounts settled{0, 0, 0, 0};
        std::size_t in_flight = 0;
        bool open = true;
    };
    struct draw_ref {
        lease* from;
        quota::amounts reserved;
    };

    reservation_result result_of(const lease& l, clock::time_point now) const;
    settlement settlement_of(const lease& l) const;
    void forget(const lease* l);

    // By consumer; a handful each (requests of different models or limits, or leases made
    // at once by concurrent requests).
    std::unordered_map<std::string, std::vector<std::unique_ptr<lease>>> leases_;
    std::unordered_map<std::string, draw_ref> draws_;  // "consumer\nrequest-id"
};

}  // namespace tollgate::store
