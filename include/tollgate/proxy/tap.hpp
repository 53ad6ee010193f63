// body_tap: sees every byte of an upstream response body as it is relayed, without a copy
// (views into the relay buffer, valid only during the call). Metering hangs off this seam.
#pragma once

#include <string_view>

namespace tollgate::proxy {

class body_tap {
public:
    virtual ~body_tap() = default;
    /// Called once, before any body byte, with the upstream's status and Content-Type.
    virtual void on_head(unsigned status, std::string_view content_type) = 0;
    /// Called for each piece of the (de-chunked) body, in order.
    virtual void on_body(std::string_view bytes) = 0;
    /// Called once at the end; `complete` is false if the upstream or client broke off.
    virtual void on_end(bool complete) = 0;
};

}  // namespace tollgate::proxy
