// read_hint: tells Asio's reactor that a socket has nothing to read, so that its next read
// waits for readiness instead of first trying a recv() that fails with EAGAIN.
//
// Asio tries every read at once before waiting (a "speculative" read), and keeps trying that
// after each readiness event until a read returns end-of-stream. On a connection whose next
// bytes can only be the answer to what we are about to send, the try always fails: one
// wasted system call (~0.25 us here) per request. nginx avoids it by remembering that a
// short read drained the socket; Asio keeps that knowledge in a private flag per descriptor
// (the epoll reactor's try_speculative_), which this sets.
//
// Correct because the socket is edge-triggered: bytes that arrive later raise a new event,
// which sets the flag again and performs the queued read. Use it only when the peer owes us
// nothing more (an upstream connection whose response was read whole, put back in the pool):
// bytes that arrived unasked, or a close, before the call would be noticed only with the
// next bytes or on the next write, which a closed peer answers with a reset.
//
// Only on Boost 1.81's epoll reactor (Debian 12), which the layout is checked against; on any
// other build this does nothing and reads stay speculative.
#pragma once

#include "tollgate/core/net.hpp"

namespace tollgate {

/// The next read of `s` waits for readiness (no recv first). Worker thread only.
void expect_nothing_to_read(tcp_socket& s) noexcept;

/// Whether the next read of `s` would try a recv at once (for tests).
bool will_try_read_at_once(tcp_socket& s) noexcept;

}  // namespace tollgate
