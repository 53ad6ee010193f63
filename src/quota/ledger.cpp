#include "tollgate/quota/ledger.hpp"

#include "tollgate/quota/window.hpp"

#include <algorithm>
#include <limits>

namespace tollgate::quota {

std::string limit_id(const config::limit& l) {
    std::string id(window_name(l.per));
    id.append(":").append(metric_name(l.what));
    for (std::size_t i = 0; i < l.models.size(); ++i) {
        id.append(i == 0 ? ":" : ",").append(l.models[i]);
    }
    return id;
}

std::string ledger::bucket_key(const std::string& consumer,
                               const config::limit& l,
                               std::int64_t window_start) {
    return consumer + "\n" + limit_id(l) + "\n" + std::to_string(window_start);
}

decision ledger::reserve(const std::string& consumer,
                         const std::string& request_id,
                         std::span<const config::limit> limits,
                         const amounts& want,
                         std::string_view model,
                         std::int64_t now,
                         std::int64_t deadline) {
    const std::string rkey = consumer + "\n" + request_id;
    if (reservations_.contains(rkey)) {
        return {false, 0, 0};
    }
    const auto keys = keys_at(consumer, limits, now);
    const auto current = states_of(keys);
    return reserve(consumer, request_id, limits, keys, current, want, model, now, deadline);
}

decision ledger::reserve(const std::string& consumer,
                         const std::string& request_id,
                         std::span<const config::limit> limits,
                         std::span<const std::string> keys,
                         std::span<const bucket> current,
                         const amounts& want,
                         std::string_view model,
                         std::int64_t now,
                         std::int64_t deadline) {
    std::string rkey = consumer + "\n" + request_id;
    if (reservations_.contains(rkey)) {
        return {false, 0, 0};
    }
    const decision d = decide(limits, current, want, model, now);
    if (!d.fits) {
        return d;
    }
    reservation r{{}, deadline};
    r.lines.reserve(limits.size());
    for (std::size_t i = 0; i < limits.size(); ++i) {
        const auto& l = limits[i];
        if (!applies(l, model)) {
            continue;
        }
        const std::int64_t held = amount_of(want, l.what);
        const std::int64_t window_end = window_at(l.per, now).end;
        auto& stored = buckets_[keys[i]];
        stored.window_end = window_end;
        stored.b.reserved += held;
        r.lines.push_back({keys[i], l.what, held, window_end});
    }
    earliest_deadline_ =
        reservations_.empty() ? r.deadline : std::min(earliest_deadline_, r.deadline);
    reservations_.emplace(std::move(rkey), std::move(r));
    return d;
}

std::vector<std::string> ledger::keys_at(const std::string& consumer,
                                         std::span<const config::limit> limits,
                                         std::int64_t now) {
    std::vector<std::string> keys;
    keys.reserve(limits.size());
    for (const auto& l : limits) {
        keys.push_back(bucket_key(consumer, l, window_at(l.per, now).start));
    }
    return keys;
}

std::vector<bucket> ledger::states_of(std::span<const std::string> keys) const {
    std::vector<bucket> out;
    out.reserve(keys.size());
    for (const auto& k : keys) {
        const auto it = buckets_.find(k);
        out.push_back(it == buckets_.end() ? bucket{} : it->second.b);
    }
    return out;
}

void ledger::charge(const reservation& r, const amounts* actual) {
    for (const auto& l : r.lines) {
        auto& stored = buckets_[l.bucket_key];
        stored.window_end = l.window_end;
        stored.b.reserved -= l.held;
        stored.b.used += actual ? amount_of(*actual, l.what) : l.held;
    }
}

bool ledger::settle(const std::string& consumer,
                    const std::string& request_id,
                    const amounts& actual) {
    const auto it = reservations_.find(consumer + "\n" + request_id);
    if (it == reservations_.end()) {
        return false;
    }
    charge(it->second, &actual);
    reservations_.erase(it);
    return true;
}

bool ledger::add(const std::string& consumer,
                 const std::string& request_id,
                 std::span<const config::limit> limits,
                 const amounts& actual,
                 std::int64_t at) {
    std::int64_t last_end = at;
    for (const auto& l : limits) {
        last_end = std::max(last_end, window_at(l.per, at).end);
    }
    if (!added_.emplace(consumer + "\n" + request_id, last_end).second) {
        return false;
    }
    for (const auto& l : limits) {
        const span w = window_at(l.per, at);
        auto& stored = buckets_[bucket_key(consumer, l, w.start)];
        stored.window_end = w.end;
        stored.b.used += amount_of(actual, l.what);
    }
    return true;
}

std::size_t ledger::expire(std::int64_t now) {
    if (reservations_.empty() || now < earliest_deadline_) {
        return 0;  // nothing can be due: no scan on the request path
    }
    std::size_t n = 0;
    std::int64_t next = std::numeric_limits<std::int64_t>::max();
    for (auto it = reservations_.begin(); it != reservations_.end();) {
        if (it->second.deadline <= now) {
            charge(it->second, nullptr);  // in full: see the header
            it = reservations_.erase(it);
            ++n;
        } else {
            next = std::min(next, it->second.deadline);
            ++it;
        }
    }
    earliest_deadline_ = next;
    return n;
}

bucket ledger::state(const std::string& consumer, const config::limit& l, std::int64_t now) const {
    const auto it = buckets_.find(bucket_key(consumer, l, window_at(l.per, now).start));
    return it == buckets_.end() ? bucket{} : it->second.b;
}

std::vector<bucket> ledger::states(const std::string& consumer,
                                   std::span<const config::limit> limits,
                                   std::int64_t now) const {
    std::vector<bucket> out;
    out.reserve(limits.size());
    for (const auto& l : limits) {
        out.push_back(state(consumer, l, now));
    }
    return out;
}

void ledger::forget_windows_before(std::int64_t before) {
    std::erase_if(buckets_, [before](const auto& kv) { return kv.second.window_end <= before; });
    std::erase_if(added_, [before](const auto& kv) { return kv.second <= before; });
}

}  // namespace tollgate::quota
