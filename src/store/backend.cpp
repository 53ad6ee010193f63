#include "tollgate/store/backend.hpp"

#include "tollgate/store/memory_store.hpp"
#include "tollgate/store/redis_store.hpp"

namespace tollgate::store {

std::unique_ptr<backend> open_backend(const config::store_config& cfg) {
    if (cfg.kind == config::store_kind::redis) {
        return make_redis_backend(cfg);
    }
    return make_memory_backend(cfg);
}

}  // namespace tollgate::store
