// check: a fuzz target's assertion. A broken invariant must stop the run with a message in
// every build (assert() vanishes under NDEBUG), so libFuzzer saves the input that broke it.
#pragma once

#include <cstdio>
#include <cstdlib>

#define TG_FUZZ_CHECK(cond)                                                                   \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                     \
        }                                                                                     \
    } while (false)
