// Opening the configured store backend (store.kind).
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/store/store.hpp"

#include <memory>

namespace tollgate::store {

/// memory or redis, as configured. Throws std::runtime_error when the backend cannot start
/// (a damaged journal, a malformed URL).
std::unique_ptr<backend> open_backend(const config::store_config& cfg);

}  // namespace tollgate::store
