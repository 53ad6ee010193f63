#include "harness.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace tollgate::testing {
namespace {

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

std::string lower(std::string s) {
    for (auto& c : s) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
}

}  // namespace

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    auto a = loopback(0);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

process::process(std::vector<std::string> argv, const std::string& log_path) : log_(log_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(
        &actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (auto& a : argv) {
        args.push_back(a.data());
    }
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) {
        throw std::runtime_error("cannot start " + argv[0]);
    }
    posix_spawn_file_actions_destroy(&actions);
}

process::~process() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

std::optional<int> process::stop(int signo, std::chrono::milliseconds timeout) {
    if (pid_ <= 0) {
        return std::nullopt;
    }
    ::kill(pid_, signo);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
}

std::string process::log() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

long process::rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return -1;
}

bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        auto a = loopback(port);
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(fd);
        if (ok) {
            return true;
        }
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

connection::connection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    auto a = loopback(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        throw std::runtime_error("connect failed to port " + std::to_string(port));
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

connection::~connection() {
    close();
}

void connection::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void connection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            return;  // the peer may legitimately have closed; reads will tell
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string connection::read_some(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
        return {};
    }
    char buf[65536];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
        eof_ = true;
        return {};
    }
    return std::string(buf, static_cast<std::size_t>(n));
}

bool connection::closed_by_peer(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_ && std::chrono::steady_clock::now() < deadline) {
        buf_ += read_some(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
    }
    return eof_;
}

std::string response::header(const std::string& name) const {
    auto it = headers.find(lower(name));
    return it == headers.end() ? std::string{} : it->second;
}

namespace {

// Fills c.pending() until it holds `n` bytes or the peer stops.
bool fill(connection& c, std::size_t n, std::chrono::steady_clock::time_point deadline) {
    while (c.pending().size() < n) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || c.eof()) {
            return false;
        }
        c.pending() += c.read_some(left);
    }
    return true;
}

bool fill_until(connection& c,
                std::string_view marker,
                std::chrono::steady_clock::time_point deadline,
                std::size_t& at) {
    for (;;) {
        at = c.pending().find(marker);
        if (at != std::string::npos) {
            return true;
        }
        if (!fill(c, c.pending().size() + 1, deadline)) {
            return false;
        }
    }
}

bool read_chunked(connection& c, response& r, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        std::size_t eol = 0;
        if (!fill_until(c, "\r\n", deadline, eol)) {
            return false;
        }
        const std::size_t size = std::stoul(c.pending().substr(0, eol), nullptr, 16);
        c.pending().erase(0, eol + 2);
        if (size == 0) {
            if (!fill_until(c, "\r\n", deadline, eol)) {
                return false;
            }
            c.pending().erase(0, eol + 2);
            return true;
        }
        if (!fill(c, size + 2, deadline)) {
            return false;
        }
        r.body += c.pending().substr(0, size);
        c.pending().erase(0, size + 2);
    }
}

}  // namespace

std::optional<response> read_response(connection& c, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t end = 0;
    if (!fill_until(c, "\r\n\r\n", deadline, end)) {
        return std::nullopt;
    }
    const std::string head = c.pending().substr(0, end);
    c.pending().erase(0, end + 4);
    response r;
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    r.status = std::stoi(line.substr(9, 3));
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        const auto colon = line.find(':');
        r.headers[lower(line.substr(0, colon))] =
            line.substr(line.find_first_not_of(' ', colon + 1));
    }
    if (lower(r.header("transfer-encoding")) == "chunked") {
        r.chunked = true;
        if (!read_chunked(c, r, deadline)) {
            return std::nullopt;
        }
    } else if (!r.header("content-length").empty()) {
        const std::size_t n = std::stoul(r.header("content-length"));
        if (!fill(c, n, deadline)) {
            return std::nullopt;
        }
        r.body = c.pending().substr(0, n);
        c.pending().erase(0, n);
    } else if (r.status != 204 && r.status != 304) {
        while (!c.eof() && std::chrono::steady_clock::now() < deadline) {
            c.pending() += c.read_some(100ms);
        }
        r.body = std::move(c.pending());
        c.pending().clear();
    }
    return r;
}

