#include "tollgate/redis/resp.hpp"

#include <new>

#include <hiredis/hiredis.h>

namespace tollgate::redis {
namespace {

value copy(const redisReply* r) {
    value v;
    switch (r->type) {
        case REDIS_REPLY_STRING:
            v.type = value::kind::string;
            v.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_STATUS:
            v.type = value::kind::status;
            v.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_ERROR:
            v.type = value::kind::error;
            v.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_INTEGER:
            v.type = value::kind::integer;
            v.integer = r->integer;
            break;
        case REDIS_REPLY_ARRAY:
            v.type = value::kind::array;
            v.elements.reserve(r->elements);
            for (std::size_t i = 0; i < r->elements; ++i) {
                v.elements.push_back(copy(r->element[i]));
            }
            break;
        default:
            v.type = value::kind::nil;
    }
    return v;
}

}  // namespace

void append_command(std::string& out, std::span<const std::string> args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    char* cmd = nullptr;
    const int n =
        redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), argv.data(), lens.data());
    if (n < 0 || !cmd) {
        throw std::bad_alloc();
    }
    out.append(cmd, static_cast<std::size_t>(n));
    redisFreeCommand(cmd);
}

reader::reader() : r_(redisReaderCreate()) {
    if (!r_) {
        throw std::bad_alloc();
    }
}

reader::~reader() {
    redisReaderFree(r_);
}

void reader::feed(std::string_view bytes) {
    if (redisReaderFeed(r_, bytes.data(), bytes.size()) != REDIS_OK) {
        failed_ = true;
    }
}

std::optional<value> reader::next() {
    void* reply = nullptr;
    if (failed_ || redisReaderGetReply(r_, &reply) != REDIS_OK) {
        failed_ = true;
        return std::nullopt;
    }
    if (!reply) {
        return std::nullopt;
    }
    value v = copy(static_cast<redisReply*>(reply));
    freeReplyObject(reply);
    return v;
}

}  // namespace tollgate::redis
