// The Admin API's input checks: any body or query, a value or a 400 naming the field, never
// a crash (a metadata nested 100,000 deep once overflowed the stack), and what is accepted
// is within the documented bounds.
#include "check.hpp"
#include "tollgate/admin/input.hpp"

namespace {

using namespace tollgate;

constexpr std::int64_t now = 1795514400;

const config::config& cfg() {
    static const config::config c = [] {
        config::config made;
        made.plans["free"] = {};
        made.plans["pro"] = {};
        made.default_plan = "free";
        return made;
    }();
    return c;
}

template <class T>
const T* accepted(const std::variant<T, admin::bad_input>& v) {
    if (const auto* bad = std::get_if<admin::bad_input>(&v)) {
        TG_FUZZ_CHECK(!bad->text().empty());
        return nullptr;
    }
    return &std::get<T>(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0 || size > 256 * 1024) {
        return 0;
    }
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 6) {
        case 0: {
            const auto made = admin::parse_new_consumer(body, cfg(), now);
            if (const auto* c = accepted(made)) {
                TG_FUZZ_CHECK(admin::is_valid_id(c->id));
                TG_FUZZ_CHECK(c->plan.empty() || cfg().plans.contains(c->plan));
            }
            break;
        }
        case 1: {
            store::consumer current;
            current.id = "acme";
            current.plan = "free";
            const auto patched = admin::apply_consumer_patch(body, current, cfg(), now);
            if (const auto* c = accepted(patched)) {
                TG_FUZZ_CHECK(c->id == "acme");
                // "" takes the consumer off any plan (its own limits, or none).
                TG_FUZZ_CHECK(c->plan.empty() || cfg().plans.contains(c->plan));
            }
            break;
        }
        case 2: {
            const auto key = admin::parse_key_request(body, now);
            if (const auto* k = accepted(key)) {
                TG_FUZZ_CHECK(k->name.size() <= admin::max_name_length);
                TG_FUZZ_CHECK(k->models.size() <= admin::max_key_models);
            }
            break;
        }
        case 3: {
            const auto rotate = admin::parse_rotate_request(body);
            if (const auto* grace = accepted(rotate)) {
                TG_FUZZ_CHECK(*grace >= 0 && *grace <= admin::max_grace_seconds);
            }
            break;
        }
        case 4: {
            const auto adjustment = admin::parse_usage_adjustment(body);
            if (const auto* a = accepted(adjustment)) {
                TG_FUZZ_CHECK(admin::is_valid_id(a->id));
                const auto& m = a->amounts;
                TG_FUZZ_CHECK(m.prompt_tokens != 0 || m.completion_tokens != 0 || m.requests != 0 ||
                              m.cost != 0);
                const std::int64_t most = static_cast<std::int64_t>(config::max_limit_count);
                TG_FUZZ_CHECK(m.prompt_tokens >= -most && m.prompt_tokens <= most);
                TG_FUZZ_CHECK(m.completion_tokens >= -most && m.completion_tokens <= most);
                TG_FUZZ_CHECK(a->reason.size() <= admin::max_name_length);
            }
            break;
        }
        default: {
            const auto page = admin::parse_page(body);
            if (const auto* p = accepted(page)) {
                TG_FUZZ_CHECK(p->first >= 1 && p->first <= admin::max_page);
            }
            break;
        }
    }
    return 0;
}
