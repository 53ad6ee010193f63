#include "tollgate/cli/tokenize.hpp"

#include "tollgate/tokens/builtin.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <vector>

namespace tollgate::cli {
namespace {

constexpr const char* usage =
    "usage: tollgate tokenize --encoding NAME [--ids] [--special]\n"
    "       tollgate tokenize --vocabulary FILE --pattern NAME|REGEX [--ids]\n"
    "  reads text from stdin and prints its token count, or with --ids its token ids as a\n"
    "  JSON array\n"
    "  --encoding NAME     cl100k_base or o200k_base (built in)\n"
    "  --vocabulary FILE   a tiktoken-format file (base64 token, space, rank per line)\n"
    "  --pattern P         the split pattern for --vocabulary: a built-in encoding's name or\n"
    "                      a PCRE2 regular expression\n"
    "  --special           count special tokens spelt in the text (<|endoftext|>...) as one\n"
    "                      token each, instead of as text\n";

std::string read_all(std::istream& in) {
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int run_tokenize(std::span<const std::string> args,
                 std::istream& in,
                 std::ostream& out,
                 std::ostream& err) {
    std::string name;
    std::string vocabulary_file;
    std::string pattern;
    bool ids = false;
    auto mode = tokens::special_tokens::text;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const bool has_value = i + 1 < args.size();
        if (a == "--encoding" && has_value) {
            name = args[++i];
        } else if (a == "--vocabulary" && has_value) {
            vocabulary_file = args[++i];
        } else if (a == "--pattern" && has_value) {
            pattern = args[++i];
        } else if (a == "--ids") {
            ids = true;
        } else if (a == "--special") {
            mode = tokens::special_tokens::recognised;
        } else if (a == "--help" || a == "-h") {
            out << usage;
            return 0;
        } else {
            err << "tollgate tokenize: unknown or incomplete argument: " << a << "\n" << usage;
            return 2;
        }
    }
    std::string error;
    std::shared_ptr<const tokens::encoding> enc;
    if (!vocabulary_file.empty()) {
        std::ifstream file(vocabulary_file, std::ios::binary);
        if (!file) {
            err << "tollgate tokenize: cannot read " << vocabulary_file << "\n";
            return 1;
        }
        enc = tokens::load_encoding(
            vocabulary_file, read_all(file), pattern.empty() ? "o200k_base" : pattern, error);
    } else if (!name.empty()) {
        enc = tokens::load_builtin(name, error);
    } else {
        err << usage;
        return 2;
    }
    if (!enc) {
        err << "tollgate tokenize: " << error << "\n";
        return 1;
    }
    const std::string text = read_all(in);
    if (!ids) {
        out << enc->count(text, mode) << "\n";
        return 0;
    }
    std::vector<tokens::rank_t> result;
    enc->encode(text, result, mode);
    std::ostringstream line;
    line << '[';
    for (std::size_t i = 0; i < result.size(); ++i) {
        line << (i ? "," : "") << result[i];
    }
    line << "]\n";
    out << line.str();
    return 0;
}

}  // namespace tollgate::cli
