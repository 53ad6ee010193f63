// request_head: the parser of a client request's head (RFC 9112 sections 2 to 5), run in
// place on the connection's buffer as bytes arrive. Each call parses the complete lines not
// yet parsed, so a head trickling in byte by byte costs no more than one arriving whole.
//
// Strict where leniency lets a request mean two things to two parsers: a line ends in CRLF
// (a bare LF or CR is refused), a field name is a token directly followed by its colon, no
// line folding, no control characters in a value, HTTP/1.0 and 1.1 only. Empty lines before
// the request line are skipped (RFC 9112 section 2.2). The start line and the fields are
// views into one copy of the head in the connection's arena: the buffer moves and is reused.
// Framing (Content-Length, Transfer-Encoding) is checked after, by check_framing().
//
// Beast's basic_parser did this before. It cost ~4,300 instructions for a typical API
// request head (five fields), more than the gateway's whole metering of a reservation; this
// parser takes about a quarter of that. Pure: no I/O.
#pragma once

#include "tollgate/proxy/framing.hpp"

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string_view>
#include <vector>

#include <boost/system/error_code.hpp>

namespace tollgate::proxy {

class request_head {
public:
    enum class state { need_more, done, failed };

    /// Fields go to `fields` (cleared by the caller), copies to `arena`. `limit` bounds the
    /// head's bytes, start line and final empty line included.
    request_head(std::pmr::memory_resource& arena,
                 std::vector<header_view>& fields,
                 std::size_t limit)
        : arena_(arena), fields_(fields), limit_(limit) {}

    /// Parses what `bytes` (the head's bytes so far, from its first) holds beyond what
    /// earlier calls parsed. After `done`, size() bytes were the head; after `failed`,
    /// error() says why (error::bad_request or error::headers_too_large).
    state feed(std::string_view bytes);

    bool done() const noexcept { return state_ == state::done; }
    /// True once any byte of a request arrived (a close before that is a quiet one).
    bool got_some() const noexcept { return got_some_; }
    std::size_t size() const noexcept { return parsed_; }
    boost::system::error_code error() const noexcept { return error_; }

    std::string_view method_string() const noexcept { return method_; }
    std::string_view target() const noexcept { return target_; }
    unsigned version() const noexcept { return version_; }  // 10 or 11
    /// Whether the connection may carry another request: HTTP/1.1 unless Connection says
    /// close; HTTP/1.0 only if it says keep-alive (and not close too).
    bool keep_alive() const noexcept {
        return !connection_close_ && (version_ >= 11 || connection_keep_alive_);
    }

private:
    state fail(boost::system::error_code ec);
    bool start_line(std::string_view line);
    bool field_line(std::string_view line);
    void connection_tokens(std::string_view value);
    void rebase(const char* to);
    state finish(std::string_view bytes);

    std::pmr::memory_resource& arena_;
    std::vector<header_view>& fields_;
    std::size_t limit_;
    std::size_t parsed_ = 0;
    std::uintptr_t base_ = 0;  // where the bytes the views point into were last
    state state_ = state::need_more;
    bool got_some_ = false;
    bool have_start_line_ = false;
    bool connection_close_ = false;
    bool connection_keep_alive_ = false;
    boost::system::error_code error_;
    std::string_view method_;
    std::string_view target_;
    unsigned version_ = 11;
};

}  // namespace tollgate::proxy
