#include "tollgate/proxy/chunked_decoder.hpp"

#include "tollgate/core/hex.hpp"

#include <algorithm>
#include <cstring>

namespace tollgate::proxy {
namespace {

bool is_control(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
}

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t';
}

// tchar (RFC 9110 section 5.6.2): a chunk extension's name and token value, a field name.
bool is_tchar(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// qdtext and the quoted-pair's second byte: HTAB, SP, VCHAR but `"` and `\`, obs-text.
bool is_qdtext(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return c == '\t' || c == ' ' || (u >= 0x21 && u != '"' && u != '\\' && u != 0x7f);
}

}  // namespace

result<std::size_t> chunked_decoder::feed(std::string_view in, std::string& out) {
    std::size_t i = 0;
    while (i < in.size() && state_ != state::done) {
        const char c = in[i];
        if (state_ != state::data) {
            ++framing_bytes_;
        }
        if (state_ < state::data && ++line_bytes_ > max_line_bytes_) {
            return error::bad_framing;  // the size line, extensions included
        }
        switch (state_) {
            case state::size: {
                const int v = hex_digit_value(c);
                if (v >= 0) {
                    if (++digits_ > 16) {
                        return error::bad_framing;
                    }
                    chunk_left_ = (chunk_left_ << 4) | static_cast<std::uint64_t>(v);
                } else if (digits_ > 0 && c == ';') {
                    state_ = state::ext_name_start;
                } else if (digits_ > 0 && is_space(c)) {
                    state_ = state::ext_space;
                } else if (digits_ > 0 && c == '\r') {
                    state_ = state::size_lf;
                } else {
                    return error::bad_framing;
                }
                ++i;
                break;
            }
            // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
            case state::ext_space:
                if (c == ';') {
                    state_ = state::ext_name_start;
                } else if (!is_space(c)) {
                    return error::bad_framing;  // white space only before a `;`
                }
                ++i;
                break;
            case state::ext_name_start:
                if (is_tchar(c)) {
                    state_ = state::ext_name;
                } else if (!is_space(c)) {
                    return error::bad_framing;
                }
                ++i;
                break;
            case state::ext_name:
            case state::ext_after_name:
                if (c == '=') {
                    state_ = state::ext_value_start;
                } else if (c == ';') {
                    state_ = state::ext_name_start;
                } else if (c == '\r') {
                    state_ = state::size_lf;
                } else if (is_space(c)) {
                    state_ = state::ext_after_name;
                } else if (state_ != state::ext_name || !is_tchar(c)) {
                    return error::bad_framing;
                }
                ++i;
                break;
            case state::ext_value_start:
                if (c == '"') {
                    state_ = state::ext_quoted;
                } else if (is_tchar(c)) {
                    state_ = state::ext_token;
                } else if (!is_space(c)) {
                    return error::bad_framing;
                }
                ++i;
                break;
            case state::ext_token:
            case state::ext_after_quoted:
                if (c == ';') {
                    state_ = state::ext_name_start;
                } else if (c == '\r') {
                    state_ = state::size_lf;
                } else if (is_space(c)) {
                    state_ = state::ext_space;
                } else if (state_ != state::ext_token || !is_tchar(c)) {
                    return error::bad_framing;
                }
                ++i;
                break;
            case state::ext_quoted:
                if (c == '"') {
                    state_ = state::ext_after_quoted;
                } else if (c == '\\') {
                    state_ = state::ext_quoted_pair;
                } else if (!is_qdtext(c)) {
                    return error::bad_framing;
                }
                ++i;
                break;
            case state::ext_quoted_pair:
                if (!is_qdtext(c) && c != '"' && c != '\\') {
                    return error::bad_framing;
                }
                state_ = state::ext_quoted;
                ++i;
                break;
            case state::size_lf:
                // What is not payload is framing: a flood of tiny chunks is refused, not
                // relayed. Checked at each size line, so the verdict does not depend on how
                // the bytes were cut into reads.
                if (c != '\n' ||
                    framing_bytes_ > overhead_allowance + max_overhead_ratio_ * payload_bytes_) {
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
                payload_bytes_ += take;
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
            // trailer-section = *( field-line CRLF ); field-line = field-name ":" OWS value OWS
            case state::trailer:
            case state::trailer_value:
                if (++trailer_bytes_ > max_trailer_bytes_) {
                    return error::bad_framing;
                }
                if (c == '\r') {
                    // An empty line ends the section; a line must have had its colon.
                    if (state_ == state::trailer && trailer_line_bytes_ != 0) {
                        return error::bad_framing;
                    }
                    state_ = state::trailer_lf;
                } else if (state_ == state::trailer_value) {
                    if (is_control(c)) {
                        return error::bad_framing;
                    }
                    ++trailer_line_bytes_;
                } else if (c == ':' && trailer_line_bytes_ > 0) {
                    state_ = state::trailer_value;
                    ++trailer_line_bytes_;
                } else if (is_tchar(c)) {
                    ++trailer_line_bytes_;
                } else {
                    return error::bad_framing;
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
