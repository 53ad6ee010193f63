// The `tokenizer` section: which vocabulary counts which model's tokens.
#include "sections.hpp"

namespace tollgate::config {
namespace {

std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

}  // namespace

void parse_tokenizer(yaml_reader& r, const YAML::Node& n, tokenizer_config& out) {
    const std::string path = "tokenizer";
    if (!r.expect_map(n,
                      path,
                      {"default",
                       "special_tokens",
                       "encodings",
                       "models",
                       "max_bytes",
                       "count_cache_entries",
                       "offload_bytes",
                       "count_threads"})) {
        return;
    }
    r.get(n, path, "default", out.default_encoding);
    r.get_enum(
        n,
        path,
        "special_tokens",
        out.special_tokens,
        {{"text", special_tokens_mode::text}, {"recognised", special_tokens_mode::recognised}});
    r.get_size(n, path, "max_bytes", out.max_bytes);
    r.get(n, path, "count_cache_entries", out.count_cache_entries);
    r.get_size(n, path, "offload_bytes", out.offload_bytes);
    r.get(n, path, "count_threads", out.count_threads);
    const YAML::Node encodings = n["encodings"];
    if (encodings.IsDefined() && encodings.IsMap()) {
        for (auto it = encodings.begin(); it != encodings.end(); ++it) {
            const std::string name = it->first.Scalar();
            const std::string at = path + ".encodings." + name;
            tokenizer_file f;
            if (r.expect_map(it->second, at, {"file", "pattern"})) {
                r.get(it->second, at, "file", f.file);
                r.get(it->second, at, "pattern", f.pattern);
                if (f.file.empty()) {
                    r.report(it->second, at + ".file", "is required");
                }
            }
            out.encodings[name] = std::move(f);
        }
    } else if (encodings.IsDefined()) {
        r.report(encodings, path + ".encodings", "must be a mapping of name -> {file, pattern}");
    }
    const YAML::Node models = n["models"];
    if (models.IsDefined() && models.IsSequence()) {
        for (std::size_t i = 0; i < models.size(); ++i) {
            const std::string at = index(path + ".models", i);
            tokenizer_rule rule;
            if (r.expect_map(models[i], at, {"match", "encoding"})) {
                r.get(models[i], at, "match", rule.match);
                r.get(models[i], at, "encoding", rule.encoding);
                if (rule.match.empty() || rule.encoding.empty()) {
                    r.report(models[i], at, "needs both `match` (a model glob) and `encoding`");
                }
            }
            out.models.push_back(std::move(rule));
        }
    } else if (models.IsDefined()) {
        r.report(models, path + ".models", "must be a list of {match, encoding}");
    }
}

}  // namespace tollgate::config
