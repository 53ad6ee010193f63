// body_tap: sees every byte of an upstream response body as it is relayed, without a copy
// (views into the received bytes, valid only during the call). Metering hangs off this seam.
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

/// body_filter: may change what of the body reaches the client (metering uses it to remove a
/// usage chunk the gateway asked for). Applied after the tap saw the piece. The returned view
/// stays valid until the next call.
class body_filter {
public:
    virtual ~body_filter() = default;
    /// The bytes to send for `bytes` (itself, a part of it held back, or a rewritten copy).
    virtual std::string_view on_body(std::string_view bytes) = 0;
    /// What was held back, sent when the body ends complete.
    virtual std::string_view flush() = 0;
};

/// Shows every call to two taps, in order.
class tap_pair final : public body_tap {
public:
    tap_pair(body_tap& a, body_tap& b) : a_(a), b_(b) {}
    void on_head(unsigned status, std::string_view content_type) override {
        a_.on_head(status, content_type);
        b_.on_head(status, content_type);
    }
    void on_body(std::string_view bytes) override {
        a_.on_body(bytes);
        b_.on_body(bytes);
    }
    void on_end(bool complete) override {
        a_.on_end(complete);
        b_.on_end(complete);
    }

private:
    body_tap& a_;
    body_tap& b_;
};

}  // namespace tollgate::proxy
