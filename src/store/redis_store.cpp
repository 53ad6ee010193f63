#include "tollgate/store/redis_store.hpp"

#include "coalescer.hpp"
#include "redis_commands.hpp"
#include "redis_keys.hpp"
#include "redis_layout.hpp"
#include "redis_quota.hpp"
#include "redis_records.hpp"
#include "tollgate/core/error.hpp"
#include "tollgate/core/rfc3339.hpp"
#include "tollgate/redis/connection.hpp"
#include "tollgate/store/lease_book.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <stdexcept>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace tollgate::store {
namespace {

using namespace redis_layout;

using redis::command;
using redis::value;

// How often the lease keeper closes leases past their time and retries the settlements of
// leases the store could not take.
constexpr auto lease_tick = std::chrono::milliseconds(100);
// After drain(), how many ticks the keeper keeps retrying before it gives up (what it gives
// up expires in Redis, charged in full).
constexpr int drain_attempts = 20;
// How many lease answers a request waits for (each may be spent by the requests that waited
// with it) before it asks Redis itself.
constexpr int max_lease_waits = 3;

class redis_store final : public store, public std::enable_shared_from_this<redis_store> {
public:
    redis_store(net::io_context& ioc, std::shared_ptr<redis::connection> c)
        : ioc_(ioc),
          c_(std::move(c)),
          reserves_(std::bind_front(&redis_quota::reserve_batch, c_),
                    redis_quota::max_reserve_batch),
          settles_(std::bind_front(&redis_quota::settle_batch, c_), redis_quota::max_settle_batch) {
    }
    ~redis_store() override { c_->close(); }

    task<result<consumer>> create_consumer(consumer c) override {
        // The list entry first: a lost connection between the two leaves a list entry with
        // no consumer, which listing skips, never a consumer missing from the list.
        auto r = co_await c_->run(batch(cmd("ZADD", consumer_list, "0", c.id),
                                        cmd("SET", consumer_key(c.id), to_json(c).dump(), "NX")));
        if (!r) {
            co_return r.error();
        }
        if ((*r)[1].is_error() || (*r)[0].is_error()) {
            co_return reply_error((*r)[1], "create consumer");
        }
        if ((*r)[1].is_nil()) {
            co_return error::already_exists;
        }
        co_return c;
    }

    task<result<consumer>> get_consumer(std::string id) override {
        auto r = co_await c_->run(cmd("GET", consumer_key(id)));
        if (!r) {
            co_return r.error();
        }
        if (r->is_nil()) {
            co_return error::not_found;
        }
        auto c = parse_consumer(*r);
        if (!c) {
            co_return reply_error(*r, "read consumer");
        }
        co_return std::move(*c);
    }

    task<result<consumer_page>> list_consumers(std::string cursor, std::size_t limit) override {
        consumer_page page;
        std::string from = cursor.empty() ? "-" : "(" + cursor;
        // Entries whose consumer is gone (see create/delete) are skipped: read on until the
        // page is full or the list ends.
        while (page.items.size() < limit) {
            const std::size_t want = limit - page.items.size() + 1;
            auto ids = co_await c_->run(cmd(
                "ZRANGE", consumer_list, from, "+", "BYLEX", "LIMIT", "0", std::to_string(want)));
            if (!ids) {
                co_return ids.error();
            }
            if (ids->type != value::kind::array) {
                co_return reply_error(*ids, "list consumers");
            }
            if (ids->elements.empty()) {
                break;
            }
            std::vector<command> gets;
            for (const auto& id : ids->elements) {
                gets.push_back(cmd("GET", consumer_key(id.str)));
            }
            auto recs = co_await c_->run(std::move(gets));
            if (!recs) {
                co_return recs.error();
            }
            bool more = false;
            for (std::size_t i = 0; i < recs->size(); ++i) {
                if (page.items.size() == limit) {
                    more = true;
                    break;
                }
                from = "(" + ids->elements[i].str;
                if (auto c = parse_consumer((*recs)[i])) {
                    page.items.push_back(std::move(*c));
                }
            }
            if (more) {
                page.next_cursor = page.items.back().id;
                break;
            }
            if (ids->elements.size() < want) {
                break;  // the list ended
            }
        }
        co_return page;
    }