std::string make_request(std::string_view method,
                         std::string_view path,
                         std::string_view body,
                         const std::vector<std::string>& headers) {
    std::string out =
        std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: localhost\r\n";
    for (const auto& h : headers) {
        out += h + "\r\n";
    }
    if (method != "GET" || !body.empty()) {
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    return out + "\r\n" + std::string(body);
}

std::optional<response> request(std::uint16_t port,
                                std::string_view method,
                                std::string_view path,
                                std::string_view body,
                                const std::vector<std::string>& headers) {
    connection c(port);
    c.send(make_request(method, path, body, headers));
    return read_response(c);
}

std::string run_output(const std::string& command, int& exit_code) {
    std::string out;
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
        out.append(buf, n);
    }
    const int status = ::pclose(p);
    exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

std::string make_temp_dir() {
    std::string tmpl = "/tmp/tollgate-test-XXXXXX";
    if (!::mkdtemp(tmpl.data())) {
        throw std::runtime_error("mkdtemp failed");
    }
    return tmpl;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

namespace {

// The first number after `marker` in the child's log once it appears (a child started on
// port 0 reports the port it got), or 0 when it does not within `timeout` or the child died.
std::uint16_t port_in_log(const process& p,
                          std::string_view marker,
                          std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string log = p.log();
        const auto at = log.find(marker);
        if (at != std::string::npos) {
            const auto digits = at + marker.size();
            const auto end = log.find_first_not_of("0123456789", digits);
            if (end != std::string::npos && end > digits) {
                return static_cast<std::uint16_t>(std::stoi(log.substr(digits, end - digits)));
            }
        }
        if (::kill(p.pid(), 0) != 0) {
            return 0;
        }
        std::this_thread::sleep_for(10ms);
    }
    return 0;
}

}  // namespace

// Every child binds port 0 and reports the port it got, so no two tests (nor a client socket's
// ephemeral port) can take the same one between a probe and the bind. The config is then
// rewritten with the real ports, so a restart or a reload of it keeps them.
stack::stack(const std::string& server_extra,
             const std::string& upstream_extra,
             const std::string& more_upstreams,
             const std::string& top_extra,
             bool wait_ready)
    : mock_port_(0), gateway_port_(0), admin_port_(0), dir_(make_temp_dir()) {
    mock_.emplace(std::vector<std::string>{MOCK_BIN, "--listen", "127.0.0.1:0"},
                  dir_ + "/mock.log");
    mock_port_ = port_in_log(*mock_, "tollgate-mock listening on 127.0.0.1:", 20s);
    if (mock_port_ == 0) {
        throw std::runtime_error("mock did not start:\n" + mock_->log());
    }
    const std::string mock_url = "http://127.0.0.1:" + std::to_string(mock_port_);
    const auto config_text = [&] {
        return "server:\n  listen: 127.0.0.1:" + std::to_string(gateway_port_) +
               "\n  threads: 2\n" + server_extra +
               "admin:\n  listen: 127.0.0.1:" + std::to_string(admin_port_) +
               "\n  token: " + admin_token + "\n" + top_extra +
               "upstreams:\n"
               "  - name: mock-openai\n    url: " +
               mock_url +
               "\n    api_key: sk-upstream-openai\n    models: [\"gpt-*\", \"mock-*\"]\n" +
               upstream_extra + "  - name: mock-anthropic\n    url: " + mock_url +
               "\n    api_key: sk-upstream-anthropic\n    format: anthropic\n    models: "
               "[\"claude-*\"]\n" +
               upstream_extra + more_upstreams;
    };
    config_path_ = dir_ + "/tollgate.yaml";
    write_file(config_path_, config_text());
    gateway_.emplace(std::vector<std::string>{TOLLGATE_BIN, "--config", config_path_},
                     dir_ + "/gateway.log");
    gateway_port_ = port_in_log(*gateway_, "tollgate listening on 127.0.0.1:", 30s);
    admin_port_ = port_in_log(*gateway_, "admin API on 127.0.0.1:", 1s);
    if (gateway_port_ == 0 || admin_port_ == 0) {
        throw std::runtime_error("stack did not start; gateway log:\n" + gateway_->log());
    }
    write_file(config_path_, config_text());
    if (!wait_for_port(gateway_port_) || !wait_for_port(admin_port_) ||
        (wait_ready && !wait_until_ready())) {
        throw std::runtime_error("stack did not start; gateway log:\n" + gateway_->log());
    }
}

// The store connects in the background (Redis): wait for /readyz before the test starts.
bool stack::wait_until_ready() {
    for (int i = 0; i < 200; ++i) {
        auto r = admin("GET", "/readyz");
        if (r && r->status == 200) {
            return true;
        }
        std::this_thread::sleep_for(25ms);
    }
    return false;
}

redis_server::redis_server(bool durable)
    : port_(free_port()), dir_(make_temp_dir()), durable_(durable) {
    start();
}

void redis_server::start() {
    proc_.emplace(std::vector<std::string>{"redis-server",
                                           "--port",
                                           std::to_string(port_),
                                           "--bind",
                                           "127.0.0.1",
                                           "--save",
                                           "",
                                           "--appendonly",
                                           durable_ ? "yes" : "no",
                                           "--appendfsync",
                                           "always",
                                           "--dir",
                                           dir_},
                  dir_ + "/redis.log");
    if (!wait_for_port(port_)) {
        throw std::runtime_error("redis-server did not start: " + proc_->log());
    }
}

void redis_server::kill() {
    proc_.reset();
}

void redis_server::restart() {
    proc_.reset();
    start();
}

void stack::restart_gateway(int signo) {
    gateway_->stop(signo);
    gateway_.reset();
    gateway_.emplace(std::vector<std::string>{TOLLGATE_BIN, "--config", config_path_},
                     dir_ + "/gateway-restarted.log");
    if (!wait_for_port(gateway_port_) || !wait_for_port(admin_port_) || !wait_until_ready()) {
        throw std::runtime_error("gateway did not restart:\n" + gateway_->log());
    }
}

std::optional<response> stack::admin(std::string_view method,
                                     std::string_view path,
                                     std::string_view body) {
    return request(
        admin_port_,
        method,
        path,
        body,
        {std::string("Authorization: Bearer ") + admin_token, "Content-Type: application/json"});
}

std::string stack::mock_stats() {
    auto r = request(mock_port_, "GET", "/mock/stats", "");
    return r ? r->body : std::string{};
}

}  // namespace tollgate::testing
