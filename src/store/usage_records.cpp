#include "tollgate/store/usage_records.hpp"

#include "tollgate/auth/api_key.hpp"
#include "tollgate/quota/window.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <vector>

namespace tollgate::store {

namespace usage_records {
namespace {

// The checksum as 8 lower-case hex digits.
std::string_view hex8(std::uint32_t v, char (&buf)[8]) {
    static constexpr char digits[] = "0123456789abcdef";
    for (int i = 7; i >= 0; --i, v >>= 4) {
        buf[i] = digits[v & 15];
    }
    return {buf, 8};
}

// Fields are separated by one space. Ids (consumer, request) are of a charset without spaces;
// a limit's models come from the config, so bytes that would split a field are %XX-escaped.
bool needs_escape(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == '%' || u >= 0x7f;
}

// One record's line, built in a buffer on the stack and appended once: the io thread that
// reserves writes one of these under the ledger's lock, so it is kept cheap (no allocation,
// no call per character).
class line_builder {
public:
    explicit line_builder(char kind) { put(&kind, 1); }

    // An id (consumer, request): the Admin API and the workers make them of a charset
    // without spaces or controls (A-Z a-z 0-9 . _ : @ -, hex), so they are written as they
    // are; the reader refuses a record whose fields do not parse.
    void field(std::string_view v) {
        space();
        put(v.data(), v.size());
    }
    void number(std::int64_t v) {
        space();
        char digits[24];
        const auto r = std::to_chars(digits, digits + sizeof digits, v);
        put(digits, static_cast<std::size_t>(r.ptr - digits));
    }
    void amounts(const quota::amounts& a) {
        number(a.prompt_tokens);
        number(a.completion_tokens);
        number(a.requests);
        number(a.cost);
    }
    // A limit by its id; its models come from the config, so bytes that would split a field
    // are %XX-escaped.
    void limit(const config::limit& l) {
        space();
        const auto per = quota::window_name(l.per);
        put(per.data(), per.size());
        put(":", 1);
        const auto what = quota::metric_name(l.what);
        put(what.data(), what.size());
        for (std::size_t i = 0; i < l.models.size(); ++i) {
            put(i == 0 ? ":" : ",", 1);
            text(l.models[i]);
        }
    }
    void limits(std::span<const config::limit> ls) {
        number(static_cast<std::int64_t>(ls.size()));
        for (const auto& l : ls) {
            limit(l);
        }
    }
    void finish(std::string& out) {
        put("\n", 1);
        if (spill_.empty()) {
            out.append(buf_.data(), n_);
        } else {
            out += spill_;
        }
    }

private:
    void space() { put(" ", 1); }
    void text(std::string_view v) {
        std::size_t from = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (needs_escape(v[i])) {
                static constexpr char hexdigits[] = "0123456789ABCDEF";
                put(v.data() + from, i - from);
                const auto u = static_cast<unsigned char>(v[i]);
                const char esc[3] = {'%', hexdigits[u >> 4], hexdigits[u & 15]};
                put(esc, 3);
                from = i + 1;
            }
        }
        put(v.data() + from, v.size() - from);
    }
    void put(const char* p, std::size_t len) {
        if (spill_.empty() && n_ + len <= buf_.size()) {
            std::memcpy(buf_.data() + n_, p, len);
            n_ += len;
            return;
        }
        if (spill_.empty()) {
            spill_.assign(buf_.data(), n_);  // a long record (many model globs): rare
        }
        spill_.append(p, len);
    }

    std::array<char, 768> buf_;
    std::size_t n_ = 0;
    std::string spill_;
};

// Reads the fields of one record back.
class reader {
public:
    explicit reader(std::string_view line) : rest_(line) {}

