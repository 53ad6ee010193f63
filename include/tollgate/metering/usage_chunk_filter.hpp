// usage_chunk_filter: removes the usage-only chunk (`"choices":[]` with a `usage` object) from
// an OpenAI event stream whose usage the gateway asked for on the client's behalf, so the
// client sees the stream it asked for. Everything else passes unchanged; a piece that ends on
// an event boundary and holds no usage chunk passes without a copy. Pure; one per stream.
#pragma once

#include "tollgate/proxy/tap.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace tollgate::metering {

/// Finds the ends of events (their blank line) in a stream fed piece by piece: LF, CRLF and CR
/// line ends, split anywhere.
class event_boundaries {
public:
    /// The offset just after the next blank line at or after `from`, or npos.
    std::size_t find(std::string_view bytes, std::size_t from) noexcept;
    /// Whether `bytes` starts with the LF of a CRLF whose CR ended the last event (the LF
    /// belongs to that event); consumed when so.
    bool take_lf(std::string_view bytes) noexcept;

private:
    bool line_empty_ = true;
    bool after_cr_ = false;
};

class usage_chunk_filter final : public proxy::body_filter {
public:
    /// An unfinished event longer than this is passed on rather than held (a usage chunk is
    /// a few hundred bytes; content events can be long).
    explicit usage_chunk_filter(std::size_t max_held = 64 * 1024) : max_held_(max_held) {}

    /// Back to a new filter's state (same max_held), keeping its buffers' capacity.
    void reset();

    std::string_view on_body(std::string_view bytes) override;
    std::string_view flush() override;

    /// Whether a usage chunk was removed.
    bool removed() const noexcept { return removed_; }

private:
    std::string held_;  // the start of an event whose end has not arrived
    std::string out_;
    event_boundaries boundaries_;
    std::size_t max_held_;
    bool passing_ = false;  // the current event was too long to hold: passed on as it comes
    bool removed_ = false;
    bool last_removed_ = false;  // the last complete event was removed
};

/// Whether an event (its raw text) is an OpenAI usage-only chunk.
bool is_usage_chunk(std::string_view event) noexcept;

}  // namespace tollgate::metering
