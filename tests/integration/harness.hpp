// Integration harness: start the real tollgate and tollgate-mock binaries on free loopback
// ports, and talk raw HTTP/1.1 to them over blocking sockets (so tests control every byte).
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace tollgate::testing {

using namespace std::chrono_literals;

/// A loopback port nobody listens on right now.
std::uint16_t free_port();

/// A child process; killed (SIGKILL) when destroyed unless it already exited.
class process {
public:
    process(std::vector<std::string> argv, const std::string& log_path);
    ~process();
    process(const process&) = delete;
    process& operator=(const process&) = delete;

    /// Sends `signo`; then waits up to `timeout` for the exit. Returns the exit code, or
    /// nullopt if it did not exit in time.
    std::optional<int> stop(int signo, std::chrono::milliseconds timeout = 10s);
    const std::string& log_path() const { return log_; }
    pid_t pid() const { return pid_; }
    /// Resident memory (VmRSS) in KiB, or -1.
    long rss_kib() const;
    std::string log() const;

private:
    pid_t pid_ = -1;
    std::string log_;
};

/// Waits until something accepts on 127.0.0.1:port.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout = 10s);

/// A blocking client connection with a receive timeout.
class connection {
public:
    explicit connection(std::uint16_t port);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    void send(std::string_view bytes);
    /// Bytes available within `timeout`; empty on EOF or timeout (see eof()).
    std::string read_some(std::chrono::milliseconds timeout = 5s);
    /// True when the peer closed (reads EOF or reset) within `timeout`.
    bool closed_by_peer(std::chrono::milliseconds timeout = 5s);
    bool eof() const { return eof_; }
    void close();
    std::string& pending() { return buf_; }

private:
    int fd_ = -1;
    bool eof_ = false;
    std::string buf_;
};

struct response {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;                            // de-chunked
    bool chunked = false;
    std::string header(const std::string& name) const;
};

/// Reads one whole response from `c` (Content-Length, chunked, or until close).
std::optional<response> read_response(connection& c, std::chrono::milliseconds timeout = 10s);

/// "POST path HTTP/1.1" with Host, Content-Length and the extra header lines given.
std::string make_request(std::string_view method,
                         std::string_view path,
                         std::string_view body,
                         const std::vector<std::string>& headers = {});

/// One request on a fresh connection.
std::optional<response> request(std::uint16_t port,
                                std::string_view method,
                                std::string_view path,
                                std::string_view body,
                                const std::vector<std::string>& headers = {});

/// The mock backend and a gateway in front of it, with a config written to a temp file.
class stack {
public:
    /// A config with the server on a free port and one openai and one anthropic upstream on
    /// the mock; `server_extra` lines go under server:, `upstream_extra` into each upstream.
    /// `more_upstreams` adds entries after those two.
    /// `top_extra` is top-level YAML; by default it switches auth off (data-plane tests).
    /// The admin API listens on its own free port with token `admin_token`.
    explicit stack(const std::string& server_extra = "",
                   const std::string& upstream_extra = "",
                   const std::string& more_upstreams = "",
                   const std::string& top_extra = "auth: { enabled: false }\n",
                   bool wait_ready = true);

    static constexpr const char* admin_token = "test-admin-token";

    std::uint16_t gateway_port() const { return gateway_port_; }
    std::uint16_t admin_port() const { return admin_port_; }
    /// An Admin API request with the admin token.
    std::optional<response> admin(std::string_view method,
                                  std::string_view path,
                                  std::string_view body = "");
    std::uint16_t mock_port() const { return mock_port_; }
    process& gateway() { return *gateway_; }
    /// Stops the gateway (SIGTERM, or `signo`: SIGKILL for a crash) and starts it again on the
    /// same config and ports.
    void restart_gateway(int signo = SIGTERM);
    /// The mock's /mock/stats as raw JSON text.
    std::string mock_stats();
    std::string config_path() const { return config_path_; }

private:
    bool wait_until_ready();
    std::uint16_t mock_port_;
    std::uint16_t gateway_port_;
    std::uint16_t admin_port_;
    std::string dir_;
    std::string config_path_;
    std::optional<process> mock_;
    std::optional<process> gateway_;
};

/// A real redis-server on a free loopback port; killed when destroyed. Without persistence
/// unless `durable` (append-only file, fsync on every write: a kill loses nothing).
class redis_server {
public:
    explicit redis_server(bool durable = false);
    std::uint16_t port() const { return port_; }
    std::string url(unsigned db = 0) const {
        return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
    }
    /// Kills it (SIGKILL) and, with restart(), brings it back on the same port (empty unless
    /// durable).
    void kill();
    void restart();

private:
    void start();
    std::uint16_t port_;
    std::string dir_;
    bool durable_;
    std::optional<process> proc_;
};

/// A fresh temp directory.
/// Runs a shell command, returns its stdout and stderr, and sets its exit code (-1: killed).
std::string run_output(const std::string& command, int& exit_code);

std::string make_temp_dir();
void write_file(const std::string& path, const std::string& text);

}  // namespace tollgate::testing
