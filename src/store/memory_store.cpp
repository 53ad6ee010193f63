#include "tollgate/store/memory_store.hpp"

#include "tollgate/core/adaptive_mutex.hpp"
#include "tollgate/core/error.hpp"
#include "tollgate/core/rfc3339.hpp"
#include "tollgate/quota/ledger.hpp"
#include "tollgate/quota/window.hpp"
#include "tollgate/store/journal.hpp"
#include "tollgate/store/usage_log.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace tollgate::store {
namespace {

// The data and the journal; shared by every thread, guarded by `lock`.
class memory_state {
public:
    explicit memory_state(const config::store_config& cfg) : compact_after_(cfg.compact_after) {
        if (cfg.path.empty()) {
            return;
        }
        auto [file, contents] = journal_file::open(cfg.path, cfg.fsync);
        for (const auto& batch : contents.batches) {
            for (const auto& op : batch) {
                apply(op);
            }
        }
        if (contents.torn_tail) {
            spdlog::warn(
                "store journal {}: skipped a torn last record (a write cut short by a "
                "crash); it was never acknowledged",
                cfg.path);
        }
        spdlog::info(
            "store journal {}: {} consumers, {} keys", cfg.path, consumers_.size(), keys_.size());
        journal_.emplace(std::move(file));
        usage_.emplace(
            usage_log::options{
                cfg.path + ".usage", cfg.fsync, cfg.usage_commit_interval, cfg.usage_compact_bytes},
            ledger_,
            quota_lock);
    }

    // Journals `ops` and applies them; false (nothing changed) when the journal write fails.
    bool commit(const json& ops) {
        if (journal_ && !journal_->append(ops)) {
            spdlog::error("store journal {}: write failed; the change was refused",
                          journal_->path());
            return false;
        }
        for (const auto& op : ops) {
            apply(op);
        }
        if (journal_ && journal_->appended() >= compact_after_) {
            compact();
        }
        return true;
    }

    void notify(invalidation inv) {
        if (on_change_) {
            on_change_(inv);
        }
    }

    mutable std::shared_mutex lock;
    invalidation_handler on_change_;
    // Quota accounts, under their own lock: every metered request takes it twice, the
    // consumers and keys above rarely. Made durable by the usage log (with store.path).
    adaptive_mutex quota_lock;
    quota::ledger ledger_;
    std::optional<usage_log> usage_;  // null without store.path; goes before the ledger
    std::map<std::string, consumer> consumers_;
    std::unordered_map<std::string, key_record> keys_;        // by key id
    std::unordered_map<std::string, std::string> by_digest_;  // digest hex -> key id
    std::map<std::string, std::set<std::string>> keys_of_;    // consumer id -> key ids

private:
    void apply(const json& op) {
        const auto& kind = op.at("op").get_ref<const std::string&>();
        if (kind == "put_consumer") {
            auto c = consumer_from_json(op.at("consumer"));
            consumers_[c.id] = std::move(c);
        } else if (kind == "del_consumer") {
            const auto id = op.at("id").get<std::string>();
            if (auto it = keys_of_.find(id); it != keys_of_.end()) {
                for (const auto& key_id : std::set<std::string>(it->second)) {
                    drop_key(key_id);
                }
            }
            keys_of_.erase(id);
            consumers_.erase(id);
        } else if (kind == "put_key") {
            auto k = key_from_json(op.at("key"));
            by_digest_[k.digest] = k.id;
            keys_of_[k.consumer_id].insert(k.id);
            keys_[k.id] = std::move(k);
        } else if (kind == "del_key") {
            drop_key(op.at("id").get<std::string>());
        } else {
            throw std::runtime_error("store journal: unknown operation '" + kind + "'");
        }
    }

    void drop_key(const std::string& id) {
        const auto it = keys_.find(id);
        if (it == keys_.end()) {
            return;
        }
        by_digest_.erase(it->second.digest);
        if (auto owner = keys_of_.find(it->second.consumer_id); owner != keys_of_.end()) {
            owner->second.erase(id);
        }
        keys_.erase(it);
    }

    void compact() {
        json snapshot = json::array();
        for (const auto& [id, c] : consumers_) {
            snapshot.push_back({{"op", "put_consumer"}, {"consumer", to_json(c)}});
        }
        for (const auto& [id, k] : keys_) {
            snapshot.push_back({{"op", "put_key"}, {"key", to_json(k, true)}});
        }
        if (!journal_->rewrite(snapshot)) {
            spdlog::warn("store journal {}: compaction failed; the journal keeps growing",
                         journal_->path());
        }
    }

    std::optional<journal_file> journal_;
    std::size_t compact_after_;
};

json put_consumer(const consumer& c) {
    return {{"op", "put_consumer"}, {"consumer", to_json(c)}};
}
json put_key(const key_record& k) {
    return {{"op", "put_key"}, {"key", to_json(k, true)}};
}

class memory_store final : public store {
public:
    // Each store opened (one per worker) owns its reservations in the shared ledger.
    explicit memory_store(std::shared_ptr<memory_state> s) : s_(std::move(s)) {
        std::lock_guard lock(s_->quota_lock);
        owner_ = s_->ledger_.add_owner();
    }

