// Section parsers that live in files of their own (load.cpp holds the rest). Private to
// src/config.
#pragma once

#include "reader.hpp"

namespace tollgate::config {

void parse_tokenizer(yaml_reader& r, const YAML::Node& n, tokenizer_config& out);

}  // namespace tollgate::config
