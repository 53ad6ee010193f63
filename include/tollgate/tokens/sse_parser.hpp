// sse_parser: incremental text/event-stream splitter (WHATWG HTML §9.2). Feed bytes split at
// any boundary; complete events come out. CRLF, CR and LF line ends; ':' comment lines are
// skipped. Pure; one parser per stream.
#pragma once

#include <cstddef>
#include <cstdint>
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
    /// An event (its lines as they come, or its data joined) larger than `max_event_bytes`
    /// is dropped, not held: a line that never ends holds at most that much memory.
    explicit sse_parser(std::size_t max_event_bytes = 8 * 1024 * 1024)
        : max_event_bytes_(max_event_bytes) {}

    /// Appends each event completed by `bytes` to `out`.
    void feed(std::string_view bytes, std::vector<sse_event>& out);

    /// The bound for the events to come.
    void limit(std::size_t max_event_bytes) noexcept { max_event_bytes_ = max_event_bytes; }

    /// Bytes of events dropped for their size, since the start.
    std::uint64_t dropped_bytes() const noexcept { return dropped_bytes_; }

    /// Back to a new parser's state, keeping its buffers' capacity.
    void reset() noexcept {
        line_.clear();
        current_.type.clear();
        current_.data.clear();
        current_.id.clear();
        has_data_ = false;
        after_cr_ = false;
        dropping_ = false;
        line_nonblank_ = false;
        dropped_bytes_ = 0;
    }

    /// Bytes held for an unfinished line or event (bounded by the caller's stream limits).
    std::size_t buffered_bytes() const noexcept { return line_.size() + current_.data.size(); }

private:
    void line_done(std::vector<sse_event>& out);

    // Starts dropping the event in progress (it grew past the bound).
    void drop_event();

    std::size_t max_event_bytes_;
    std::string line_;
    sse_event current_;
    bool has_data_ = false;
    bool after_cr_ = false;       // a CR ended the last line; a following LF belongs to it
    bool dropping_ = false;       // the event in progress is too large: skipped to its end
    bool line_nonblank_ = false;  // while dropping: the current line had bytes
    std::uint64_t dropped_bytes_ = 0;
};

}  // namespace tollgate::tokens
