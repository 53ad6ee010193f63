// sse_parser: incremental text/event-stream splitter (WHATWG HTML §9.2). Feed bytes split at
// any boundary; complete events come out. CRLF, CR and LF line ends; ':' comment lines are
// skipped. Pure; one parser per stream.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::tokens {

struct sse_event {
    std::string type;  // "event:" field; empty means "message"
    std::string data;  // "data:" lines joined with '\n'
    std::string id;
};

class sse_parser {
public:
    /// Appends each event completed by `bytes` to `out`.
    void feed(std::string_view bytes, std::vector<sse_event>& out);

    /// Back to a new parser's state, keeping its buffers' capacity.
    void reset() noexcept {
        line_.clear();
        current_.type.clear();
        current_.data.clear();
        current_.id.clear();
        has_data_ = false;
        after_cr_ = false;
    }

    /// Bytes held for an unfinished line or event (bounded by the caller's stream limits).
    std::size_t buffered_bytes() const noexcept { return line_.size() + current_.data.size(); }

private:
    void line_done(std::vector<sse_event>& out);

    std::string line_;
    sse_event current_;
    bool has_data_ = false;
    bool after_cr_ = false;  // a CR ended the last line; a following LF belongs to it
};

}  // namespace tollgate::tokens
