#include "tollgate/server/connection_gate.hpp"

#include <cstring>

namespace tollgate::server {

std::size_t connection_gate::hash::operator()(const address_key& a) const noexcept {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    std::memcpy(&lo, a.data(), 8);
    std::memcpy(&hi, a.data() + 8, 8);
    return static_cast<std::size_t>((lo * 0x9E3779B97F4A7C15ull) ^ (hi + (lo >> 29)));
}

connection_gate::verdict connection_gate::admit(const address_key& from) {
    std::lock_guard lock(m_);
    if (max_total_ != 0 && total_ >= max_total_) {
        return verdict::over_total;
    }
    if (max_per_address_ != 0) {
        auto& n = per_address_[from];
        if (n >= max_per_address_) {
            return verdict::over_address;
        }
        ++n;
    }
    ++total_;
    return verdict::admitted;
}

void connection_gate::release(const address_key& from) {
    std::lock_guard lock(m_);
    --total_;
    if (max_per_address_ != 0) {
        const auto it = per_address_.find(from);
        if (it != per_address_.end() && --it->second == 0) {
            per_address_.erase(it);
        }
    }
}

std::size_t connection_gate::open() const {
    std::lock_guard lock(m_);
    return total_;
}

}  // namespace tollgate::server
