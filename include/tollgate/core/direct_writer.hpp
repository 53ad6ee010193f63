// direct_writer: text written straight into the end of a std::string. open() resizes once for
// the most that will be written; puts are plain copies through a pointer; close() cuts the
// string to what was written. A head or an access line takes a dozen pieces per request, and
// an append per piece cost a capacity check and a call each. The caller's `most` must bound
// what it puts: close() stops the process rather than go on past the string's end.
// Header-only; pure.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace tollgate {

class direct_writer {
public:
    direct_writer(std::string& out, std::size_t most) : out_(out) { open(most); }

    void put(std::string_view s) noexcept {
        std::memcpy(at_, s.data(), s.size());
        at_ += s.size();
    }
    void put(char c) noexcept { *at_++ = c; }
    // A literal: its length is known here, so the copy is a few moves instead of a call.
    template <std::size_t N>
    void put_literal(const char (&s)[N]) noexcept {
        std::memcpy(at_, s, N - 1);
        at_ += N - 1;
    }
    // Decimal; at most 20 digits (any uint64).
    void put_number(std::uint64_t n) noexcept { at_ = std::to_chars(at_, at_ + 20, n).ptr; }
    // n, zero-padded to `width` digits (n < 10^width).
    void put_padded(std::uint64_t n, int width) noexcept {
        for (int i = width - 1; i >= 0; --i) {
            at_[i] = static_cast<char>('0' + n % 10);
            n /= 10;
        }
        at_ += width;
    }

    /// Cuts the string to what was written; it may then be appended to by other means and
    /// the writer open()ed again.
    void close() {
        if (at_ > out_.data() + out_.size()) {
            std::abort();  // a wrong `most`: memory past the string's end was written
        }
        out_.resize(static_cast<std::size_t>(at_ - out_.data()));
    }
    /// Room for `most` more bytes after what the string holds.
    void open(std::size_t most) {
        const std::size_t used = out_.size();
        out_.resize(used + most);
        at_ = out_.data() + used;
    }

protected:
    std::string& out_;

private:
    char* at_ = nullptr;
};

}  // namespace tollgate
