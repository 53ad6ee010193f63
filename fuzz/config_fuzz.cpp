// The config loader: YAML bytes in, a config or problems out, never an abort, an uncaught
// exception or a crash (an operator's typo must get a message, not a core dump).
#include "check.hpp"
#include "tollgate/config/load.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) {
        return 0;
    }
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto env = [](const std::string& name) -> std::optional<std::string> {
        if (name == "TOLLGATE_ADMIN_TOKEN") {
            return std::string("fuzz-admin-token-0123456789");
        }
        return std::nullopt;
    };
    const auto loaded = tollgate::config::parse_config(text, "fuzz.yaml", env);
    for (const auto& p : loaded.problems) {
        TG_FUZZ_CHECK(!p.message.empty());
        TG_FUZZ_CHECK(p.line >= 0);
    }
    return 0;
}
