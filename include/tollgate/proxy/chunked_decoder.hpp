// chunked_decoder: a strict, incremental decoder of a chunked request body (RFC 9112 §7.1).
// Bounded: a chunk-size line (with extensions) over max_line_bytes, more than 16 hex digits,
// a bare LF, or a trailer section over max_trailer_bytes is bad_framing; the payload over
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
    chunked_decoder(std::size_t max_line_bytes,
                    std::size_t max_body_bytes,
                    std::size_t max_trailer_bytes = 8 * 1024)
        : max_line_bytes_(max_line_bytes),
          max_body_bytes_(max_body_bytes),
          max_trailer_bytes_(max_trailer_bytes) {}

    /// Consumes a prefix of `in`, appending payload to `out`; returns the bytes consumed.
    /// Stops consuming at the end of the message, so what follows belongs to the next one.
    result<std::size_t> feed(std::string_view in, std::string& out);

    bool done() const noexcept { return state_ == state::done; }

private:
    enum class state {
        size,
        extension,
        size_lf,
        data,
        data_cr,
        data_lf,
        trailer,
        trailer_lf,
        done
    };

    std::size_t max_line_bytes_;
    std::size_t max_body_bytes_;
    std::size_t max_trailer_bytes_;
    state state_ = state::size;
    std::size_t line_bytes_ = 0;
    int digits_ = 0;
    std::uint64_t chunk_left_ = 0;
    std::size_t trailer_bytes_ = 0;
    std::size_t trailer_line_bytes_ = 0;
};

}  // namespace tollgate::proxy
