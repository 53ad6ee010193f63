#include "tollgate/proxy/chunked_decoder.hpp"

#include "tollgate/core/hex.hpp"

#include <algorithm>

namespace tollgate::proxy {
namespace {

bool is_control(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
}

}  // namespace

result<std::size_t> chunked_decoder::feed(std::string_view in, std::string& out) {
    std::size_t i = 0;
    while (i < in.size() && state_ != state::done) {
        const char c = in[i];
        switch (state_) {
            case state::size:
            case state::extension:
            case state::size_lf:
                if (++line_bytes_ > max_line_bytes_) {
                    return error::bad_framing;
                }
                break;
            default:
                break;
        }
        switch (state_) {
            case state::size: {
                const int v = hex_digit_value(c);
                if (v >= 0) {
                    if (++digits_ > 16) {
                        return error::bad_framing;
                    }
                    chunk_left_ = (chunk_left_ << 4) | static_cast<std::uint64_t>(v);
                } else if (digits_ > 0 && (c == ';' || c == ' ' || c == '\t')) {
                    state_ = state::extension;
                } else if (digits_ > 0 && c == '\r') {
                    state_ = state::size_lf;
                } else {
                    return error::bad_framing;
                }
                ++i;
                break;
            }
            case state::extension:
                if (c == '\r') {
                    state_ = state::size_lf;
                } else if (is_control(c)) {
                    return error::bad_framing;
                }
                ++i;
                break;
            case state::size_lf:
                if (c != '\n') {
                    return error::bad_framing;
                }
                state_ = chunk_left_ == 0 ? state::trailer : state::data;
                ++i;
                break;
            case state::data: {
                const auto take =
                    static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, in.size() - i));
                if (out.size() + take > max_body_bytes_) {
                    return error::body_too_large;
                }
                out.append(in.data() + i, take);
                chunk_left_ -= take;
                i += take;
                if (chunk_left_ == 0) {
                    state_ = state::data_cr;
                }
                break;
            }
            case state::data_cr:
                if (c != '\r') {
                    return error::bad_framing;
                }
                state_ = state::data_lf;
                ++i;
                break;
            case state::data_lf:
                if (c != '\n') {
                    return error::bad_framing;
                }
                state_ = state::size;
                line_bytes_ = 0;
                digits_ = 0;
                ++i;
                break;
            case state::trailer:
                if (c == '\r') {
                    state_ = state::trailer_lf;
                } else if (c == '\n' || ++trailer_bytes_ > max_trailer_bytes_) {
                    return error::bad_framing;
                } else {
                    ++trailer_line_bytes_;
                }
                ++i;
                break;
            case state::trailer_lf:
                if (c != '\n') {
                    return error::bad_framing;
                }
                state_ = trailer_line_bytes_ == 0 ? state::done : state::trailer;
                trailer_line_bytes_ = 0;
                ++i;
                break;
            case state::done:
                break;
        }
    }
    return i;
}

}  // namespace tollgate::proxy
