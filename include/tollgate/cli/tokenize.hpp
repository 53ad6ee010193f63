// `tollgate tokenize`: reads stdin, prints its token count or ids under one encoding. For
// operators checking a bill and for the conformance tests.
#pragma once

#include <iosfwd>
#include <span>
#include <string>

namespace tollgate::cli {

/// args: what follows "tokenize" on the command line. Returns the exit code.
int run_tokenize(std::span<const std::string> args,
                 std::istream& in,
                 std::ostream& out,
                 std::ostream& err);

}  // namespace tollgate::cli
