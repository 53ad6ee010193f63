// head_parser: what parsing an HTTP/1.1 message head (RFC 9112 sections 2 to 5) shares
// between a client's request and an upstream's response: run in place on the connection's
// buffer as bytes arrive, each call parsing only the complete lines not yet parsed, so a head
// trickling in byte by byte costs no more than one arriving whole.
//
// Strict where leniency lets a message mean two things to two parsers: a line ends in CRLF
// (a bare LF or CR is refused), a field name is a token directly followed by its colon, no
// line folding, no control characters in a value, HTTP/1.0 and 1.1 only. The start line is
// the subclass's (request_head, response_head). The fields are views into the bytes fed; with
// an arena, one copy of the head is made there when it is done, so the views outlive the
// buffer. Framing (Content-Length, Transfer-Encoding) is read by the caller from the fields.
// Pure: no I/O.
#pragma once

#include "tollgate/proxy/framing.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string_view>
#include <vector>

#include <boost/system/error_code.hpp>

namespace tollgate::proxy {

class head_parser {
public:
    enum class state { need_more, done, failed };

    /// Parses what `bytes` (the head's bytes so far, from its first) holds beyond what
    /// earlier calls parsed. After `done`, size() bytes were the head; after `failed`,
    /// error() says why (error::bad_request or error::headers_too_large).
    state feed(std::string_view bytes);

    bool done() const noexcept { return state_ == state::done; }
    /// True once any byte of a message arrived (a close before that is a quiet one).
    bool got_some() const noexcept { return got_some_; }
    std::size_t size() const noexcept { return parsed_; }
    boost::system::error_code error() const noexcept { return error_; }

    unsigned version() const noexcept { return version_; }  // 10 or 11
    /// Whether the connection may carry another message: HTTP/1.1 unless Connection says
    /// close; HTTP/1.0 only if it says keep-alive (and not close too).
    bool keep_alive() const noexcept {
        return !connection_close_ && (version_ >= 11 || connection_keep_alive_);
    }

protected:
    /// Fields go to `fields` (cleared by the caller); `arena`, if any, receives the copy of
    /// the head. `limit` bounds the head's bytes, start line and final empty line included.
    head_parser(std::pmr::memory_resource* arena,
                std::vector<header_view>& fields,
                std::size_t limit)
        : arena_(arena), fields_(fields), limit_(limit) {}
    ~head_parser() = default;
    head_parser(const head_parser&) = delete;
    head_parser& operator=(const head_parser&) = delete;

    /// The start line, without its CRLF; false refuses the message.
    virtual bool start_line(std::string_view line) = 0;
    /// Whether a message may begin with empty lines (requests, RFC 9112 section 2.2).
    virtual bool skips_leading_empty_lines() const noexcept = 0;

    /// Token characters only (RFC 9110 section 5.6.2), as a method or field name.
    static bool is_token(std::string_view s) noexcept;
    /// Visible ASCII only (VCHAR), as a request target.
    static bool is_visible(std::string_view s) noexcept;
    /// Field-value bytes only: VCHAR, obs-text, SP and HTAB, as a reason phrase.
    static bool is_field_text(std::string_view s) noexcept;
    /// "HTTP/1.1" or "HTTP/1.0" into version_; false for anything else.
    bool parse_version(std::string_view v) noexcept;

    // Views of the start line the subclass keeps: moved with the fields.
    std::array<std::string_view, 2> start_views_{};

private:
    state fail(boost::system::error_code ec);
    bool field_line(std::string_view line);
    bool connection_tokens(std::string_view value);
    void rebase(const char* to);
    state finish(std::string_view bytes);

    std::pmr::memory_resource* arena_;
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
    unsigned version_ = 11;
};

}  // namespace tollgate::proxy
