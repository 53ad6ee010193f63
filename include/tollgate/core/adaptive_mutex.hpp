// adaptive_mutex: a mutex that spins briefly before it sleeps (glibc's
// PTHREAD_MUTEX_ADAPTIVE_NP), for state that every io thread touches for well under a
// microsecond per request (the memory store's quota ledger). A plain mutex puts the second
// thread to sleep at once and wakes it with two system calls; the holder is usually done
// before that is over. Lockable, so std::lock_guard and std::unique_lock take it.
#pragma once

#include <pthread.h>

namespace tollgate {

class adaptive_mutex {
public:
    adaptive_mutex() noexcept {
        pthread_mutexattr_t attr;
        pthread_mutexattr_init(&attr);
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
        pthread_mutex_init(&m_, &attr);
        pthread_mutexattr_destroy(&attr);
    }
    ~adaptive_mutex() { pthread_mutex_destroy(&m_); }
    adaptive_mutex(const adaptive_mutex&) = delete;
    adaptive_mutex& operator=(const adaptive_mutex&) = delete;

    void lock() noexcept { pthread_mutex_lock(&m_); }
    bool try_lock() noexcept { return pthread_mutex_trylock(&m_) == 0; }
    void unlock() noexcept { pthread_mutex_unlock(&m_); }

private:
    pthread_mutex_t m_;
};

}  // namespace tollgate
