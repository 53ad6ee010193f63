#include "tollgate/server/access_batch.hpp"

#include <cstdio>

namespace tollgate::server {

void access_batch::append_time(std::chrono::system_clock::time_point now) {
    using namespace std::chrono;
    const auto since_epoch = now.time_since_epoch();
    const auto second = static_cast<std::time_t>(duration_cast<seconds>(since_epoch).count());
    if (second != cached_second_) {
        std::tm tm{};
        gmtime_r(&second, &tm);
        std::strftime(cached_prefix_, sizeof cached_prefix_, "%Y-%m-%dT%H:%M:%S", &tm);
        cached_second_ = second;
    }
    auto micros = duration_cast<microseconds>(since_epoch).count() % 1'000'000;
    char fraction[9] = ".000000Z";
    for (int i = 6; i >= 1; --i, micros /= 10) {
        fraction[i] = static_cast<char>('0' + micros % 10);
    }
    text_.append(cached_prefix_).append(fraction, 8);
}

void access_batch::add(const access_record& r,
                       config::log_format format,
                       std::chrono::system_clock::time_point now) {
    if (format == config::log_format::json) {
        const std::string line = format_access_line(r, format);
        text_ += R"({"time":")";
        append_time(now);
        text_ += "\",";
        text_.append(line, 1);  // the record's object, without its opening brace
    } else {
        append_time(now);
        text_ += " access ";
        append_access_line(text_, r, format);
    }
    text_ += '\n';
}

std::string access_batch::take() {
    std::string out;
    out.swap(text_);
    text_.reserve(out.size());  // the next batch is likely as long: no growth copies
    return out;
}

}  // namespace tollgate::server
