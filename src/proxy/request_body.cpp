#include "tollgate/proxy/request_body.hpp"

#include <nlohmann/json.hpp>

namespace tollgate::proxy {
namespace {

using json = nlohmann::json;

// SAX handler: tracks depth (refusing past max_depth) and remembers the top-level "model"
// and "stream" values. The parser itself keeps an explicit stack, so no recursion.
class top_level_fields final : public nlohmann::json_sax<json> {
public:
    explicit top_level_fields(std::size_t max_depth) : max_depth_(max_depth) {}

    bool null() override { return value(); }
    bool boolean(bool v) override {
        if (at_top_key("stream")) {
            out.stream = v;
        }
        return value();
    }
    bool number_integer(number_integer_t) override { return value(); }
    bool number_unsigned(number_unsigned_t) override { return value(); }
    bool number_float(number_float_t, const string_t&) override { return value(); }
    bool string(string_t& v) override {
        if (at_top_key("model")) {
            out.model = std::move(v);
            has_model = true;
        }
        return value();
    }
    bool binary(binary_t&) override { return value(); }
    bool start_object(std::size_t) override { return open(true); }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(false); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override {
        if (depth_ == 1) {
            key_ = std::move(k);
        }
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

    request_fields out;
    bool has_model = false;
    bool too_deep = false;
    bool root_is_object = false;

private:
    bool at_top_key(std::string_view name) const { return depth_ == 1 && key_ == name; }
    bool value() {
        if (depth_ == 0) {
            return false;  // a bare scalar is not a request
        }
        if (depth_ == 1) {
            key_.clear();
        }
        return true;
    }
    bool open(bool is_object) {
        if (depth_ == 0) {
            root_is_object = is_object;
        }
        if (depth_ == 1) {
            key_.clear();
        }
        if (++depth_ > max_depth_) {
            too_deep = true;
            return false;
        }
        return true;
    }
    bool close() {
        --depth_;
        return true;
    }

    std::size_t max_depth_;
    std::size_t depth_ = 0;
    std::string key_;
};

}  // namespace

result<request_fields> scan_request_body(std::string_view body, std::size_t max_depth) {
    top_level_fields fields(max_depth);
    const bool ok = json::sax_parse(body.begin(), body.end(), &fields);
    if (fields.too_deep) {
        return error::json_too_deep;
    }
    if (!ok || !fields.root_is_object) {
        return error::invalid_json;
    }
    if (!fields.has_model || fields.out.model.empty()) {
        return error::missing_model;
    }
    return std::move(fields.out);
}

}  // namespace tollgate::proxy
