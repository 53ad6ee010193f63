// splits: where a fuzz target cuts its input into pieces, as the network would. The first
// bytes of the fuzzer's input choose the cuts, so the fuzzer explores them like the message;
// the same input always gives the same cuts (a crash replays).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tollgate::fuzz {

struct split_input {
    std::string_view message;
    std::vector<std::size_t> cuts;  // increasing offsets into message, each in (0, size)
};

/// The first byte is a seed, the rest the message. Seed 0 feeds byte by byte; others cut
/// after pieces of 1 to 64 bytes drawn from a small generator.
inline split_input take_splits(const std::uint8_t* data, std::size_t size) {
    split_input s;
    if (size == 0) {
        return s;
    }
    std::uint32_t state = data[0];
    s.message = std::string_view(reinterpret_cast<const char*>(data + 1), size - 1);
    for (std::size_t at = 0;;) {
        std::size_t step = 1;
        if (data[0] != 0) {
            state = state * 1103515245u + 12345u;
            step = 1 + ((state >> 16) % 64);
        }
        at += step;
        if (at >= s.message.size()) {
            break;
        }
        s.cuts.push_back(at);
    }
    return s;
}

/// The pieces of `s.message` between its cuts.
inline std::vector<std::string_view> pieces(const split_input& s) {
    std::vector<std::string_view> out;
    std::size_t from = 0;
    for (const std::size_t cut : s.cuts) {
        out.push_back(s.message.substr(from, cut - from));
        from = cut;
    }
    out.push_back(s.message.substr(from));
    return out;
}

}  // namespace tollgate::fuzz
