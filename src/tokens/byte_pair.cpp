#include "tollgate/tokens/byte_pair.hpp"

#include <algorithm>
#include <functional>
#include <limits>

namespace tollgate::tokens {
namespace {

constexpr rank_t no_rank = vocabulary::no_pair;

rank_t rank_of(const vocabulary& vocab, std::string_view bytes) noexcept {
    const auto r = vocab.rank(bytes);
    return r ? *r : no_rank;
}

// A vocabulary that lacks a single byte cannot encode arbitrary text; tiktoken's files have
// all 256. Should one be missing, the byte is skipped rather than crashing the gateway.
void emit(const vocabulary& vocab, std::string_view bytes, std::vector<rank_t>& out) {
    const rank_t r = rank_of(vocab, bytes);
    if (r != no_rank) {
        out.push_back(r);
    }
}

}  // namespace

void byte_pair_encode_scan(std::string_view piece,
                           const vocabulary& vocab,
                           byte_pair_scratch& scratch,
                           std::vector<rank_t>& out) {
    // parts k = 0..count-1 start at starts[k]; starts[count] == piece.size(). ranks[k] is the
    // rank of parts k and k+1 merged (no_rank when it is not a token or there is no k+1).
    auto& starts = scratch.starts;
    auto& ranks = scratch.ranks;
    const std::size_t n = piece.size();
    starts.resize(n + 1);
    ranks.resize(n + 1);
    for (std::size_t i = 0; i <= n; ++i) {
        starts[i] = static_cast<std::uint32_t>(i);
    }
    const auto* bytes = reinterpret_cast<const unsigned char*>(piece.data());
    for (std::size_t i = 0; i + 1 < n; ++i) {
        ranks[i] = vocab.pair_rank(bytes[i], bytes[i + 1]);  // the 64K table, not the hash
    }
    ranks[n - 1] = no_rank;
    std::size_t count = n;
    const auto pair_rank = [&](std::size_t k) {
        if (k + 2 > count) {
            return no_rank;
        }
        return rank_of(vocab, piece.substr(starts[k], starts[k + 2] - starts[k]));
    };
    while (count > 1) {
        std::size_t best = 0;
        rank_t best_rank = no_rank;
        for (std::size_t k = 0; k + 1 < count; ++k) {
            if (ranks[k] < best_rank) {
                best_rank = ranks[k];
                best = k;
            }
        }
        if (best_rank == no_rank) {
            break;
        }
        // Merge parts best and best+1: drop starts[best+1].
        std::copy(starts.begin() + static_cast<std::ptrdiff_t>(best) + 2,
                  starts.begin() + static_cast<std::ptrdiff_t>(count) + 1,
                  starts.begin() + static_cast<std::ptrdiff_t>(best) + 1);
        std::copy(ranks.begin() + static_cast<std::ptrdiff_t>(best) + 2,
                  ranks.begin() + static_cast<std::ptrdiff_t>(count),
                  ranks.begin() + static_cast<std::ptrdiff_t>(best) + 1);
        --count;
        ranks[best] = pair_rank(best);
        if (best > 0) {
            ranks[best - 1] = pair_rank(best - 1);
        }
    }
    for (std::size_t k = 0; k < count; ++k) {
        emit(vocab, piece.substr(starts[k], starts[k + 1] - starts[k]), out);
    }
}

namespace {

// The binary heap of candidate pairs: any order of insertion.
class binary_queue {
public:
    explicit binary_queue(std::vector<std::uint64_t>& storage) : heap_(storage) { heap_.clear(); }
    void add_initial(std::uint64_t key) { heap_.push_back(key); }
    void start() { std::make_heap(heap_.begin(), heap_.end(), later_); }
    bool push(std::uint64_t key) {
        heap_.push_back(key);
        std::push_heap(heap_.begin(), heap_.end(), later_);
        return true;
    }
    bool empty() const { return heap_.empty(); }
    std::uint64_t pop() {
        std::pop_heap(heap_.begin(), heap_.end(), later_);
        const std::uint64_t top = heap_.back();
        heap_.pop_back();
        return top;
    }

private:
    std::vector<std::uint64_t>& heap_;
    std::greater<std::uint64_t> later_;
};

// A bucket queue for monotone keys: BPE vocabularies are trained bottom-up, so a merged
// token outranks its parts and every pair a merge creates ranks above the merge itself.
// Then the pairs of rank r are all known when rank r's turn comes: they are taken from one
// bucket in position order (sorted only if they were not added in order, which the
// left-to-right merge loop mostly does), and pushes are appends. That streams through
// memory where a binary heap of a million pairs misses the cache at every level. push()
// returns false should a vocabulary break the rule, and the caller starts over with the
// binary heap.
class bucket_queue {
public:
    bucket_queue(bucket_scratch& s, std::size_t rank_limit) : s_(s) {
        if (s_.slot.size() < rank_limit) {
            s_.slot.assign(rank_limit, 0);
            s_.stamp.assign(rank_limit, 0);
        }
        if (++s_.generation == 0) {  // wrapped: no stamp may look current
            std::fill(s_.stamp.begin(), s_.stamp.end(), 0);
            s_.generation = 1;
        }
        s_.pending.clear();
        used_ = 0;
    }
    void add_initial(std::uint64_t key) { put(key); }
    void start() {}
    bool push(std::uint64_t key) {
        if (static_cast<rank_t>(key >> 32) <= current_ && started_) {
            return false;
        }
        put(key);
        return true;
    }
    bool empty() {
        while (at_ == taken_size_) {
            if (s_.pending.empty()) {
                return true;
            }
            std::pop_heap(s_.pending.begin(), s_.pending.end(), std::greater<rank_t>());
            current_ = s_.pending.back();
            s_.pending.pop_back();
            started_ = true;
            // An index, not a pointer: pushes may grow s_.buckets while this one is taken.
            taken_ = s_.slot[current_];
            auto& bucket = s_.buckets[taken_];
            if (!std::is_sorted(bucket.begin(), bucket.end())) {
                std::sort(bucket.begin(), bucket.end());
            }
            taken_size_ = bucket.size();
            at_ = 0;
        }
        return false;
    }
    std::uint64_t pop() { return (std::uint64_t{current_} << 32) | s_.buckets[taken_][at_++]; }

private:
    void put(std::uint64_t key) {
        const auto r = static_cast<rank_t>(key >> 32);
        if (s_.stamp[r] != s_.generation) {
            s_.stamp[r] = s_.generation;
            if (used_ == s_.buckets.size()) {
                s_.buckets.emplace_back();
            }
            s_.slot[r] = static_cast<std::uint32_t>(used_);
            s_.buckets[used_++].clear();
            s_.pending.push_back(r);
            std::push_heap(s_.pending.begin(), s_.pending.end(), std::greater<rank_t>());
        }
        s_.buckets[s_.slot[r]].push_back(static_cast<std::uint32_t>(key));
    }

