// connection_gate: the caps on open client connections, in all and per client address.
// The accept thread admits, a worker releases when the connection's session ends: a lock
// per connection opened or closed, never per request. Pure: no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace tollgate::server {

/// A client address as 16 bytes (IPv4 as its IPv6-mapped form).
using address_key = std::array<std::uint8_t, 16>;

class connection_gate {
public:
    /// Either cap 0: none.
    connection_gate(std::size_t max_total, std::size_t max_per_address)
        : max_total_(max_total), max_per_address_(max_per_address) {}

    enum class verdict { admitted, over_total, over_address };

    /// Counts a connection from `from` unless a cap is reached (then nothing is counted).
    verdict admit(const address_key& from);
    /// The connection from `from` closed.
    void release(const address_key& from);

    std::size_t open() const;

private:
    struct hash {
        std::size_t operator()(const address_key& a) const noexcept;
    };
    const std::size_t max_total_;
    const std::size_t max_per_address_;
    mutable std::mutex m_;
    std::size_t total_ = 0;
    std::unordered_map<address_key, std::size_t, hash> per_address_;
};

}  // namespace tollgate::server
