#include "tollgate/metering/tokenizers.hpp"

#include "tollgate/proxy/glob.hpp"
#include "tollgate/tokens/builtin.hpp"

#include <fstream>
#include <iterator>
#include <map>

namespace tollgate::metering {

const std::vector<config::tokenizer_rule>& tokenizers::builtin_rules() {
    // OpenAI's published model -> encoding table (tiktoken's model.py), most specific first:
    // "gpt-4*" must not catch "gpt-4o".
    static const std::vector<config::tokenizer_rule> rules = {
        {"gpt-4o*", "o200k_base"},
        {"chatgpt-4o*", "o200k_base"},
        {"gpt-4.1*", "o200k_base"},
        {"gpt-4.5*", "o200k_base"},
        {"gpt-5*", "o200k_base"},
        {"gpt-oss*", "o200k_base"},
        {"o1*", "o200k_base"},
        {"o3*", "o200k_base"},
        {"o4*", "o200k_base"},
        {"ft:gpt-4o*", "o200k_base"},
        {"gpt-4*", "cl100k_base"},
        {"gpt-3.5*", "cl100k_base"},
        {"gpt-35*", "cl100k_base"},
        {"ft:gpt-4*", "cl100k_base"},
        {"ft:gpt-3.5*", "cl100k_base"},
        {"text-embedding-3*", "cl100k_base"},
        {"text-embedding-ada-002*", "cl100k_base"},
    };
    return rules;
}

std::shared_ptr<const tokenizers> tokenizers::build(const config::tokenizer_config& cfg,
                                                    std::string& error) {
    auto t = std::make_shared<tokenizers>();
    t->special_ = cfg.special_tokens == config::special_tokens_mode::recognised
                      ? tokens::special_tokens::recognised
                      : tokens::special_tokens::text;
    t->max_bytes_ = cfg.max_bytes;
    std::map<std::string, const tokens::encoding*, std::less<>> loaded;
    // Loads an encoding the first time a rule names it; false (error set) on failure.
    const auto resolve = [&](const std::string& name, const tokens::encoding*& out) {
        out = nullptr;
        if (name == "estimate") {
            return true;
        }
        if (const auto it = loaded.find(name); it != loaded.end()) {
            out = it->second;
            return true;
        }
        std::shared_ptr<const tokens::encoding> enc;
        if (tokens::is_builtin(name)) {
            enc = tokens::load_builtin(name, error);
        } else if (const auto f = cfg.encodings.find(name); f != cfg.encodings.end()) {
            std::ifstream in(f->second.file, std::ios::binary);
            if (!in) {
                error = "tokenizer.encodings." + name + ": cannot read " + f->second.file;
                return false;
            }
            const std::string text{std::istreambuf_iterator<char>(in), {}};
            enc = tokens::load_encoding(name, text, f->second.pattern, error);
            if (!enc) {
                error = "tokenizer.encodings." + name + ": " + error;
            }
        } else {
            error = "tokenizer: unknown encoding " + name;
        }
        if (!enc) {
            return false;
        }
        out = enc.get();
        loaded.emplace(name, out);
        t->owned_.push_back(std::move(enc));
        return true;
    };
    for (const auto* list : {&cfg.models, &builtin_rules()}) {
        for (const auto& r : *list) {
            rule resolved{r.match, nullptr};
            if (!resolve(r.encoding, resolved.enc)) {
                return nullptr;
            }
            t->rules_.push_back(std::move(resolved));
        }
    }
    if (!resolve(cfg.default_encoding, t->default_)) {
        return nullptr;
    }
    return t;
}

const tokens::encoding* tokenizers::for_model(std::string_view model) const noexcept {
    for (const auto& r : rules_) {
        if (proxy::glob_match(r.match, model)) {
            return r.enc;
        }
    }
    return default_;
}

}  // namespace tollgate::metering