    bucket_scratch& s_;
    std::size_t used_ = 0;
    rank_t current_ = 0;
    bool started_ = false;
    std::size_t taken_ = 0;  // the bucket of rank current_
    std::size_t taken_size_ = 0;
    std::size_t at_ = 0;
};

// The merge loop over a linked list of parts. Node i is the part starting at byte i (a
// merged part keeps its left node's index); next links the live parts (next == n ends the
// list) and prev back. ranks[i] is the rank of node i merged with its successor. The queue
// holds (rank << 32 | i) for candidate pairs; an entry whose rank no longer matches ranks[i]
// is stale (the pair changed since) and skipped. Taking the least (rank, i) is tiktoken's
// rule: the lowest rank, leftmost on ties. False when the queue refused a key.
template <class Queue>
bool merge_linked(std::string_view piece,
                  const vocabulary& vocab,
                  byte_pair_scratch& scratch,
                  Queue& queue) {
    const auto n = static_cast<std::uint32_t>(piece.size());
    auto& next = scratch.next;
    auto& prev = scratch.prev;
    auto& ranks = scratch.ranks;
    const auto* bytes = reinterpret_cast<const unsigned char*>(piece.data());
    next.resize(n);
    prev.resize(n);
    ranks.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        next[i] = i + 1;
        prev[i] = i == 0 ? n : i - 1;
        ranks[i] = i + 1 < n ? vocab.pair_rank(bytes[i], bytes[i + 1]) : no_rank;
        if (ranks[i] != no_rank) {
            queue.add_initial((std::uint64_t{ranks[i]} << 32) | i);
        }
    }
    queue.start();
    const auto update = [&](std::uint32_t i) {
        const std::uint32_t j = next[i];
        ranks[i] = j >= n ? no_rank : rank_of(vocab, piece.substr(i, next[j] - i));
        return ranks[i] == no_rank || queue.push((std::uint64_t{ranks[i]} << 32) | i);
    };
    while (!queue.empty()) {
        const std::uint64_t top = queue.pop();
        const auto i = static_cast<std::uint32_t>(top);
        if (ranks[i] != static_cast<rank_t>(top >> 32)) {
            continue;
        }
        const std::uint32_t j = next[i];
        next[i] = next[j];
        if (next[j] < n) {
            prev[next[j]] = i;
        }
        ranks[j] = no_rank;
        if (!update(i) || (i > 0 && !update(prev[i]))) {
            return false;
        }
    }
    return true;
}

void emit_linked(std::string_view piece,
                 const vocabulary& vocab,
                 const byte_pair_scratch& scratch,
                 std::vector<rank_t>& out) {
    const auto n = static_cast<std::uint32_t>(piece.size());
    for (std::uint32_t i = 0; i < n; i = scratch.next[i]) {
        emit(vocab, piece.substr(i, scratch.next[i] - i), out);
    }
}

}  // namespace

void byte_pair_encode_heap(std::string_view piece,
                           const vocabulary& vocab,
                           byte_pair_scratch& scratch,
                           std::vector<rank_t>& out) {
    binary_queue queue(scratch.heap);
    merge_linked(piece, vocab, scratch, queue);
    emit_linked(piece, vocab, scratch, out);
}

void byte_pair_encode_buckets(std::string_view piece,
                              const vocabulary& vocab,
                              byte_pair_scratch& scratch,
                              std::vector<rank_t>& out) {
    bucket_queue queue(scratch.by_rank, vocab.rank_limit());
    if (!merge_linked(piece, vocab, scratch, queue)) {
        byte_pair_encode_heap(piece, vocab, scratch, out);
        return;
    }
    emit_linked(piece, vocab, scratch, out);
}

void byte_pair_encode(std::string_view piece,
                      const vocabulary& vocab,
                      byte_pair_scratch& scratch,
                      std::vector<rank_t>& out) {
    if (piece.size() == 1) {
        emit(vocab, piece, out);
    } else if (piece.size() <= byte_pair_scan_limit) {
        byte_pair_encode_scan(piece, vocab, scratch, out);
    } else {
        byte_pair_encode_buckets(piece, vocab, scratch, out);
    }
}

}  // namespace tollgate::tokens
