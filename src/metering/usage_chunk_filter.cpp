#include "tollgate/metering/usage_chunk_filter.hpp"

#include "tollgate/tokens/json_scan.hpp"

namespace tollgate::metering {
namespace {

constexpr auto npos = std::string_view::npos;

// The data of an event: its `data:` lines joined by '\n' (one line, the usual case, is a view).
std::string_view data_of(std::string_view event, std::string& joined) {
    std::string_view first;
    int lines = 0;
    while (!event.empty()) {
        const auto eol = event.find_first_of("\r\n");
        std::string_view line = event.substr(0, eol);
        event = eol == npos ? std::string_view() : event.substr(eol + 1);
        if (!line.starts_with("data:")) {
            continue;
        }
        line.remove_prefix(5);
        if (line.starts_with(' ')) {
            line.remove_prefix(1);
        }
        if (lines++ == 0) {
            first = line;
        } else {
            if (lines == 2) {
                joined.assign(first);
            }
            joined.append("\n").append(line);
        }
    }
    return lines > 1 ? std::string_view(joined) : first;
}

bool is_empty_array(std::string_view raw) {
    return raw.size() >= 2 && raw.substr(1, raw.size() - 2).find_first_not_of(" \t\r\n") == npos;
}

}  // namespace

std::size_t event_boundaries::find(std::string_view bytes, std::size_t from) noexcept {
    for (std::size_t i = from; i < bytes.size(); ++i) {
        const char c = bytes[i];
        if (after_cr_) {
            after_cr_ = false;
            if (c == '\n') {
                continue;  // the LF of a CRLF: the line already ended
            }
        }
        if (c != '\r' && c != '\n') {
            line_empty_ = false;
            continue;
        }
        after_cr_ = c == '\r';
        if (!line_empty_) {
            line_empty_ = true;
            continue;
        }
        // A blank line ends the event; a CRLF's LF goes with it when it is here.
        if (after_cr_ && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
            after_cr_ = false;
            return i + 2;
        }
        return i + 1;
    }
    return npos;
}

bool event_boundaries::take_lf(std::string_view bytes) noexcept {
    if (after_cr_ && line_empty_ && !bytes.empty() && bytes.front() == '\n') {
        after_cr_ = false;
        return true;
    }
    return false;
}

bool is_usage_chunk(std::string_view event) noexcept {
    if (event.find("\"usage\"") == npos) {
        return false;  // the common case, decided without parsing
    }
    std::string joined;
    tokens::json_object_scanner scanner(data_of(event, joined), 64);
    bool no_choices = false;
    bool usage = false;
    while (const auto m = scanner.next()) {
        if (m->key == "choices") {
            no_choices = m->kind == tokens::json_kind::array && is_empty_array(m->value);
        } else if (m->key == "usage") {
            usage = m->kind == tokens::json_kind::object;
        }
    }
    return scanner.status() == tokens::json_status::ok && no_choices && usage;
}

// Member by member, keeping the buffers: a session reuses one filter for each request.
void usage_chunk_filter::reset() {
    held_.clear();
    out_.clear();
    boundaries_ = {};
    passing_ = false;
    removed_ = false;
    last_removed_ = false;
}

std::string_view usage_chunk_filter::on_body(std::string_view bytes) {
    // While `direct`, what is sent is a prefix of `bytes` (no copy); the first removal or use
    // of held bytes switches to building out_.
    bool direct = held_.empty() && !passing_;
    std::size_t direct_end = 0;
    out_.clear();
    const auto leave_direct = [&] {
        if (direct) {
            out_.assign(bytes.substr(0, direct_end));
            direct = false;
        }
    };
    const auto send = [&](std::string_view part) {
        if (direct && part.data() == bytes.data() + direct_end) {
            direct_end += part.size();
            return;
        }
        leave_direct();
        out_.append(part);
    };
    std::size_t pos = 0;
    if (held_.empty() && !passing_ && boundaries_.take_lf(bytes)) {
        pos = 1;  // the end of the last event's CRLF: goes where that event went
        if (last_removed_) {
            leave_direct();
        } else {
            send(bytes.substr(0, 1));
        }
    }
    for (std::size_t end; (end = boundaries_.find(bytes, pos)) != npos; pos = end) {
        const std::string_view part = bytes.substr(pos, end - pos);
        last_removed_ = false;
        if (passing_) {
            send(part);
            passing_ = false;
        } else if (!held_.empty()) {
            held_.append(part);
            if (is_usage_chunk(held_)) {
                leave_direct();
                removed_ = last_removed_ = true;
            } else {
                send(held_);
            }
            held_.clear();
        } else if (is_usage_chunk(part)) {
            leave_direct();
            removed_ = last_removed_ = true;
        } else {
            send(part);
        }
    }
    const std::string_view tail = bytes.substr(pos);
    if (passing_) {
        send(tail);
    } else if (!tail.empty()) {
        held_.append(tail);
        if (held_.size() > max_held_) {
            leave_direct();
            out_.append(held_);
            held_.clear();
            passing_ = true;
        }
    }
    return direct ? bytes.substr(0, direct_end) : std::string_view(out_);
}

std::string_view usage_chunk_filter::flush() {
    out_.swap(held_);
    held_.clear();
    return out_;
}

}  // namespace tollgate::metering
