#include "tollgate/tokens/byte_pair.hpp"

#include <algorithm>
#include <functional>
#include <limits>

namespace tollgate::tokens {
namespace {

constexpr rank_t no_rank = std::numeric_limits<rank_t>::max();

rank_t rank_of(const vocabulary& vocab, std::string_view bytes) noexcept {
    const auto r = vocab.rank(bytes);
    return r ? *r : no_rank;
}

// A vocabulary that lacks a single byte cannot encode arbitrary text; tiktoken's files have
// all 256. Should one be missing, the byte is skipped rather than crashing the gateway.
void emit(const vocabulary& vocab, std::string_view bytes, std::vector<rank_t>& out) {
    const rank_t r = rank_of(vocab, bytes);
    if (r != no_rank)
        out.push_back(r);
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
    for (std::size_t i = 0; i <= n; ++i)
        starts[i] = static_cast<std::uint32_t>(i);
    for (std::size_t i = 0; i + 1 < n; ++i)
        ranks[i] = rank_of(vocab, piece.substr(i, 2));
    ranks[n - 1] = no_rank;
    std::size_t count = n;
    const auto pair_rank = [&](std::size_t k) {
        if (k + 2 > count)
            return no_rank;
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
        if (best_rank == no_rank)
            break;
        // Merge parts best and best+1: drop starts[best+1].
        std::copy(starts.begin() + static_cast<std::ptrdiff_t>(best) + 2,
                  starts.begin() + static_cast<std::ptrdiff_t>(count) + 1,
                  starts.begin() + static_cast<std::ptrdiff_t>(best) + 1);
        std::copy(ranks.begin() + static_cast<std::ptrdiff_t>(best) + 2,
                  ranks.begin() + static_cast<std::ptrdiff_t>(count),
                  ranks.begin() + static_cast<std::ptrdiff_t>(best) + 1);
        --count;
        ranks[best] = pair_rank(best);
        if (best > 0)
            ranks[best - 1] = pair_rank(best - 1);
    }
    for (std::size_t k = 0; k < count; ++k) {
        emit(vocab, piece.substr(starts[k], starts[k + 1] - starts[k]), out);
    }
}

void byte_pair_encode_heap(std::string_view piece,
                           const vocabulary& vocab,
                           byte_pair_scratch& scratch,
                           std::vector<rank_t>& out) {
    // Node i is the part starting at byte i (a merged part keeps its left node's index);
    // next/prev link the live parts, next == n ends the list. ranks[i] is the rank of node i
    // merged with its successor. The heap holds (rank << 32 | i) for candidate pairs; an
    // entry whose rank no longer matches ranks[i] is stale (the pair changed) and skipped.
    // Popping the least (rank, i) is tiktoken's rule: the lowest rank, leftmost on ties.
    const auto n = static_cast<std::uint32_t>(piece.size());
    auto& next = scratch.next;
    auto& prev = scratch.prev;
    auto& ranks = scratch.ranks;
    auto& heap = scratch.heap;
    next.resize(n);
    prev.resize(n);
    ranks.resize(n);
    heap.clear();
    for (std::uint32_t i = 0; i < n; ++i) {
        next[i] = i + 1;
        prev[i] = i == 0 ? n : i - 1;
        ranks[i] = i + 1 < n ? rank_of(vocab, piece.substr(i, 2)) : no_rank;
        if (ranks[i] != no_rank)
            heap.push_back((std::uint64_t{ranks[i]} << 32) | i);
    }
    const std::greater<std::uint64_t> later;
    std::make_heap(heap.begin(), heap.end(), later);
    const auto end_of = [&](std::uint32_t i) {
        return next[i];
    };  // node i spans [i, next[i])
    const auto pair_rank = [&](std::uint32_t i) {
        const std::uint32_t j = next[i];
        if (j >= n)
            return no_rank;
        return rank_of(vocab, piece.substr(i, end_of(j) - i));
    };
    const auto update = [&](std::uint32_t i) {
        ranks[i] = pair_rank(i);
        if (ranks[i] != no_rank) {
            heap.push_back((std::uint64_t{ranks[i]} << 32) | i);
            std::push_heap(heap.begin(), heap.end(), later);
        }
    };
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), later);
        const std::uint64_t top = heap.back();
        heap.pop_back();
        const auto i = static_cast<std::uint32_t>(top);
        const auto r = static_cast<rank_t>(top >> 32);
        if (ranks[i] != r)
            continue;  // stale, or node i was merged away
        const std::uint32_t j = next[i];
        next[i] = next[j];
        if (next[j] < n)
            prev[next[j]] = i;
        ranks[j] = no_rank;
        update(i);
        if (i > 0)
            update(prev[i]);
    }
    for (std::uint32_t i = 0; i < n; i = next[i])
        emit(vocab, piece.substr(i, next[i] - i), out);
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
        byte_pair_encode_heap(piece, vocab, scratch, out);
    }
}

}  // namespace tollgate::tokens
