// response_body: how an upstream response's body is delimited (RFC 9112 section 6.3) and the
// reader that takes its payload out of the bytes received, piece by piece. A length-delimited
// or close-delimited body is handed on as views of the received bytes (no copy); a chunked one
// is decoded by chunked_decoder into a scratch string. Pure: no I/O.
#pragma once

#include "tollgate/core/result.hpp"
#include "tollgate/proxy/chunked_decoder.hpp"
#include "tollgate/proxy/framing.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

namespace tollgate::proxy {

struct response_framing {
    enum class kind { none, length, chunked, until_close };
    kind body = kind::none;
    std::uint64_t length = 0;  // for kind::length
    bool reusable = true;      // false: the connection must not carry another request
};

/// The framing of a response with `status` to a request (`head_request`: it was a HEAD).
/// No body for HEAD, 1xx, 204 and 304. Transfer-Encoding wins over Content-Length (and the
/// connection is then not reused); a coding list not ending in chunked runs until the close.
/// Differing or malformed Content-Length values are error::bad_framing.
result<response_framing> frame_response(unsigned status,
                                        bool head_request,
                                        std::span<const header_view> fields);

class response_body {
public:
    explicit response_body(const response_framing& f)
        : kind_(f.body),
          left_(f.length),
          decoder_(4096, std::numeric_limits<std::size_t>::max()),
          done_(f.body == response_framing::kind::none ||
                (f.body == response_framing::kind::length && f.length == 0)) {}

    /// The next payload taken from `in` (the bytes received and not yet consumed): a view
    /// of `in`, or of `decoded` for a chunked body. `consumed` says how many bytes of `in` to
    /// drop once the payload has been used. An empty payload with done() false: more bytes
    /// are needed. error::bad_framing for a malformed chunked body (once the payload decoded
    /// before the fault has been handed on).
    result<std::string_view> next(std::string_view in, std::string& decoded, std::size_t& consumed);

    bool done() const noexcept { return done_; }
    /// The body ends when the upstream closes the connection.
    bool ends_at_close() const noexcept { return kind_ == response_framing::kind::until_close; }
    /// The connection closed: a close-delimited body is complete.
    void closed() noexcept { done_ = done_ || ends_at_close(); }

private:
    response_framing::kind kind_;
    std::uint64_t left_;
    chunked_decoder decoder_;
    bool done_;
    bool failed_ = false;
};

}  // namespace tollgate::proxy