    task<result<consumer>> update_consumer(consumer c) override {
        auto r = co_await c_->run(batch(cmd("SET", consumer_key(c.id), to_json(c).dump(), "XX"),
                                        cmd("PUBLISH", channel, "c " + c.id)));
        if (!r) {
            co_return r.error();
        }
        if ((*r)[0].is_error()) {
            co_return reply_error((*r)[0], "update consumer");
        }
        if ((*r)[0].is_nil()) {
            co_return error::not_found;
        }
        co_return c;
    }

    task<result<void>> delete_consumer(std::string id) override {
        for (int attempt = 0; attempt < 5; ++attempt) {
            auto members = co_await c_->run(cmd("SMEMBERS", keyset_key(id)));
            if (!members) {
                co_return members.error();
            }
            auto keys = strings(consumer_key(id), keyset_key(id));
            std::vector<std::string> ids;
            std::vector<command> reads;
            for (const auto& m : members->elements) {
                keys.push_back(key_key(id, m.str));
                ids.push_back(m.str);
                reads.push_back(cmd("GET", key_key(id, m.str)));
            }
            // The records, for their digests (the index entries to remove afterwards).
            std::vector<std::string> digests;
            if (!reads.empty()) {
                auto recs = co_await c_->run(std::move(reads));
                if (!recs) {
                    co_return recs.error();
                }
                for (const auto& v : *recs) {
                    if (auto k = parse_key(v)) {
                        digests.push_back(k->digest);
                    }
                }
            }
            auto r = co_await c_->run(eval(del_consumer_script, keys, ids));
            if (!r) {
                co_return r.error();
            }
            if (r->is_error()) {
                co_return reply_error(*r, "delete consumer");
            }
            if (r->integer == -1) {
                continue;  // a key was minted meanwhile
            }
            if (r->integer == 0) {
                co_return error::not_found;
            }
            auto cleanup =
                batch(cmd("ZREM", consumer_list, id), cmd("PUBLISH", channel, "c " + id));
            for (const auto& d : digests) {
                cleanup.push_back(cmd("DEL", digest_index(d)));
            }
            for (const auto& k : ids) {
                cleanup.push_back(cmd("DEL", id_index(k)));
            }
            // The consumer is gone, so its keys are refused even if this cleanup is lost.
            co_await c_->run(std::move(cleanup));
            co_return result<void>();
        }
        co_return error::store_unavailable;
    }

    task<result<key_record>> add_key(key_record k) override {
        co_return co_await redis_keys::add_key(*c_, std::move(k));
    }

    task<result<std::vector<key_record>>> list_keys(std::string consumer_id) override {
        co_return co_await redis_keys::list_keys(*c_, std::move(consumer_id));
    }

    task<result<key_record>> get_key(std::string key_id) override {
        co_return co_await redis_keys::get_key(*c_, std::move(key_id));
    }

    task<result<void>> revoke_key(std::string key_id) override {
        co_return co_await redis_keys::revoke_key(*c_, std::move(key_id));
    }

    task<result<key_record>> rotate_key(std::string key_id,
                                        key_record successor,
                                        std::int64_t old_expires_at) override {
        co_return co_await redis_keys::rotate_key(
            *c_, std::move(key_id), std::move(successor), old_expires_at);
    }

    task<result<key_grant>> find_key(auth::key_digest digest) override {
        co_return co_await redis_keys::find_key(*c_, digest);
    }

    task<result<void>> ping() override {
        auto r = co_await c_->run(cmd("PING"));
        if (!r) {
            co_return r.error();
        }
        if (r->is_error()) {
            co_return reply_error(*r, "ping");
        }
        co_return result<void>();
    }

    task<result<reservation_result>> reserve(reservation_request r) override {
        if (r.lease.requests <= 1) {
            co_return co_await reserves_.call(std::move(r));
        }
        co_return co_await reserve_leased(std::move(r));
    }

