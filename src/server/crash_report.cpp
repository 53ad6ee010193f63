#include "tollgate/server/crash_report.hpp"

#include <csignal>
#include <cstring>
#include <execinfo.h>
#include <memory>
#include <unistd.h>

namespace tollgate::server {
namespace {

constexpr int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

void say(const char* text) {
    const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
    (void)ignored;
}

void on_fatal_signal(int signo) {
    say("tollgate: fatal signal ");
    char digits[4] = {
        static_cast<char>('0' + signo / 10 % 10), static_cast<char>('0' + signo % 10), ' ', '\0'};
    say(signo >= 10 ? digits : digits + 1);
    say(signo == SIGSEGV   ? "(SIGSEGV)"
        : signo == SIGBUS  ? "(SIGBUS)"
        : signo == SIGFPE  ? "(SIGFPE)"
        : signo == SIGILL  ? "(SIGILL)"
        : signo == SIGABRT ? "(SIGABRT)"
                           : "");
    say(": a bug; please report it with this backtrace\n");
    void* frames[64];
    const int n = ::backtrace(frames, 64);
    ::backtrace_symbols_fd(frames, n, STDERR_FILENO);
    // SA_RESETHAND put the default action back: die of the same signal.
    ::raise(signo);
}

}  // namespace

void prepare_thread_for_crash_report() {
    // The thread's own: it lives as long as the thread (and is freed with it, so leak
    // checkers see no loss).
    static constexpr std::size_t size = 64 * 1024;
    thread_local std::unique_ptr<char[]> memory;
    stack_t current{};
    if (memory || (::sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE) == 0)) {
        return;  // it has one (ours, or a sanitizer's, which it unmaps itself at thread exit)
    }
    memory = std::make_unique<char[]>(size);
    stack_t ss{};
    ss.ss_sp = memory.get();
    ss.ss_size = size;
    ::sigaltstack(&ss, nullptr);
}

void install_crash_report() {
    // backtrace() loads libgcc on first use, which is not async-signal-safe: do it now.
    void* warm[1];
    ::backtrace(warm, 1);
    prepare_thread_for_crash_report();
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (const int s : fatal_signals) {
        ::sigaction(s, &sa, nullptr);
    }
}

}  // namespace tollgate::server
