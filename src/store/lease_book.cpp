#include "tollgate/store/lease_book.hpp"

#include <algorithm>

namespace tollgate::store {
namespace {

bool same_limits(const std::vector<config::limit>& a, const std::vector<config::limit>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
        return x.per == y.per && x.what == y.what && x.amount == y.amount && x.models == y.models;
    });
}

// What `r` reserves: its prompt and its whole completion allowance (the store's script would
// grant as much when there is room; where there is not, the store decides, not a lease).
quota::amounts wanted(const reservation_request& r) {
    return quota::charge_for(
        r.prompt_tokens, r.completion_tokens.value_or(r.completion_cap), r.price);
}

std::string draw_key(std::string_view consumer, std::string_view request_id) {
    std::string k;
    k.reserve(consumer.size() + 1 + request_id.size());
    k.append(consumer).append(1, '\n').append(request_id);
    return k;
}

}  // namespace

std::optional<reservation_result> lease_book::draw(const reservation_request& r,
                                                   const std::vector<config::limit>& limits,
                                                   std::uint64_t session,
                                                   clock::time_point now) {
    const auto it = leases_.find(r.consumer);
    if (it == leases_.end()) {
        return std::nullopt;
    }
    auto key = draw_key(r.consumer, r.request_id);
    if (draws_.contains(key)) {
        // A request id reserves once, as in the store (which does not know ids drawn here).
        reservation_result dup;
        dup.now = it->second.empty() ? 0 : it->second.front()->reserved_at;
        return dup;
    }
    const auto want = wanted(r);
    for (auto& l : it->second) {
        if (!l->open || !same_limits(l->limits, limits)) {
            continue;
        }
        if (now >= l->usable_until || l->session != session) {
            l->open = false;
            continue;
        }
        bool fits = true;
        for (std::size_t i = 0; i < limits.size() && fits; ++i) {
            fits = l->drawn[i] + quota::amount_of(want, limits[i].what) <= l->held[i];
        }
        if (!fits) {
            l->open = false;  // its unused part goes back once its requests settle
            continue;
        }
        draws_.emplace(std::move(key), draw_ref{l.get(), want});
        for (std::size_t i = 0; i < limits.size(); ++i) {
            l->drawn[i] += quota::amount_of(want, limits[i].what);
        }
        ++l->in_flight;
        auto out = result_of(*l, now);
        out.completion_tokens = want.completion_tokens;
        return out;
    }
    return std::nullopt;
}

void lease_book::open(const reservation_request& r,
                      const std::vector<config::limit>& limits,
                      reservation_result& res,
                      std::uint64_t session,
                      clock::time_point now) {
    auto l = std::make_unique<lease>();
    l->id = r.request_id;
    l->consumer = r.consumer;
    l->limits = limits;
    l->reserved_at = res.now;
    l->born = now;
    std::int64_t open_for_ms = r.lease.max_age_ms;
    for (const auto end : res.resets_at) {
        open_for_ms = std::min(open_for_ms, (end - res.now) * 1000);
    }
    l->usable_until = now + std::chrono::milliseconds(std::max<std::int64_t>(0, open_for_ms));
    l->session = session;
    const auto first = quota::charge_for(r.prompt_tokens, res.completion_tokens, r.price);
    const std::int64_t times = std::max<std::int64_t>(1, res.lease);
    for (std::size_t i = 0; i < limits.size(); ++i) {
        const auto one = quota::amount_of(first, limits[i].what);
        l->held.push_back(one * times);
        l->drawn.push_back(one);
    }
    l->after = res.after;
    l->resets_at = res.resets_at;
    l->in_flight = 1;
    l->open = times > 1;
    draws_[draw_key(r.consumer, r.request_id)] = {l.get(), first};
    res = result_of(*l, now);
    res.completion_tokens = first.completion_tokens;
    res.lease = times;
    leases_[r.consumer].push_back(std::move(l));
}

lease_book::settle_outcome lease_book::settle(std::string_view consumer,
                                              std::string_view request_id,
                                              const quota::amounts& actual) {
    const auto it = draws_.find(draw_key(consumer, request_id));
    if (it == draws_.end()) {
        return {};
    }
    lease& l = *it->second.from;
    for (std::size_t i = 0; i < l.limits.size(); ++i) {
        l.drawn[i] += quota::amount_of(actual, l.limits[i].what) -
                      quota::amount_of(it->second.reserved, l.limits[i].what);
    }
    l.settled.prompt_tokens += actual.prompt_tokens;
    l.settled.completion_tokens += actual.completion_tokens;
    l.settled.requests += actual.requests;
    l.settled.cost += actual.cost;
    --l.in_flight;
    draws_.erase(it);
    settle_outcome out{true, std::nullopt};
    if (!l.open && l.in_flight == 0) {
        out.lease_due = settlement_of(l);
        forget(&l);
    }
    return out;
}

std::vector<settlement> lease_book::due(clock::time_point now, std::uint64_t session) {
    std::vector<settlement> out;
    std::vector<const lease*> done;
    for (auto& [consumer, leases] : leases_) {
        for (auto& l : leases) {
            if (now >= l->usable_until || session == 0 || l->session != session) {
                l->open = false;
            }
            if (!l->open && l->in_flight == 0) {
                out.push_back(settlement_of(*l));
                done.push_back(l.get());
            }
        }
    }
    for (const auto* l : done) {
        forget(l);
    }
    return out;
}

std::vector<settlement> lease_book::close_all() {
    for (auto& [consumer, leases] : leases_) {
        for (auto& l : leases) {
            l->open = false;
        }
    }
    std::vector<settlement> out;
    std::vector<const lease*> done;
    for (auto& [consumer, leases] : leases_) {
        for (auto& l : leases) {
            if (l->in_flight == 0) {
                out.push_back(settlement_of(*l));
                done.push_back(l.get());
            }
        }
    }
    for (const auto* l : done) {
        forget(l);
    }
    return out;
}

reservation_result lease_book::result_of(const lease& l, clock::time_point now) const {
    reservation_result out;
    out.fits = true;
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - l.born).count();
    out.now = l.reserved_at + age;
    out.resets_at = l.resets_at;
    out.after.reserve(l.after.size());
    for (std::size_t i = 0; i < l.after.size() && i < l.held.size(); ++i) {
        // The store counts the whole lease as reserved; what is left of it is ours to use.
        out.after.push_back({l.after[i].used, l.after[i].reserved - l.held[i] + l.drawn[i]});
    }
    return out;
}

settlement lease_book::settlement_of(const lease& l) const {
    return {l.consumer, l.id, l.limits, l.reserved_at, l.settled};
}

void lease_book::forget(const lease* l) {
    const auto it = leases_.find(l->consumer);
    if (it == leases_.end()) {
        return;
    }
    std::erase_if(it->second, [l](const auto& p) { return p.get() == l; });
    if (it->second.empty()) {
        leases_.erase(it);
    }
}

}  // namespace tollgate::store
