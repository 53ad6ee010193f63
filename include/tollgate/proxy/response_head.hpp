// response_head: the parser of an upstream response's head (see head_parser for what it
// accepts): the status line, HTTP-version SP 3DIGIT [SP reason-phrase]. No copy is made: the
// fields are views into the upstream connection's buffer, read before that buffer is consumed
// or grown. Beast's response parser did this before (~3,500 instructions with its field list).
// Pure: no I/O.
#pragma once

#include "tollgate/proxy/head_parser.hpp"

namespace tollgate::proxy {

class response_head final : public head_parser {
public:
    response_head(std::vector<header_view>& fields, std::size_t limit)
        : head_parser(nullptr, fields, limit) {}

    unsigned status() const noexcept { return status_; }
    /// 1xx but 101: an interim response, followed by the real one.
    bool interim() const noexcept { return status_ / 100 == 1 && status_ != 101; }

private:
    bool start_line(std::string_view line) override;
    bool skips_leading_empty_lines() const noexcept override { return false; }

    unsigned status_ = 0;
};

}  // namespace tollgate::proxy
