// count_pool: a few threads that count large prompts, so that an io thread never holds its
// other connections for the ~15 ms a 1 MiB prompt takes to tokenize. The io thread's
// coroutine awaits the count and resumes on its own thread; meanwhile it serves the rest.
// Small prompts (the usual case) are counted inline: a hop to another thread costs more
// than counting them. Shared by the workers; the encodings it uses are immutable.
#pragma once

#include "tollgate/core/net.hpp"
#include "tollgate/metering/token_count.hpp"

#include <cstdint>

#include <boost/asio/thread_pool.hpp>

namespace tollgate::server {

class count_pool {
public:
    /// `threads` >= 1.
    explicit count_pool(unsigned threads) : pool_(threads) {}
    ~count_pool() { pool_.join(); }
    count_pool(const count_pool&) = delete;
    count_pool& operator=(const count_pool&) = delete;

    /// The tokens of `prompt`, counted on a pool thread (no count cache: it is the worker's).
    /// `prompt` must stay valid until the count is back (it views the request's body).
    task<std::int64_t> count(const metering::prompt_members& prompt,
                             const tokens::encoding& enc,
                             tokens::special_tokens mode,
                             std::size_t max_bytes);

    /// Waits for the counts under way (each takes milliseconds).
    void join() { pool_.join(); }

private:
    net::thread_pool pool_;
};

}  // namespace tollgate::server
