// Section parsers that live in files of their own (load.cpp holds the rest). Private to
// src/config.
#pragma once

#include "reader.hpp"

namespace tollgate::config {

void parse_tokenizer(yaml_reader& r, const YAML::Node& n, tokenizer_config& out);

/// admin: (its named tokens included) and metrics:.
void parse_admin(yaml_reader& r, const YAML::Node& n, admin_config& out);
void parse_metrics(yaml_reader& r, const YAML::Node& n, metrics_config& out);

/// One entry of `upstreams` at `path` ("upstreams[2]").
upstream_config parse_upstream(yaml_reader& r, const YAML::Node& n, const std::string& path);

}  // namespace tollgate::config
