#include "tollgate/server/worker.hpp"

#include "tollgate/server/crash_report.hpp"
#include "tollgate/server/logging.hpp"
#include "tollgate/store/store.hpp"

#include <cstring>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace tollgate::server {

worker::worker(std::shared_ptr<const runtime> rt)
    : guard_(net::make_work_guard(ioc_)),
      runtime_(std::move(rt)),
      keys_(runtime_->cfg.auth.cache_size),
      counts_(runtime_->cfg.tokenizer.count_cache_entries),
      metrics_(runtime_->cfg.metrics.max_series),
      random_(std::random_device{}()) {}

void worker::next_request_id(std::string& id) {
    // 64 random bits drawn once per worker, then a per-worker counter: unique across
    // workers and restarts, and cheap (only the counter half is formatted per request).
    static constexpr char hex[] = "0123456789abcdef";
    if (id_prefix_.empty()) {
        const std::uint64_t r = random_();
        for (int i = 0; i < 16; ++i) {
            id_prefix_ += hex[(r >> (60 - 4 * i)) & 15];
        }
    }
    // Written in place: a connection's id strings are reused, so after the first request the
    // resize neither allocates nor fills.
    id.resize(32);
    std::memcpy(id.data(), id_prefix_.data(), 16);
    std::uint64_t n = ++counter_;
    for (int i = 31; i >= 16; --i, n >>= 4) {
        id[static_cast<std::size_t>(i)] = hex[n & 15];
    }
}

void worker::start(store::backend& backend, store::backend* fallback) {
    net::post(ioc_, [this, &backend, fallback] {
        store_ = backend.open(ioc_);
        if (fallback) {
            fallback_ = fallback->open(ioc_);
        }
        watchdog::refresh_coarse_now();
        schedule_tick();
    });
    thread_ = std::thread([this] {
        prepare_thread_for_crash_report();
        ioc_.run();
        if (backlog_.size() > 0) {
            spdlog::error(
                "quota: {} settlements or charges could not reach the store before shutdown "
                "(unsettled reservations expire charged in full)",
                backlog_.size());
        }
        write_access_batch(access_.take());
    });
}

void worker::log_access(const access_record& r) {
    metrics_.record({r.route,
                     r.status,
                     r.upstream,
                     r.consumer,
                     r.model,
                     r.prompt_tokens,
                     r.completion_tokens,
                     r.cached_tokens,
                     r.reasoning_tokens,
                     r.cost_pico_usd,
                     r.admission,
                     r.latency,
                     r.upstream_time,
                     r.upstream_ttfb});
    const auto& log = runtime_->cfg.log;
    if (!log.access_log) {
        return;
    }
    access_.add(r, log.format, std::chrono::system_clock::now());
    if (access_.bytes() >= 16 * 1024) {
        write_access_batch(access_.take());
    } else if (!access_timer_armed_) {
        access_timer_armed_ = true;
        access_timer_.expires_after(std::chrono::milliseconds(100));
        access_timer_.async_wait([this](const boost::system::error_code&) {
            access_timer_armed_ = false;
            write_access_batch(access_.take());
        });
    }
}

void worker::swap_runtime(std::shared_ptr<const runtime> rt) {
    net::post(ioc_, [this, rt = std::move(rt)]() mutable {
        const auto entries = rt->cfg.tokenizer.count_cache_entries;
        if (entries != runtime_->cfg.tokenizer.count_cache_entries) {
            counts_ = metering::count_cache(entries);
        }
        runtime_ = std::move(rt);
    });
}

void worker::invalidate(const store::invalidation& inv) {
    net::post(ioc_, [this, inv] {
        switch (inv.what) {
            case store::invalidation::scope::key:
                keys_.drop_key(inv.id);
                break;
            case store::invalidation::scope::consumer:
                keys_.drop_consumer(inv.id);
                break;
            case store::invalidation::scope::everything:
                keys_.clear();
                break;
        }
    });
}

void worker::defer_charge(pending_charge c) {
    const auto& q = runtime_->cfg.quota;
    backlog_.push(*store_, std::move(c), q.backlog_limit, q.backlog_retry);
}

void worker::start_draining() {
    net::post(ioc_, [this] {
        draining_ = true;
        guard_.reset();
        pool_.clear();
        for (auto* s : sessions_) {
            if (s->idle && s->io) {
                s->io->cancel();
            }
        }
    });
}

void worker::schedule_tick() {
    tick_timer_.expires_after(tick_period);
    tick_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            tick();
        }
    });
}

// What the objects of this thread keep, copied where the scrape can read it.
void worker::publish_gauges() {
    metrics_.client_connections.set(sessions_.size());
    metrics_.upstream_idle_connections.set(pool_.idle_total());
    metrics_.charge_backlog.set(backlog_.size());
    metrics_.key_cache_entries.set(keys_.size());
    metrics_.key_cache_hits.set(keys_.hits());
    metrics_.key_cache_misses.set(keys_.misses());
    if (store_) {
        const auto s = store_->stats();
        metrics_.store_commands.set(s.commands);
        metrics_.store_errors.set(s.errors);
        metrics_.store_timeouts.set(s.timeouts);
        if (s.latency) {
            metrics_.store_latency.copy_from(*s.latency);
        }
        metrics_.leases_held.set(s.leases_held);
    }
}

void worker::tick() {
    const auto now = watchdog::refresh_coarse_now();
    for (auto* s : sessions_) {
        if (s->client.due <= now) {
            s->client.fired = true;
            s->client.disarm();
            s->io->cancel();
        }
        if (s->upstream.due <= now) {
            s->upstream.fired = true;
            s->upstream.disarm();
            if (s->watcher && s->watcher->upstream()) {
                boost::system::error_code ignored;
                s->watcher->upstream()->cancel(ignored);
            }
        }
        if (s->watch.due <= now) {
            s->watch.disarm();
            if (s->watcher) {
                proxy::client_watch::start(s->watcher);
            }
        }
    }
    // Idle upstream connections past their keep-alive limit are closed by us, in a lull too,
    // before the upstream closes them.
    pool_.sweep(now);
    publish_gauges();
    if (!(draining_ && sessions_.empty())) {
        schedule_tick();  // when the last session of a drain is gone, let run() return
    } else if (store_) {
        store_->drain();  // leases go back to Redis before its connection closes
        store_.reset();   // a Redis connection closes with its last handle
    }
}

void worker::join() {
    if (thread_.joinable()) {
        thread_.join();
    }
}

}  // namespace tollgate::server