    task<result<bool>> settle(std::string consumer,
                              std::string request_id,
                              std::vector<config::limit> limits,
                              std::int64_t reserved_at,
                              quota::amounts actual) override {
        // A named item, not a braced temporary in the call: GCC 12 miscompiles the latter
        // as a coroutine's by-value argument (its strings ended up in a freed frame).
        if (!book_.empty()) {
            auto drawn = book_.settle(consumer, request_id, actual);
            if (drawn.ours) {
                if (drawn.lease_due) {
                    co_await settle_lease(std::move(*drawn.lease_due));
                }
                co_return true;  // the lease's settlement is this store's to deliver now
            }
        }
        redis_quota::settle_item item{
            std::move(consumer), std::move(request_id), std::move(limits), reserved_at, actual};
        co_return co_await settles_.call(std::move(item));
    }

    void drain() override {
        draining_ = true;
        if (!book_.empty() || !unsettled_.empty()) {
            start_keeper();
        }
    }

    task<result<bool>> charge(std::string consumer,
                              std::string request_id,
                              std::vector<config::limit> limits,
                              std::int64_t at,
                              quota::amounts actual) override {
        co_return co_await redis_quota::charge(
            *c_, std::move(consumer), std::move(request_id), std::move(limits), at, actual);
    }

    task<result<std::pair<std::vector<quota::bucket>, std::int64_t>>> usage(
        std::string consumer, std::vector<config::limit> limits) override {
        co_return co_await redis_quota::usage(*c_, std::move(consumer), std::move(limits));
    }

private:
    // A request of a consumer with leasing on: from a lease this worker holds when one has
    // room, else from Redis, asking for a lease (lease_book.hpp).
    task<result<reservation_result>> reserve_leased(reservation_request r) {
        auto limits = redis_quota::applicable(r.limits, r.model);
        if (limits.empty()) {
            co_return co_await reserves_.call(std::move(r));
        }
        // While a request of this consumer asks Redis for a lease, the next ones wait for it
        // rather than each reserving (and leasing) on its own: near a limit, leases taken at
        // once by concurrent requests would hold what none of them uses.
        for (int wait = 0;; ++wait) {
            if (const auto session = c_->session(); session != 0) {
                if (auto hit = book_.draw(r, limits, session, lease_book::clock::now())) {
                    co_return std::move(*hit);
                }
            }
            const auto asking = leasing_.find(r.consumer);
            if (asking == leasing_.end() || wait == max_lease_waits) {
                break;
            }
            const auto gate = asking->second;
            co_await gate->async_wait(use_nothrow_awaitable);  // cancelled when it is answered
        }
        const auto [ask, ours] = leasing_.try_emplace(r.consumer);
        std::shared_ptr<net::steady_timer> gate;
        if (ours) {
            gate = std::make_shared<net::steady_timer>(ioc_, net::steady_timer::time_point::max());
            ask->second = gate;
        } else {
            r.lease.requests = 1;  // one lease asked at a time: this one reserves for itself
        }
        // What the lease needs of the request once it is sent (not its copy of the limits).
        reservation_request first;
        first.consumer = r.consumer;
        first.request_id = r.request_id;
        first.prompt_tokens = r.prompt_tokens;
        first.price = r.price;
        first.lease = r.lease;
        // The lease outlives its first request by up to max_age: so must its deadline.
        r.ttl_seconds += (r.lease.max_age_ms + 999) / 1000;
        auto res = co_await reserves_.call(std::move(r));
        if (res && res->fits) {
            book_.open(first, limits, *res, c_->session(), lease_book::clock::now());
            start_keeper();
        }
        if (gate) {
            leasing_.erase(first.consumer);
            gate->cancel();
        }
        co_return res;
    }

    // Settles a lease in Redis; one the store could not take is retried by the keeper.
    task<void> settle_lease(lease_book::settlement s) {
        redis_quota::settle_item item{std::move(s.consumer),
                                      std::move(s.lease_id),
                                      std::move(s.limits),
                                      s.reserved_at,
                                      s.actual};
        auto done = co_await settles_.call(item);
        if (!done) {
            unsettled_.push_back(std::move(item));
            start_keeper();
        } else if (!*done) {
            spdlog::warn(
                "quota: lease {} of consumer {} was no longer held by the store (it expired and "
                "was charged in full, or the store lost its data)",
                item.request_id,
                item.consumer);
        }
    }

