// chunked_decoder: a strict, incremental decoder of a chunked body (RFC 9112 section 7.1).
// Strict: chunk extensions must follow the grammar (`;` name [`=` token or quoted-string],
// white space only around `;` and `=`), and each trailer line must be a field line (a token,
// a colon, a value without control characters), so a last chunk without its final CRLF
// cannot swallow the next request's head as trailers. Bounded: a chunk-size line (with
// extensions) over max_line_bytes, more than 16 hex digits, a bare LF, a trailer section over
// max_trailer_bytes, or framing bytes past `overhead_allowance + max_overhead_ratio x
// payload` (a body sent as a flood of tiny chunks) is bad_framing; the payload over
// max_body_bytes is body_too_large. Pure: feed bytes in any split, payload is appended to a
// string.
#pragma once

#include "tollgate/core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tollgate::proxy {

class chunked_decoder {
public:
    /// Framing bytes always allowed, whatever the payload (a short body's size lines).
    static constexpr std::uint64_t overhead_allowance = 4096;

    chunked_decoder(std::size_t max_line_bytes,
                    std::size_t max_body_bytes,
                    std::size_t max_trailer_bytes = 8 * 1024,
                    std::uint64_t max_overhead_ratio = 8)
        : max_line_bytes_(max_line_bytes),
          max_body_bytes_(max_body_bytes),
          max_trailer_bytes_(max_trailer_bytes),
          max_overhead_ratio_(max_overhead_ratio) {}

    /// Consumes a prefix of `in`, appending payload to `out`; returns the bytes consumed.
    /// Stops consuming at the end of the message, so what follows belongs to the next one.
    result<std::size_t> feed(std::string_view in, std::string& out);

    bool done() const noexcept { return state_ == state::done; }

private:
    enum class state {
        size,
        ext_space,         // white space after the size or a value: a `;` must follow
        ext_name_start,    // after `;`: white space, then a name
        ext_name,          // in the name
        ext_after_name,    // white space, then `=`, `;` or CR
        ext_value_start,   // after `=`: white space, then a token or a quoted string
        ext_token,         // in a token value
        ext_quoted,        // in a quoted string
        ext_quoted_pair,   // after a backslash in it
        ext_after_quoted,  // after its closing quote: `;`, CR or white space
        size_lf,
        data,
        data_cr,
        data_lf,
        trailer,        // at a trailer line's start (or in its name)
        trailer_value,  // after its colon
        trailer_lf,
        done
    };

    std::size_t max_line_bytes_;
    std::size_t max_body_bytes_;
    std::size_t max_trailer_bytes_;
    std::uint64_t max_overhead_ratio_;
    state state_ = state::size;
    std::size_t line_bytes_ = 0;
    int digits_ = 0;
    std::uint64_t chunk_left_ = 0;
    std::size_t trailer_bytes_ = 0;
    std::size_t trailer_line_bytes_ = 0;
    std::uint64_t payload_bytes_ = 0;
    std::uint64_t framing_bytes_ = 0;
};

}  // namespace tollgate::proxy
