#include "tollgate/metrics/exposition.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace tollgate::metrics {

void append_label_value(std::string& out, std::string_view v) {
    for (const char c : v) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
}

namespace {

using labels = std::vector<std::pair<std::string_view, std::string_view>>;

class writer {
public:
    explicit writer(std::string& out) : out_(out) {}

    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += "# HELP ";
        out_ += name;
        out_.push_back(' ');
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_.push_back(' ');
        out_ += type;
        out_.push_back('\n');
    }
    void sample(std::string_view name, const labels& ls, std::string_view value) {
        out_ += name;
        if (!ls.empty()) {
            out_.push_back('{');
            for (std::size_t i = 0; i < ls.size(); ++i) {
                if (i) {
                    out_.push_back(',');
                }
                out_ += ls[i].first;
                out_ += "=\"";
                append_label_value(out_, ls[i].second);
                out_.push_back('"');
            }
            out_.push_back('}');
        }
        out_.push_back(' ');
        out_ += value;
        out_.push_back('\n');
    }
    void sample(std::string_view name, const labels& ls, std::uint64_t value) {
        sample(name, ls, std::to_string(value));
    }

private:
    std::string& out_;
};

// `whole`.`fraction` with `digits` fraction digits, trailing zeros dropped.
std::string decimal(std::uint64_t whole, std::uint64_t fraction, int digits) {
    char buf[48];
    std::snprintf(buf,
                  sizeof buf,
                  "%llu.%0*llu",
                  static_cast<unsigned long long>(whole),
                  digits,
                  static_cast<unsigned long long>(fraction));
    std::string s = buf;
    while (s.back() == '0') {
        s.pop_back();
    }
    if (s.back() == '.') {
        s.pop_back();
    }
    return s;
}

// 1e-12 USD units as an exact decimal number of dollars.
std::string usd_of_pico(std::uint64_t pico) {
    return decimal(pico / 1'000'000'000'000, pico % 1'000'000'000'000, 12);
}

std::string seconds_of_us(std::uint64_t us) {
    return decimal(us / 1'000'000, us % 1'000'000, 6);
}

// Sums a labelled table over the workers: label values -> per-value totals.
template <std::size_t L, std::size_t V, class Table>
std::map<std::array<std::string, L>, std::array<std::uint64_t, V>> sum_rows(
    std::span<const worker_metrics* const> workers,
    const Table& (*table_of)(const worker_metrics&)) {
    std::map<std::array<std::string, L>, std::array<std::uint64_t, V>> out;
    const auto add = [&](const typename Table::row& r) {
        auto& totals = out[r.labels];  // value-initialised: zeros
        for (std::size_t i = 0; i < V; ++i) {
            totals[i] += r.values[i].get();
        }
    };
    for (const auto* w : workers) {
        const Table& t = table_of(*w);
        const std::size_t n = t.size();
        for (std::size_t i = 0; i < n; ++i) {
            add(t[i]);
        }
        if (const auto* o = t.overflow()) {
            add(*o);
        }
    }
    return out;
}

using counter_of = const counter& (*)(const worker_metrics&);
using histogram_of = const histogram& (*)(const worker_metrics&);

std::uint64_t sum(std::span<const worker_metrics* const> workers, counter_of c) {
    std::uint64_t total = 0;
    for (const auto* w : workers) {
        total += c(*w).get();
    }
    return total;
}

void scalar(writer& out,
            std::span<const worker_metrics* const> workers,
            std::string_view name,
            std::string_view type,
            std::string_view help,
            counter_of c) {
    out.family(name, type, help);
    out.sample(name, {}, sum(workers, c));
}

void histogram_family(writer& out,
                      std::span<const worker_metrics* const> workers,
                      std::string_view name,
                      std::string_view help,
                      histogram_of h) {
    out.family(name, "histogram", help);
    std::array<std::uint64_t, histogram::buckets> counts{};
    std::uint64_t sum_us = 0;
    for (const auto* w : workers) {
        const histogram& one = h(*w);
        for (std::size_t i = 0; i < histogram::buckets; ++i) {
            counts[i] += one.count_in(i);
        }
        sum_us += one.sum_us();
    }
    const std::string bucket = std::string(name) + "_bucket";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < histogram::buckets; ++i) {
        cumulative += counts[i];
        const std::string le =
            i < latency_bounds_us.size() ? seconds_of_us(latency_bounds_us[i]) : "+Inf";
        out.sample(bucket, {{"le", le}}, cumulative);
    }
    out.sample(std::string(name) + "_sum", {}, seconds_of_us(sum_us));
    out.sample(std::string(name) + "_count", {}, cumulative);
}

}  // namespace