    bool text(std::string& out) {
        if (rest_.empty()) {
            return false;
        }
        const auto space = rest_.find(' ');
        const std::string_view f = rest_.substr(0, space);
        rest_ = space == std::string_view::npos ? std::string_view() : rest_.substr(space + 1);
        out.clear();
        for (std::size_t i = 0; i < f.size(); ++i) {
            if (f[i] == '%' && i + 2 < f.size()) {
                unsigned v = 0;
                const auto r = std::from_chars(f.data() + i + 1, f.data() + i + 3, v, 16);
                if (r.ptr != f.data() + i + 3) {
                    return false;
                }
                out.push_back(static_cast<char>(v));
                i += 2;
            } else if (f[i] == '%') {
                return false;
            } else {
                out.push_back(f[i]);
            }
        }
        return !out.empty();
    }
    bool num(std::int64_t& v) {
        if (!text(scratch_)) {
            return false;
        }
        const auto r = std::from_chars(scratch_.data(), scratch_.data() + scratch_.size(), v);
        return r.ec == std::errc() && r.ptr == scratch_.data() + scratch_.size();
    }
    bool amounts(quota::amounts& a) {
        return num(a.prompt_tokens) && num(a.completion_tokens) && num(a.requests) && num(a.cost);
    }
    bool limits(std::vector<config::limit>& out) {
        std::int64_t n = 0;
        if (!num(n) || n < 0 || n > 64) {
            return false;
        }
        out.clear();
        for (std::int64_t i = 0; i < n; ++i) {
            if (!text(scratch_)) {
                return false;
            }
            auto l = quota::limit_of_id(scratch_);
            if (!l) {
                return false;
            }
            out.push_back(std::move(*l));
        }
        return true;
    }
    bool done() const noexcept { return rest_.empty(); }

private:
    std::string_view rest_;
    std::string scratch_;
};

class snapshot_writer final : public quota::ledger::visitor {
public:
    explicit snapshot_writer(std::string& out) : out_(out) {}

