#include "tollgate/store/redis_store.hpp"

#include <stdexcept>

namespace tollgate::store {
std::unique_ptr<backend> make_redis_backend(const config::store_config&) {
    throw std::runtime_error("redis: not yet");
}
}  // namespace tollgate::store