    task<result<consumer>> create_consumer(consumer c) override {
        std::unique_lock lock(s_->lock);
        if (s_->consumers_.contains(c.id)) {
            co_return error::already_exists;
        }
        if (!s_->commit(json::array({put_consumer(c)}))) {
            co_return error::store_unavailable;
        }
        co_return c;
    }

    task<result<consumer>> get_consumer(std::string id) override {
        std::shared_lock lock(s_->lock);
        const auto it = s_->consumers_.find(id);
        if (it == s_->consumers_.end()) {
            co_return error::not_found;
        }
        co_return it->second;
    }

    task<result<consumer_page>> list_consumers(std::string cursor, std::size_t limit) override {
        std::shared_lock lock(s_->lock);
        consumer_page page;
        auto it = s_->consumers_.upper_bound(cursor);
        for (; it != s_->consumers_.end() && page.items.size() < limit; ++it) {
            page.items.push_back(it->second);
        }
        if (it != s_->consumers_.end() && !page.items.empty()) {
            page.next_cursor = page.items.back().id;
        }
        co_return page;
    }

    task<result<consumer>> update_consumer(consumer c) override {
        {
            std::unique_lock lock(s_->lock);
            if (!s_->consumers_.contains(c.id)) {
                co_return error::not_found;
            }
            if (!s_->commit(json::array({put_consumer(c)}))) {
                co_return error::store_unavailable;
            }
        }
        s_->notify({invalidation::scope::consumer, c.id});
        co_return c;
    }

    task<result<void>> delete_consumer(std::string id) override {
        {
            std::unique_lock lock(s_->lock);
            if (!s_->consumers_.contains(id)) {
                co_return error::not_found;
            }
            if (!s_->commit(json::array({{{"op", "del_consumer"}, {"id", id}}}))) {
                co_return error::store_unavailable;
            }
        }
        s_->notify({invalidation::scope::consumer, id});
        co_return result<void>();
    }

    task<result<key_record>> add_key(key_record k) override {
        std::unique_lock lock(s_->lock);
        if (!s_->consumers_.contains(k.consumer_id)) {
            co_return error::not_found;
        }
        if (s_->keys_.contains(k.id) || s_->by_digest_.contains(k.digest)) {
            co_return error::already_exists;
        }
        if (!s_->commit(json::array({put_key(k)}))) {
            co_return error::store_unavailable;
        }
        co_return k;
    }

    task<result<std::vector<key_record>>> list_keys(std::string consumer_id) override {
        std::shared_lock lock(s_->lock);
        if (!s_->consumers_.contains(consumer_id)) {
            co_return error::not_found;
        }
        std::vector<key_record> out;
        if (auto it = s_->keys_of_.find(consumer_id); it != s_->keys_of_.end()) {
            for (const auto& id : it->second) {
                out.push_back(s_->keys_.at(id));
            }
        }
        co_return out;
    }

    task<result<key_record>> get_key(std::string key_id) override {
        std::shared_lock lock(s_->lock);
        const auto it = s_->keys_.find(key_id);
        if (it == s_->keys_.end()) {
            co_return error::not_found;
        }
        co_return it->second;
    }

    task<result<void>> revoke_key(std::string key_id) override {
        {
            std::unique_lock lock(s_->lock);
            if (!s_->keys_.contains(key_id)) {
                co_return error::not_found;
            }
            if (!s_->commit(json::array({{{"op", "del_key"}, {"id", key_id}}}))) {
                co_return error::store_unavailable;
            }
        }
        s_->notify({invalidation::scope::key, key_id});
        co_return result<void>();
    }

    task<result<key_record>> rotate_key(std::string key_id,
                                        key_record successor,
                                        std::int64_t old_expires_at) override {
        {
            std::unique_lock lock(s_->lock);
            const auto it = s_->keys_.find(key_id);
            if (it == s_->keys_.end()) {
                co_return error::not_found;
            }
            json ops = json::array({put_key(successor)});
            if (old_expires_at <= unix_now()) {
                ops.push_back({{"op", "del_key"}, {"id", key_id}});
            } else {
                key_record old = it->second;
                old.expires_at =
                    old.expires_at ? std::min(*old.expires_at, old_expires_at) : old_expires_at;
                ops.push_back(put_key(old));
            }
            if (!s_->commit(ops)) {
                co_return error::store_unavailable;
            }
        }
        s_->notify({invalidation::scope::key, key_id});
        co_return successor;
    }

    task<result<key_grant>> find_key(auth::key_digest digest) override {
        std::shared_lock lock(s_->lock);
        const auto id = s_->by_digest_.find(auth::to_hex(digest));
        if (id == s_->by_digest_.end()) {
            co_return error::not_found;
        }
        const auto& k = s_->keys_.at(id->second);
        const auto owner = s_->consumers_.find(k.consumer_id);
        if (owner == s_->consumers_.end()) {
            co_return error::not_found;
        }
        co_return key_grant{k, owner->second};
    }

