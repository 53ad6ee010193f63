// Our request head parser against Beast's (see http_differential.hpp): a disagreement where
// both accept, or a head Beast refuses and we accept, stops the run.
#include "check.hpp"
#include "http_differential.hpp"

#include <cstdio>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto v = tollgate::fuzz::compare_with_beast(bytes);
    if (!v.disagreement.empty()) {
        std::fprintf(stderr, "ours and Beast disagree on the %s\n", v.disagreement.c_str());
    }
    TG_FUZZ_CHECK(v.disagreement.empty());
    TG_FUZZ_CHECK(!v.ours || v.beast);
    return 0;
}
