#include "tollgate/upstream/balancer.hpp"

#include <algorithm>

namespace tollgate::upstream {

balancer::balancer(const config::upstream_config& cfg,
                   std::vector<unsigned> weights,
                   std::size_t max_in_flight)
    : mode_(cfg.balancing),
      health_(cfg.health),
      budget_(cfg.retries.budget),
      min_per_second_(cfg.retries.min_per_second),
      cap_(max_in_flight),
      retry_tokens_(cfg.retries.min_per_second) {
    for (const unsigned w : weights) {
        endpoints_.push_back({std::max(1u, w)});
    }
}

bool balancer::is_candidate(std::size_t i, time_point now, std::uint64_t avoid, bool panic) const {
    const auto& e = endpoints_[i];
    if (cap_ != 0 && e.in_flight >= cap_) {
        return false;
    }
    if (i < 64 && (avoid >> i & 1u) != 0) {
        return false;
    }
    return panic || e.ejected_until <= now;
}

std::optional<std::size_t> balancer::pick(time_point now, std::uint64_t tried) {
    const std::size_t n = endpoints_.size();
    // Widen the choice step by step: healthy and untried; healthy; anything under its cap.
    const std::uint64_t avoid_sets[] = {tried, 0, 0};
    const bool panic_sets[] = {false, false, true};
    for (int round = 0; round < 3; ++round) {
        const std::uint64_t avoid = avoid_sets[round];
        const bool panic = panic_sets[round];
        std::optional<std::size_t> best;
        if (mode_ == config::balance::round_robin) {
            std::int64_t total = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (!is_candidate(i, now, avoid, panic)) {
                    continue;
                }
                auto& e = endpoints_[i];
                e.current += e.weight;
                total += e.weight;
                if (!best || e.current > endpoints_[*best].current) {
                    best = i;
                }
            }
            if (best) {
                endpoints_[*best].current -= total;
                return best;
            }
        } else {
            // Fewest in flight per unit of weight; ties go round, starting at next_.
            for (std::size_t k = 0; k < n; ++k) {
                const std::size_t i = (next_ + k) % n;
                if (!is_candidate(i, now, avoid, panic)) {
                    continue;
                }
                const auto& e = endpoints_[i];
                if (!best || e.in_flight * endpoints_[*best].weight <
                                 endpoints_[*best].in_flight * e.weight) {
                    best = i;
                }
            }
            if (best) {
                next_ = (*best + 1) % n;
                return best;
            }
        }
    }
    return std::nullopt;
}

void balancer::succeeded(std::size_t i) noexcept {
    endpoints_[i].failures = 0;
    endpoints_[i].ejections = 0;
}

void balancer::failed(std::size_t i, time_point now) noexcept {
    auto& e = endpoints_[i];
    if (health_.failures == 0 || ++e.failures < health_.failures) {
        return;
    }
    e.failures = 0;
    auto backoff = health_.eject_time;
    for (unsigned k = 0; k < e.ejections && backoff < health_.max_eject_time; ++k) {
        backoff *= 2;
    }
    e.ejected_until = now + std::min(backoff, health_.max_eject_time);
    ++e.ejections;
}

void balancer::refill(time_point now) noexcept {
    if (refilled_ == time_point{}) {
        refilled_ = now;
    }
    const double seconds = std::chrono::duration<double>(now - refilled_).count();
    refilled_ = now;
    // Never more banked than a second of the floor plus what the last requests deposited.
    const double ceiling = std::max(min_per_second_, 1.0) + 100.0 * budget_;
    retry_tokens_ = std::min(ceiling, retry_tokens_ + seconds * min_per_second_);
}

void balancer::on_request(time_point now) noexcept {
    refill(now);
    const double ceiling = std::max(min_per_second_, 1.0) + 100.0 * budget_;
    retry_tokens_ = std::min(ceiling, retry_tokens_ + budget_);
}

bool balancer::take_retry(time_point now) noexcept {
    refill(now);
    if (retry_tokens_ < 1.0) {
        return false;
    }
    retry_tokens_ -= 1.0;
    return true;
}

}  // namespace tollgate::upstream