    task<result<void>> ping() override { co_return result<void>(); }

    bool reserve_now(reservation_request& r, reservation_result& out) override {
        // A fresh answer, but for the vectors' capacity.
        auto after = std::move(out.after);
        auto resets_at = std::move(out.resets_at);
        out = reservation_result{};
        out.after = std::move(after);
        out.after.clear();
        out.resets_at = std::move(resets_at);
        out.resets_at.clear();
        std::erase_if(r.limits, [&r](const auto& l) { return !quota::applies(l, r.model); });
        if (r.limits.empty()) {  // nothing limits this model: nothing to hold or settle
            out.fits = true;
            out.now = unix_now();
            out.completion_tokens = r.completion_tokens.value_or(r.completion_cap);
            return true;
        }
        std::lock_guard lock(s_->quota_lock);
        auto& ledger = s_->ledger_;
        out.now = unix_now();
        ledger.expire(out.now);
        const auto at = ledger.buckets_at(r.consumer, r.limits, out.now);
        auto& before = out.after;  // the same vector, read again once reserved
        at.states(before);
        out.completion_tokens = quota::completion_grant(r.limits,
                                                        before,
                                                        r.prompt_tokens,
                                                        r.completion_tokens,
                                                        r.clamp,
                                                        r.completion_cap,
                                                        r.price,
                                                        r.model);
        const auto want = quota::charge_for(r.prompt_tokens, out.completion_tokens, r.price);
        const auto d = ledger.reserve(r.consumer,
                                      r.request_id,
                                      r.limits,
                                      at,
                                      before,
                                      want,
                                      r.model,
                                      out.now,
                                      out.now + r.ttl_seconds,
                                      owner_);
        if (d.fits && s_->usage_) {
            usage_records::reserved(s_->usage_->pending(),
                                    r.consumer,
                                    r.request_id,
                                    r.limits,
                                    want,
                                    out.now,
                                    out.now + r.ttl_seconds);
        }
        out.fits = d.fits;
        out.blocking = d.blocking;
        out.retry_after = d.retry_after;
        if (out.fits) {
            at.states(out.after);
        } else {
            out.after.clear();
        }
        out.resets_at.reserve(r.limits.size());
        for (const auto& l : r.limits) {
            out.resets_at.push_back(quota::window_at(l.per, out.now).end);
        }
        return true;
    }

    task<result<reservation_result>> reserve(reservation_request r) override {
        reservation_result out;
        reserve_now(r, out);
        co_return out;
    }

    std::optional<result<bool>> settle_now(std::string_view consumer,
                                           std::string_view request_id,
                                           std::int64_t,
                                           const quota::amounts& actual) override {
        std::lock_guard lock(s_->quota_lock);
        s_->ledger_.expire(unix_now());  // past its deadline: charged in full, not settled
        const bool settled = s_->ledger_.settle(consumer, request_id, actual, owner_);
        if (settled && s_->usage_) {
            usage_records::settled(s_->usage_->pending(), consumer, request_id, actual);
        }
        return settled;
    }

    task<result<bool>> settle(std::string consumer,
                              std::string request_id,
                              std::vector<config::limit>,
                              std::int64_t reserved_at,
                              quota::amounts actual) override {
        co_return *settle_now(consumer, request_id, reserved_at, actual);
    }

    task<result<bool>> charge(std::string consumer,
                              std::string request_id,
                              std::vector<config::limit> limits,
                              std::int64_t at,
                              quota::amounts actual) override {
        std::lock_guard lock(s_->quota_lock);
        const bool added = s_->ledger_.add(consumer, request_id, limits, actual, at);
        if (added && s_->usage_) {
            usage_records::added(s_->usage_->pending(), consumer, request_id, limits, actual, at);
        }
        co_return added;
    }

    task<result<std::pair<std::vector<quota::bucket>, std::int64_t>>> usage(
        std::string consumer, std::vector<config::limit> limits) override {
        std::lock_guard lock(s_->quota_lock);
        const auto now = unix_now();
        s_->ledger_.expire(now);
        co_return std::pair{s_->ledger_.states(consumer, limits, now), now};
    }

private:
    std::shared_ptr<memory_state> s_;
    quota::ledger::owner_id owner_ = 0;
};

class memory_backend final : public backend {
public:
    explicit memory_backend(const config::store_config& cfg)
        : state_(std::make_shared<memory_state>(cfg)) {}

    // A store per worker: each owns its reservations (quota::ledger), everything else is
    // shared state.
    std::shared_ptr<store> open(net::io_context&) override {
        return std::make_shared<memory_store>(state_);
    }

    void watch(net::io_context& ioc, invalidation_handler on) override {
        std::unique_lock lock(state_->lock);
        state_->on_change_ = [&ioc, on = std::move(on)](const invalidation& inv) {
            net::post(ioc, [on, inv] { on(inv); });
        };
    }

private:
    std::shared_ptr<memory_state> state_;
};

}  // namespace

std::unique_ptr<backend> make_memory_backend(const config::store_config& cfg) {
    return std::make_unique<memory_backend>(cfg);
}

}  // namespace tollgate::store
