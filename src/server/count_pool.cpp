#include "tollgate/server/count_pool.hpp"

#include <boost/asio/co_spawn.hpp>

namespace tollgate::server {

task<std::int64_t> count_pool::count(const metering::prompt_members& prompt,
                                     const tokens::encoding& enc,
                                     tokens::special_tokens mode,
                                     std::size_t max_bytes) {
    // The count runs as a coroutine of the pool's; its completion is posted back to the
    // awaiting coroutine's executor (the worker's io_context, whose posting is thread-safe).
    auto [failure, tokens] = co_await net::co_spawn(
        pool_,
        [&]() -> net::awaitable<std::int64_t> {
            metering::text_counter counter(enc, mode, max_bytes);
            metering::count_prompt(prompt, counter);
            co_return counter.tokens();
        },
        use_nothrow_awaitable);
    if (failure) {
        // Counting does not throw but for memory; then the request is metered by size.
        co_return -1;
    }
    co_return tokens;
}

}  // namespace tollgate::server
