// event_counter: a body_tap that counts the server-sent events of text/event-stream answers
// (for the access log), showing the tap seam end to end. Pure.
#pragma once

#include "tollgate/proxy/tap.hpp"
#include "tollgate/tokens/sse_parser.hpp"

#include <cstdint>
#include <vector>

namespace tollgate::proxy {

class event_counter final : public body_tap {
public:
    void on_head(unsigned status, std::string_view content_type) override;
    void on_body(std::string_view bytes) override;
    void on_end(bool complete) override { complete_ = complete; }

    std::uint64_t events() const noexcept { return events_; }
    bool complete() const noexcept { return complete_; }

private:
    bool streaming_ = false;
    bool complete_ = false;
    std::uint64_t events_ = 0;
    tokens::sse_parser parser_;
    std::vector<tokens::sse_event> batch_;
};

}  // namespace tollgate::proxy
