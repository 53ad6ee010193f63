// tollgate: argv -> config -> logging -> server -> exit code.
#include "tollgate/cli/tokenize.hpp"
#include "tollgate/config/load.hpp"
#include "tollgate/server/crash_report.hpp"
#include "tollgate/server/logging.hpp"
#include "tollgate/server/server.hpp"

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

namespace {

constexpr const char* usage =
    "usage: tollgate [--config FILE] [--check-config] [--version]\n"
    "       tollgate tokenize --encoding NAME [--ids]   (see tollgate tokenize --help)\n"
    "  --config FILE    YAML configuration (default config/tollgate.yaml)\n"
    "  --check-config   validate the configuration, print every problem, exit 0 or 1\n"
    "  --version        print the version\n";

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "tokenize") == 0) {
        const std::vector<std::string> args(argv + 2, argv + argc);
        return tollgate::cli::run_tokenize(args, std::cin, std::cout, std::cerr);
    }
    std::string path = "config/tollgate.yaml";
    bool check_only = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--config" && i + 1 < argc) {
            path = argv[++i];
        } else if (arg == "--check-config") {
            check_only = true;
        } else if (arg == "--version") {
            std::cout << "tollgate " << TOLLGATE_VERSION << "\n";
            return 0;
        } else {
            std::cerr << (arg == "--help" || arg == "-h" ? "" : "unknown argument: " + arg + "\n")
                      << usage;
            return arg == "--help" || arg == "-h" ? 0 : 2;
        }
    }
    auto loaded = tollgate::config::load_config(path);
    for (const auto& p : loaded.problems) {
        std::cerr << tollgate::config::to_string(p) << "\n";
    }
    if (!loaded.problems.empty()) {
        return 1;
    }
    try {
        auto rt = tollgate::server::build_runtime(loaded.value);
        if (check_only) {
            std::cout << path << ": ok\n";
            return 0;
        }
        tollgate::server::setup_logging(loaded.value.log);
        tollgate::server::install_crash_report();
        const int code = tollgate::server::run_server(path, std::move(rt));
        tollgate::server::shutdown_logging();
        return code;
    } catch (const std::exception& e) {
        std::cerr << "tollgate: " << e.what() << "\n";
        tollgate::server::shutdown_logging();
        return 1;
    }
}
