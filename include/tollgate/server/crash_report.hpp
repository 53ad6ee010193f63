// crash_report: if the process ever dies of a fatal signal (a bug: SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGABRT), one line naming it and a backtrace go to stderr before it dies as it
// would have (the signal re-raised with its default action, so core dumps still happen).
// Only async-signal-safe calls in the handler. A stack overflow is reported too: every
// thread that calls prepare_thread() has an alternate signal stack.
#pragma once

namespace tollgate::server {

/// Installs the handler for the whole process (once, at start).
void install_crash_report();

/// Gives the calling thread its own signal stack (each io thread, at start).
void prepare_thread_for_crash_report();

}  // namespace tollgate::server
