#include "tollgate/quota/ledger.hpp"

#include "tollgate/quota/window.hpp"

#include <algorithm>
#include <limits>

namespace tollgate::quota {

void append_limit_id(std::string& out, const config::limit& l) {
    out.append(window_name(l.per)).append(":").append(metric_name(l.what));
    for (std::size_t i = 0; i < l.models.size(); ++i) {
        out.append(i == 0 ? ":" : ",").append(l.models[i]);
    }
}

namespace {

// How often expire() forgets the buckets of ended windows: they cost memory, not correctness.
constexpr std::int64_t sweep_every_seconds = 60;

// The same limit (as limit_id() names it) in the same window.
template <typename Bucket>
bool is_bucket_of(const Bucket& b, const config::limit& l, std::int64_t window_start) {
    return b.window_start == window_start && b.per == l.per && b.what == l.what &&
           b.models == l.models;
}

}  // namespace

std::string limit_id(const config::limit& l) {
    std::string id;
    append_limit_id(id, l);
    return id;
}

ledger::ledger() {
    owners_.push_back(std::make_unique<owner_state>());
}

ledger::owner_id ledger::add_owner() {
    owners_.push_back(std::make_unique<owner_state>());
    return owners_.size() - 1;
}

std::size_t ledger::reservations() const noexcept {
    std::size_t n = 0;
    for (const auto& o : owners_) {
        n += o->reservations.size();
    }
    return n;
}

std::size_t ledger::buckets() const noexcept {
    std::size_t n = 0;
    for (const auto& [consumer, a] : accounts_) {
        n += a.size();
    }
    return n;
}

ledger::stored_bucket& ledger::bucket_in(account& a,
                                         const config::limit& l,
                                         std::int64_t window_start,
                                         std::int64_t window_end) {
    for (auto& b : a) {
        if (is_bucket_of(b, l, window_start)) {
            b.at->window_end = window_end;
            return *b.at;
        }
    }
    a.push_back({l.per, l.what, l.models, window_start, std::make_unique<stored_bucket>()});
    a.back().at->window_end = window_end;
    return *a.back().at;
}

const ledger::stored_bucket* ledger::find_bucket(const std::string& consumer,
                                                 const config::limit& l,
                                                 std::int64_t window_start) const {
    const auto it = accounts_.find(consumer);
    if (it == accounts_.end()) {
        return nullptr;
    }
    for (const auto& b : it->second) {
        if (is_bucket_of(b, l, window_start)) {
            return b.at.get();
        }
    }
    return nullptr;
}

const std::string& ledger::reservation_key(owner_state& o,
                                           std::string_view consumer,
                                           std::string_view request_id) {
    o.key.clear();
    o.key.append(consumer).append("\n").append(request_id);
    return o.key;
}

void ledger::window_buckets::states(std::vector<bucket>& out) const {
    out.clear();
    out.reserve(at_.size());
    for (const auto* b : at_) {
        out.push_back(b->b);
    }
}

ledger::window_buckets ledger::buckets_at(const std::string& consumer,
                                          std::span<const config::limit> limits,
                                          std::int64_t now) {
    window_buckets out;
    account& a = accounts_[consumer];
    for (const auto& l : limits) {
        const span w = window_at(l.per, now);
        out.at_.push_back(&bucket_in(a, l, w.start, w.end));
    }
    return out;
}

decision ledger::reserve(const std::string& consumer,
                         const std::string& request_id,
                         std::span<const config::limit> limits,
                         const amounts& want,
                         std::string_view model,
                         std::int64_t now,
                         std::int64_t deadline,
                         owner_id owner) {
    // A duplicate id is refused by the overload below (before anything is held).
    const auto at = buckets_at(consumer, limits, now);
    std::vector<bucket> current;
    at.states(current);
    return reserve(consumer, request_id, limits, at, current, want, model, now, deadline, owner);
}

decision ledger::reserve(const std::string& consumer,
                         const std::string& request_id,
                         std::span<const config::limit> limits,
                         const window_buckets& at,
                         std::span<const bucket> current,
                         const amounts& want,
                         std::string_view model,
                         std::int64_t now,
                         std::int64_t deadline,
                         owner_id owner) {
    owner_state& o = *owners_.at(owner);
    if (o.reservations.contains(reservation_key(o, consumer, request_id))) {
        return {false, 0, 0};
    }
    const decision d = decide(limits, current, want, model, now);
    if (!d.fits) {
        return d;
    }
    reservation r{{}, deadline};
    for (std::size_t i = 0; i < limits.size(); ++i) {
        const auto& l = limits[i];
        if (!applies(l, model)) {
            continue;
        }
        const std::int64_t held = amount_of(want, l.what);
        at.at_[i]->b.reserved += held;
        ++at.at_[i]->holders;
        r.lines.push_back({at.at_[i], l.what, held});
    }
    insert(o, std::move(r));
    return d;
}

// Files `r` under o.key (the reservation's key, just looked up).
void ledger::insert(owner_state& o, reservation r) {
    o.earliest_deadline =
        o.reservations.empty() ? r.deadline : std::min(o.earliest_deadline, r.deadline);
    earliest_deadline_ = std::min(earliest_deadline_, r.deadline);
    if (o.spare) {
        o.spare.key() = o.key;  // o.key: still the reservation's key
        o.spare.mapped() = std::move(r);
        o.reservations.insert(std::move(o.spare));
    } else {
        o.reservations.emplace(o.key, std::move(r));
    }
}

void ledger::charge(const reservation& r, const amounts* actual) {
    for (const auto& l : r.lines) {
        l.at->b.reserved -= l.held;
        l.at->b.used += actual ? amount_of(*actual, l.what) : l.held;
        --l.at->holders;
    }
}

bool ledger::settle(std::string_view consumer,
                    std::string_view request_id,
                    const amounts& actual,
                    owner_id owner) {
    owner_state& o = *owners_.at(owner);
    const auto it = o.reservations.find(reservation_key(o, consumer, request_id));
    if (it == o.reservations.end()) {
        return false;
    }
    charge(it->second, &actual);
    o.spare = o.reservations.extract(it);
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
    owner_state& o = *owners_.front();  // add() is rare: owner 0's scratch key will do
    if (!added_.emplace(reservation_key(o, consumer, request_id), last_end).second) {
        return false;
    }
    account& a = accounts_[consumer];
    for (const auto& l : limits) {
        const span w = window_at(l.per, at);
        // An adjustment may take usage off, never below nothing.
        auto& used = bucket_in(a, l, w.start, w.end).b.used;
        used = std::max<std::int64_t>(0, used + amount_of(actual, l.what));
    }
    return true;
}

std::size_t ledger::expire(std::int64_t now) {
    if (now >= next_sweep_) {
        forget_windows_before(now);
        next_sweep_ = now + sweep_every_seconds;
    }
    std::size_t n = 0;
    if (now < earliest_deadline_) {
        return n;  // nothing can be due
    }
    earliest_deadline_ = std::numeric_limits<std::int64_t>::max();
    for (const auto& owner : owners_) {
        owner_state& o = *owner;
        if (o.reservations.empty()) {
            continue;
        }
        if (now < o.earliest_deadline) {
            earliest_deadline_ = std::min(earliest_deadline_, o.earliest_deadline);
            continue;  // nothing of this owner's can be due: no scan
        }
        std::int64_t next = std::numeric_limits<std::int64_t>::max();
        for (auto it = o.reservations.begin(); it != o.reservations.end();) {
            if (it->second.deadline <= now) {
                charge(it->second, nullptr);  // in full: see the header
                it = o.reservations.erase(it);
                ++n;
            } else {
                next = std::min(next, it->second.deadline);
                ++it;
            }
        }
        o.earliest_deadline = next;
        if (!o.reservations.empty()) {
            earliest_deadline_ = std::min(earliest_deadline_, next);
        }
    }
    return n;
}

bucket ledger::state(const std::string& consumer, const config::limit& l, std::int64_t now) const {
    const stored_bucket* b = find_bucket(consumer, l, window_at(l.per, now).start);
    return b == nullptr ? bucket{} : b->b;
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
    for (auto it = accounts_.begin(); it != accounts_.end();) {
        std::erase_if(it->second, [before](const account_bucket& b) {
            return b.at->window_end <= before && b.at->holders == 0;
        });
        it = it->second.empty() ? accounts_.erase(it) : std::next(it);
    }
    std::erase_if(added_, [before](const auto& kv) { return kv.second <= before; });
}

std::optional<config::limit> limit_of_id(std::string_view id) {
    const auto first = id.find(':');
    if (first == std::string_view::npos) {
        return std::nullopt;
    }
    const auto second = id.find(':', first + 1);
    const auto per = id.substr(0, first);
    const auto what =
        id.substr(first + 1, second == std::string_view::npos ? id.npos : second - first - 1);
    config::limit l;
    bool per_ok = false;
    bool what_ok = false;
    for (const auto w : {config::window::second,
                         config::window::minute,
                         config::window::hour,
                         config::window::day,
                         config::window::week,
                         config::window::month}) {
        if (window_name(w) == per) {
            l.per = w;
            per_ok = true;
        }
    }
    for (const auto m : {config::metric::tokens,
                         config::metric::prompt_tokens,
                         config::metric::completion_tokens,
                         config::metric::requests,
                         config::metric::cost_usd}) {
        if (metric_name(m) == what) {
            l.what = m;
            what_ok = true;
        }
    }
    if (!per_ok || !what_ok) {
        return std::nullopt;
    }
    if (second != std::string_view::npos) {
        std::string_view models = id.substr(second + 1);
        for (;;) {
            const auto comma = models.find(',');
            l.models.emplace_back(models.substr(0, comma));
            if (comma == std::string_view::npos) {
                break;
            }
            models.remove_prefix(comma + 1);
        }
    }
    return l;
}

void ledger::hold(const std::string& consumer,
                  const std::string& request_id,
                  std::span<const config::limit> limits,
                  const amounts& want,
                  std::int64_t now,
                  std::int64_t deadline) {
    owner_state& o = *owners_.front();
    if (o.reservations.contains(reservation_key(o, consumer, request_id))) {
        return;
    }
    const auto at = buckets_at(consumer, limits, now);
    reservation r{{}, deadline};
    for (std::size_t i = 0; i < limits.size(); ++i) {
        const std::int64_t held = amount_of(want, limits[i].what);
        at.at_[i]->b.reserved += held;
        ++at.at_[i]->holders;
        r.lines.push_back({at.at_[i], limits[i].what, held});
    }
    reservation_key(o, consumer, request_id);  // buckets_at() may not touch o.key; be sure
    insert(o, std::move(r));
}

std::size_t ledger::charge_open() {
    std::size_t n = 0;
    for (const auto& owner : owners_) {
        for (const auto& [key, r] : owner->reservations) {
            charge(r, nullptr);
            ++n;
        }
        owner->reservations.clear();
        owner->earliest_deadline = 0;
    }
    earliest_deadline_ = std::numeric_limits<std::int64_t>::max();
    return n;
}

void ledger::visit(visitor& v) const {
    for (const auto& [consumer, a] : accounts_) {
        for (const auto& b : a) {
            const config::limit l{b.per, b.what, 0, b.models};
            v.used(consumer, l, b.window_start, b.at->b.used);
        }
    }
    std::vector<held_line> lines;
    for (const auto& owner : owners_) {
        for (const auto& [key, r] : owner->reservations) {
            const auto nl = key.find('\n');
            const std::string_view consumer(key.data(), nl);
            const auto owned = accounts_.find(std::string(consumer));
            lines.clear();
            for (const auto& held : r.lines) {
                if (owned == accounts_.end()) {
                    break;
                }
                for (const auto& b : owned->second) {
                    if (b.at.get() == held.at) {
                        lines.push_back({{b.per, b.what, 0, b.models}, b.window_start, held.held});
                    }
                }
            }
            v.open(consumer, std::string_view(key).substr(nl + 1), r.deadline, lines);
        }
    }
    for (const auto& [key, end] : added_) {
        const auto nl = key.find('\n');
        v.added(std::string_view(key).substr(0, nl), std::string_view(key).substr(nl + 1), end);
    }
}

void ledger::restore_used(const std::string& consumer,
                          const config::limit& l,
                          std::int64_t window_start,
                          std::int64_t used) {
    const span w = window_at(l.per, window_start);
    bucket_in(accounts_[consumer], l, w.start, w.end).b.used += used;
}

void ledger::restore_open(const std::string& consumer,
                          const std::string& request_id,
                          std::int64_t deadline,
                          std::span<const held_line> lines) {
    owner_state& o = *owners_.front();
    if (o.reservations.contains(reservation_key(o, consumer, request_id))) {
        return;
    }
    account& a = accounts_[consumer];
    reservation r{{}, deadline};
    for (const auto& h : lines) {
        const span w = window_at(h.limit.per, h.window_start);
        stored_bucket& b = bucket_in(a, h.limit, w.start, w.end);
        b.b.reserved += h.held;
        ++b.holders;
        r.lines.push_back({&b, h.limit.what, h.held});
    }
    reservation_key(o, consumer, request_id);
    insert(o, std::move(r));
}

void ledger::restore_added(const std::string& consumer,
                           const std::string& request_id,
                           std::int64_t window_end) {
    owner_state& o = *owners_.front();
    added_.emplace(reservation_key(o, consumer, request_id), window_end);
}

}  // namespace tollgate::quota