    void used(std::string_view consumer,
              const config::limit& l,
              std::int64_t window_start,
              std::int64_t used) override {
        if (used == 0) {
            return;
        }
        line_builder b('U');
        b.field(consumer);
        b.limit(l);
        b.number(window_start);
        b.number(used);
        b.finish(out_);
    }
    void open(std::string_view consumer,
              std::string_view request_id,
              std::int64_t deadline,
              std::span<const quota::ledger::held_line> lines) override {
        line_builder b('H');
        b.field(consumer);
        b.field(request_id);
        b.number(deadline);
        b.number(static_cast<std::int64_t>(lines.size()));
        for (const auto& line : lines) {
            b.limit(line.limit);
            b.number(line.window_start);
            b.number(line.held);
        }
        b.finish(out_);
    }
    void added(std::string_view consumer,
               std::string_view request_id,
               std::int64_t window_end) override {
        line_builder b('I');
        b.field(consumer);
        b.field(request_id);
        b.number(window_end);
        b.finish(out_);
    }

private:
    std::string& out_;
};

}  // namespace

void reserved(std::string& out,
              std::string_view consumer,
              std::string_view request_id,
              std::span<const config::limit> limits,
              const quota::amounts& want,
              std::int64_t now,
              std::int64_t deadline) {
    line_builder b('R');
    b.field(consumer);
    b.field(request_id);
    b.number(now);
    b.number(deadline);
    b.amounts(want);
    b.limits(limits);
    b.finish(out);
}

void settled(std::string& out,
             std::string_view consumer,
             std::string_view request_id,
             const quota::amounts& actual) {
    line_builder b('S');
    b.field(consumer);
    b.field(request_id);
    b.amounts(actual);
    b.finish(out);
}

void added(std::string& out,
           std::string_view consumer,
           std::string_view request_id,
           std::span<const config::limit> limits,
           const quota::amounts& actual,
           std::int64_t at) {
    line_builder b('A');
    b.field(consumer);
    b.field(request_id);
    b.number(at);
    b.amounts(actual);
    b.limits(limits);
    b.finish(out);
}

void snapshot(std::string& out, const quota::ledger& ledger) {
    snapshot_writer w(out);
    ledger.visit(w);
}

bool apply(std::string_view line, quota::ledger& ledger) {
    if (line.size() < 2 || line[1] != ' ') {
        return false;
    }
    const char kind = line[0];
    reader r(line.substr(2));
    std::string consumer;
    std::string id;
    if (!r.text(consumer)) {
        return false;
    }
    std::vector<config::limit> limits;
    quota::amounts a;
    switch (kind) {
        case 'R': {
            std::int64_t now = 0;
            std::int64_t deadline = 0;
            if (!r.text(id) || !r.num(now) || !r.num(deadline) || !r.amounts(a) ||
                !r.limits(limits) || !r.done()) {
                return false;
            }
            ledger.hold(consumer, id, limits, a, now, deadline);
            return true;
        }
        case 'S':
            if (!r.text(id) || !r.amounts(a) || !r.done()) {
                return false;
            }
            ledger.settle(consumer, id, a);
            return true;
        case 'A': {
            std::int64_t at = 0;
            if (!r.text(id) || !r.num(at) || !r.amounts(a) || !r.limits(limits) || !r.done()) {
                return false;
            }
            ledger.add(consumer, id, limits, a, at);
            return true;
        }
        case 'U': {
            std::string lid;
            std::int64_t start = 0;
            std::int64_t used = 0;
            if (!r.text(lid) || !r.num(start) || !r.num(used) || !r.done()) {
                return false;
            }
            const auto l = quota::limit_of_id(lid);
            if (!l) {
                return false;
            }
            ledger.restore_used(consumer, *l, start, used);
            return true;
        }
        case 'H': {
            std::int64_t deadline = 0;
            std::int64_t n = 0;
            if (!r.text(id) || !r.num(deadline) || !r.num(n) || n < 0 || n > 64) {
                return false;
            }
            std::vector<quota::ledger::held_line> lines;
            for (std::int64_t i = 0; i < n; ++i) {
                std::string lid;
                quota::ledger::held_line h;
                if (!r.text(lid) || !r.num(h.window_start) || !r.num(h.held)) {
                    return false;
                }
                auto l = quota::limit_of_id(lid);
                if (!l) {
                    return false;
                }
                h.limit = std::move(*l);
                lines.push_back(std::move(h));
            }
            if (!r.done()) {
                return false;
            }
            ledger.restore_open(consumer, id, deadline, lines);
            return true;
        }
        case 'I': {
            std::int64_t end = 0;
            if (!r.text(id) || !r.num(end) || !r.done()) {
                return false;
            }
            ledger.restore_added(consumer, id, end);
            return true;
        }
        default:
            return false;
    }
}

void checksum(std::string_view lines, std::string& out) {
    while (!lines.empty()) {
        const auto nl = lines.find('\n');
        const std::string_view line = lines.substr(0, nl);
        char buf[8];
        out += hex8(auth::crc32(line), buf);
        out += ' ';
        out += line;
        out += '\n';
        lines = nl == std::string_view::npos ? std::string_view() : lines.substr(nl + 1);
    }
}

replay_result replay(std::string_view bytes, quota::ledger& ledger) {
    replay_result out;
    while (!bytes.empty()) {
        const auto nl = bytes.find('\n');
        const std::string_view line = bytes.substr(0, nl);
        bytes = nl == std::string_view::npos ? std::string_view() : bytes.substr(nl + 1);
        char buf[8];
        if (nl == std::string_view::npos || line.size() < 10 || line[8] != ' ' ||
            hex8(auth::crc32(line.substr(9)), buf) != line.substr(0, 8) ||
            !apply(line.substr(9), ledger)) {
            ++out.damaged;
            continue;
        }
        ++out.records;
    }
    out.charged_open = ledger.charge_open();
    return out;
}

}  // namespace usage_records

}  // namespace tollgate::store
