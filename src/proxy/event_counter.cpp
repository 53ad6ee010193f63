#include "tollgate/proxy/event_counter.hpp"

namespace tollgate::proxy {

void event_counter::on_head(unsigned, std::string_view content_type) {
    streaming_ = content_type.starts_with("text/event-stream");
}

void event_counter::on_body(std::string_view bytes) {
    if (!streaming_) {
        return;
    }
    parser_.feed(bytes, batch_);
    events_ += batch_.size();
    batch_.clear();
}

}  // namespace tollgate::proxy