std::string render(std::span<const worker_metrics* const> workers, const process_facts& facts) {
    std::string text;
    writer out(text);

    out.family("tollgate_build_info", "gauge", "Always 1; the labels name the build.");
    out.sample("tollgate_build_info", {{"version", facts.version}, {"store", facts.store_kind}}, 1);
    out.family("tollgate_start_time_seconds", "gauge", "When the process started, Unix time.");
    char start[32];
    std::snprintf(start, sizeof start, "%.3f", facts.start_time_seconds);
    out.sample("tollgate_start_time_seconds", {}, start);

    out.family("tollgate_requests_total",
               "counter",
               "Requests answered, by API route, status class and upstream (none: not forwarded).");
    for (const auto& [ls, v] : sum_rows<3, 1>(
             workers, +[](const worker_metrics& w) -> const auto& { return w.requests; })) {
        out.sample("tollgate_requests_total",
                   {{"route", ls[0]}, {"status", ls[1]}, {"upstream", ls[2]}},
                   v[0]);
    }

    const auto usage = sum_rows<2, worker_metrics::usage_values>(
        workers, +[](const worker_metrics& w) -> const auto& { return w.usage; });
    out.family("tollgate_tokens_total",
               "counter",
               "Tokens settled for metered requests, by consumer, model and type (cached is part "
               "of prompt, reasoning part of completion).");
    static constexpr std::array<std::pair<std::string_view, std::size_t>, 4> types{{
        {"prompt", worker_metrics::prompt},
        {"completion", worker_metrics::completion},
        {"cached", worker_metrics::cached},
        {"reasoning", worker_metrics::reasoning},
    }};
    for (const auto& [ls, v] : usage) {
        for (const auto& [type, index] : types) {
            out.sample("tollgate_tokens_total",
                       {{"consumer", ls[0]}, {"model", ls[1]}, {"type", type}},
                       v[index]);
        }
    }
    out.family("tollgate_cost_usd_total",
               "counter",
               "Cost settled for metered requests, in US dollars, by consumer and model.");
    for (const auto& [ls, v] : usage) {
        out.sample("tollgate_cost_usd_total",
                   {{"consumer", ls[0]}, {"model", ls[1]}},
                   usd_of_pico(v[worker_metrics::cost_pico_usd]));
    }

    out.family("tollgate_admissions_total",
               "counter",
               "Quota admissions of metered requests, by outcome (clamped: admitted with a lower "
               "completion limit than asked).");
    for (std::size_t i = 1; i < admission_kinds; ++i) {
        std::uint64_t total = 0;
        for (const auto* w : workers) {
            total += w->admissions[i].get();
        }
        out.sample(
            "tollgate_admissions_total", {{"outcome", name_of(static_cast<admission>(i))}}, total);
    }

    histogram_family(
        out,
        workers,
        "tollgate_request_duration_seconds",
        "From a request's first byte to its answer's last, as the access log's ms.",
        [](const worker_metrics& w) -> const histogram& { return w.request_duration; });
    histogram_family(
        out,
        workers,
        "tollgate_gateway_duration_seconds",
        "What the gateway added: a request's duration minus its upstream exchanges.",
        [](const worker_metrics& w) -> const histogram& { return w.gateway_duration; });
    histogram_family(out,
                     workers,
                     "tollgate_upstream_ttfb_seconds",
                     "From sending a request upstream (connecting included) to its response head.",
                     [](const worker_metrics& w) -> const histogram& { return w.upstream_ttfb; });
    histogram_family(out,
                     workers,
                     "tollgate_store_command_duration_seconds",
                     "Store command batches sent by the workers, until answered (Redis).",
                     [](const worker_metrics& w) -> const histogram& { return w.store_latency; });

    struct plain {
        std::string_view name;
        std::string_view type;
        std::string_view help;
        counter_of value;
    };
    const plain plains[] = {
        {"tollgate_store_commands_total",
         "counter",
         "Store command batches the workers sent (Redis).",
         [](const worker_metrics& w) -> const counter& {
             return w.store_commands;
         }},
        {"tollgate_store_errors_total",
         "counter",
         "Store command batches that failed: not connected, dropped or overloaded.",
         [](const worker_metrics& w) -> const counter& {
             return w.store_errors;
         }},
        {"tollgate_store_timeouts_total",
         "counter",
         "Store command batches past store.command_timeout.",
         [](const worker_metrics& w) -> const counter& {
             return w.store_timeouts;
         }},
        {"tollgate_reservations_open",
         "gauge",
         "Quota reservations held by requests in flight.",
         [](const worker_metrics& w) -> const counter& {
             return w.reservations_open;
         }},
        {"tollgate_leases_held",
         "gauge",
         "Redis quota leases the workers hold.",
         [](const worker_metrics& w) -> const counter& {
             return w.leases_held;
         }},
        {"tollgate_charge_backlog",
         "gauge",
         "Settlements and charges waiting for the store to take them.",
         [](const worker_metrics& w) -> const counter& {
             return w.charge_backlog;
         }},
        {"tollgate_key_cache_hits_total",
         "counter",
         "API key lookups answered by a worker's key cache.",
         [](const worker_metrics& w) -> const counter& {
             return w.key_cache_hits;
         }},
        {"tollgate_key_cache_misses_total",
         "counter",
         "API key lookups that went to the store.",
         [](const worker_metrics& w) -> const counter& {
             return w.key_cache_misses;
         }},
        {"tollgate_key_cache_entries",
         "gauge",
         "Keys held in the workers' caches.",
         [](const worker_metrics& w) -> const counter& {
             return w.key_cache_entries;
         }},
        {"tollgate_client_connections",
         "gauge",
         "Client connections open.",
         [](const worker_metrics& w) -> const counter& {
             return w.client_connections;
         }},
        {"tollgate_upstream_idle_connections",
         "gauge",
         "Keep-alive upstream connections idle in the workers' pools.",
         [](const worker_metrics& w) -> const counter& {
             return w.upstream_idle_connections;
         }},
    };
    for (const auto& p : plains) {
        scalar(out, workers, p.name, p.type, p.help, p.value);
    }
    return text;
}

}  // namespace tollgate::metrics
