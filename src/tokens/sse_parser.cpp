#include "tollgate/tokens/sse_parser.hpp"

namespace tollgate::tokens {

void sse_parser::feed(std::string_view bytes, std::vector<sse_event>& out) {
    for (std::size_t i = 0; i < bytes.size();) {
        if (after_cr_) {
            after_cr_ = false;
            if (bytes[i] == '\n') {
                ++i;
                continue;
            }
        }
        // Copy the run up to the next line end in one go.
        const auto end = bytes.find_first_of("\r\n", i);
        const std::string_view run =
            bytes.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
        if (!dropping_ && line_.size() + current_.data.size() + run.size() > max_event_bytes_) {
            drop_event();
        }
        if (dropping_) {
            dropped_bytes_ += run.size();
            line_nonblank_ = line_nonblank_ || !run.empty();
        } else {
            line_.append(run);
        }
        if (end == std::string_view::npos) {
            return;
        }
        after_cr_ = bytes[end] == '\r';
        i = end + 1;
        if (dropping_) {
            // The dropped event ends with its blank line; nothing of it is dispatched.
            if (!line_nonblank_) {
                dropping_ = false;
            }
            line_nonblank_ = false;
            continue;
        }
        line_done(out);
    }
}

void sse_parser::drop_event() {
    dropping_ = true;
    line_nonblank_ = true;  // the line that overflowed has bytes
    dropped_bytes_ += line_.size() + current_.data.size();
    line_.clear();
    current_.data.clear();
    current_.type.clear();
    current_.id.clear();
    has_data_ = false;
}

void sse_parser::line_done(std::vector<sse_event>& out) {
    if (line_.empty()) {
        // A blank line dispatches the event, if it carried data.
        if (has_data_) {
            out.push_back(std::move(current_));
        }
        current_ = {};
        has_data_ = false;
        return;
    }
    std::string_view line = line_;
    if (line.front() != ':') {
        const auto colon = line.find(':');
        std::string_view field = line.substr(0, colon);
        std::string_view value;
        if (colon != std::string_view::npos) {
            value = line.substr(colon + 1);
            if (!value.empty() && value.front() == ' ') {
                value.remove_prefix(1);
            }
        }
        if (field == "data") {
            if (has_data_) {
                current_.data += '\n';
            }
            current_.data.append(value);
            has_data_ = true;
        } else if (field == "event") {
            current_.type.assign(value);
        } else if (field == "id") {
            current_.id.assign(value);
        }
    }
    line_.clear();
}

}  // namespace tollgate::tokens
