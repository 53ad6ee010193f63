#include "tollgate/store/redis_store.hpp"

#include "redis_commands.hpp"
#include "redis_keys.hpp"
#include "redis_layout.hpp"
#include "redis_quota.hpp"
#include "redis_records.hpp"
#include "redis_reservations.hpp"
#include "tollgate/core/error.hpp"
#include "tollgate/core/rfc3339.hpp"
#include "tollgate/redis/connection.hpp"

#include <stdexcept>

namespace tollgate::store {
namespace {

using namespace redis_layout;

using redis::command;
using redis::value;

class redis_store final : public store {
public:
    redis_store(net::io_context& ioc, std::shared_ptr<redis::connection> c)
        : c_(c), quota_(std::make_shared<redis_reservations>(ioc, std::move(c))) {}

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
        co_return co_await quota_->reserve(std::move(r));
    }

    task<result<bool>> settle(std::string consumer,
                              std::string request_id,
                              std::vector<config::limit> limits,
                              std::int64_t reserved_at,
                              quota::amounts actual) override {
        // A named item, not a braced temporary in the call: GCC 12 miscompiles the latter
        // as a coroutine's by-value argument (its strings ended up in a freed frame).
        settlement s{
            std::move(consumer), std::move(request_id), std::move(limits), reserved_at, actual};
        co_return co_await quota_->settle(std::move(s));
    }

    void drain() override { quota_->drain(); }

    store_stats stats() const override {
        const auto& c = c_->stats();
        return {c.batches, c.errors, c.timeouts, &c.latency, quota_->leases()};
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
    std::shared_ptr<redis::connection> c_;
    // Reservations and settlements; it closes the connection when it is done with it, which
    // may be after this store is gone (leases given back at shutdown).
    std::shared_ptr<redis_reservations> quota_;
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