    void start_keeper() {
        if (!keeper_running_) {
            keeper_running_ = true;
            net::co_spawn(ioc_, keep(shared_from_this()), net::detached);
        }
    }

    // While this worker holds leases: closes those past their time and settles them in
    // Redis, and retries what Redis could not take. Holds the store (and its connection)
    // until then, also after the worker let go of it at shutdown.
    static task<void> keep(std::shared_ptr<redis_store> self) {
        net::steady_timer timer(self->ioc_);
        int attempts_left = drain_attempts;
        while (!self->book_.empty() || !self->unsettled_.empty()) {
            timer.expires_after(lease_tick);
            co_await timer.async_wait(use_nothrow_awaitable);
            auto due = self->draining_
                           ? self->book_.close_all()
                           : self->book_.due(lease_book::clock::now(), self->c_->session());
            std::deque<redis_quota::settle_item> retry;
            retry.swap(self->unsettled_);
            for (auto& item : retry) {
                lease_book::settlement again{std::move(item.consumer),
                                             std::move(item.request_id),
                                             std::move(item.limits),
                                             item.reserved_at,
                                             item.actual};
                co_await self->settle_lease(std::move(again));
            }
            for (auto& d : due) {
                co_await self->settle_lease(std::move(d));
            }
            if (self->draining_ && --attempts_left <= 0) {
                spdlog::error(
                    "quota: {} lease settlements could not reach Redis before shutdown "
                    "(they expire charged in full)",
                    self->unsettled_.size() + self->book_.in_flight());
                break;
            }
        }
        self->keeper_running_ = false;
    }

    net::io_context& ioc_;
    std::shared_ptr<redis::connection> c_;
    // Reservations and settlements go in batches while one of their kind is in flight.
    coalescer<reservation_request, reservation_result> reserves_;
    coalescer<redis_quota::settle_item, bool> settles_;
    lease_book book_;
    std::deque<redis_quota::settle_item> unsettled_;  // lease settlements Redis did not take
    // Consumers whose lease is being asked for, each with a timer that never expires: the
    // requests waiting for that answer wait on it, and it is cancelled to wake them.
    std::unordered_map<std::string, std::shared_ptr<net::steady_timer>> leasing_;
    bool keeper_running_ = false;
    bool draining_ = false;
};

class redis_backend final : public backend {
public:
    explicit redis_backend(const config::store_config& cfg) {
        std::string why;
        auto u = redis::parse_url(cfg.url, &why);
        if (!u) {
            throw std::runtime_error("store.url: " + why);
        }
        settings_.where = *u;
        settings_.connect_timeout = cfg.connect_timeout;
        settings_.command_timeout = cfg.command_timeout;
        settings_.reconnect_max = cfg.reconnect_max;
        settings_.max_pending = cfg.max_pending;
        settings_.verify_tls = cfg.verify_tls;
        if (u->tls) {
            settings_.tls = redis::make_tls_context(cfg.ca_file, cfg.verify_tls);
        }
    }

    std::shared_ptr<store> open(net::io_context& ioc) override {
        return std::make_shared<redis_store>(ioc, redis::connection::open(ioc, settings_));
    }

    void watch(net::io_context& ioc, invalidation_handler on) override {
        subscriber_ = redis::connection::open(ioc, settings_);
        subscriber_->subscribe(
            channel,
            [on](std::string_view msg) {
                if (msg.size() < 3 || msg[1] != ' ') {
                    return;
                }
                const auto what =
                    msg[0] == 'k' ? invalidation::scope::key : invalidation::scope::consumer;
                on(invalidation{what, std::string(msg.substr(2))});
            },
            // Messages published while we were not subscribed are lost: forget everything.
            [on] {
                on(invalidation{invalidation::scope::everything, ""});
            });
    }

    ~redis_backend() override {
        if (subscriber_) {
            subscriber_->close();
        }
    }

private:
    redis::settings settings_;
    std::shared_ptr<redis::connection> subscriber_;
};

}  // namespace

std::unique_ptr<backend> make_redis_backend(const config::store_config& cfg) {
    return std::make_unique<redis_backend>(cfg);
}

}  // namespace tollgate::store
