// byte_pair_encode: tiktoken's merge rule for one pre-tokenised piece. Start from single
// bytes; repeatedly merge the adjacent pair whose concatenation has the lowest rank (the
// leftmost on ties) until no pair is a token; the tokens are the ranks of what is left.
//
// Two ways to apply that one rule: a scan for short pieces (tiktoken's own loop, fast while
// the piece fits in a cache line or two) and a priority queue of candidate pairs over a
// linked list for long ones, which keeps 1 MB of one letter at O(n log n), not O(n^2). Pure;
// the scratch space belongs to the caller (one per thread).
#pragma once

#include "tollgate/tokens/vocabulary.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace tollgate::tokens {

// The bucket queue's state: for each rank, its bucket's index when stamp == generation.
struct bucket_scratch {
    std::vector<std::uint32_t> slot;
    std::vector<std::uint32_t> stamp;
    std::uint32_t generation = 0;
    std::vector<std::vector<std::uint32_t>> buckets;  // positions, reused between pieces
    std::vector<rank_t> pending;                      // min-heap of ranks with a bucket
};

struct byte_pair_scratch {
    std::vector<std::uint32_t> starts;
    std::vector<rank_t> ranks;
    std::vector<std::uint32_t> next;
    std::vector<std::uint32_t> prev;
    std::vector<std::uint64_t> heap;
    bucket_scratch by_rank;
};

/// Pieces up to this many bytes use the scan; longer ones the heap.
inline constexpr std::size_t byte_pair_scan_limit = 32;

/// Appends the ranks of `piece` (non-empty, every single byte a token) to `out`.
void byte_pair_encode(std::string_view piece,
                      const vocabulary& vocab,
                      byte_pair_scratch& scratch,
                      std::vector<rank_t>& out);

/// The implementations, exposed so tests can hold them to each other: the scan, a binary
/// heap, and a bucket queue per rank (monotone: it falls back to the binary heap for a vocabulary
/// whose merges are not ranked bottom-up).
void byte_pair_encode_scan(std::string_view piece,
                           const vocabulary& vocab,
                           byte_pair_scratch& scratch,
                           std::vector<rank_t>& out);
void byte_pair_encode_heap(std::string_view piece,
                           const vocabulary& vocab,
                           byte_pair_scratch& scratch,
                           std::vector<rank_t>& out);
void byte_pair_encode_buckets(std::string_view piece,
                              const vocabulary& vocab,
                              byte_pair_scratch& scratch,
                              std::vector<rank_t>& out);

}  // namespace tollgate::tokens
