#include "tollgate/auth/key_cache.hpp"

namespace tollgate::auth {

std::optional<key_cache::hit> key_cache::find(const key_digest& digest) {
    const auto it = index_.find(digest);
    if (it == index_.end()) {
        ++misses_;
        return std::nullopt;
    }
    ++hits_;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->value;
}

void key_cache::put(const key_digest& digest,
                    std::shared_ptr<const key_facts> facts,
                    clock::time_point now) {
    if (const auto it = index_.find(digest); it != index_.end()) {
        it->second->value = {std::move(facts), now};
        lru_.splice(lru_.begin(), lru_, it->second);
        return;
    }
    if (index_.size() >= capacity_ && !lru_.empty()) {
        index_.erase(lru_.back().digest);
        lru_.pop_back();
    }
    lru_.push_front({digest, {std::move(facts), now}});
    index_.emplace(digest, lru_.begin());
}

template <class Pred>
void key_cache::drop_if(Pred pred) {
    ++generation_;
    for (auto it = lru_.begin(); it != lru_.end();) {
        if (pred(*it->value.facts)) {
            index_.erase(it->digest);
            it = lru_.erase(it);
        } else {
            ++it;
        }
    }
}

void key_cache::drop_key(std::string_view key_id) {
    drop_if([&](const key_facts& f) { return f.key_id == key_id; });
}

void key_cache::drop_consumer(std::string_view consumer_id) {
    drop_if([&](const key_facts& f) { return f.consumer_id == consumer_id; });
}

void key_cache::clear() {
    ++generation_;
    lru_.clear();
    index_.clear();
}

}  // namespace tollgate::auth
