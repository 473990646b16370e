// SPDX-License-Identifier: Apache-2.0
// What the report and the dashboard draw, as one JSON document: the run, its summary, its
// campaign and its per-second series. Percentiles of each second come from that second's
// stored histogram, exact (not a digest, not a window).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/histogram.hpp"
#include "storage/results_db.hpp"

namespace stampede::report {

/// Steps drawn each on its own over time; the rest are drawn together as "other".
inline constexpr std::size_t busiest_steps_drawn = 50;

/// The run's row: {"id", "name", "command", "status", "exit_code", "started_at_ms",
/// "ended_at_ms"} (0 and -1 while it runs).
nlohmann::json run_json(const storage::run_record& run);

/// `run` and its stored seconds, in the report's shape:
///   {"run": {...}, "summary": {...}, "campaign": "...",
///    "seconds": {"t": [unix s], "requests", "ok", "failed", "users", "connections",
///                "bytes_in", "bytes_out": [...],
///                "latency_ms": {"p50", "p90", "p99", "p999", "max": [ms or null]},
///                "errors": {class: [...]}, "status": {code: [...]}, "phase": [name],
///                "counts": {counter: [...]}, "schedule_lag_ms": {"p50", "p99", "max"}},
///               (counts and lag: only those some second has)
///    "heatmap": {"edges_ms": [29 edges], "counts": [[28 counts] per second]},
///    "spectrum": {"run": {"x": [1/(1-p)], "ms": [...], "count"}, "scenarios": [{..., "name"}]},
///    "steps": {"names": [the 50 busiest], "requests": [[per second] per name],
///              "other": [per second], "others": how many},   (other: only when there are)
///    "so_far": {...}}   (a run still going: run_so_far::totals())
/// Every series has one value per stored second, in order.
nlohmann::json report_data(const storage::run_record& run,
                           const std::vector<storage::interval_record>& seconds);

/// The report's "spectrum": the run's and each of `summary`'s scenarios' over `seconds`.
/// The histogram `name` of every second merged ("latency": the run's; nullopt when no second
/// has it).
std::optional<metrics::histogram> merged_histogram(
    const std::vector<storage::interval_record>& seconds, std::string_view name);

nlohmann::json spectrum_data(const std::vector<storage::interval_record>& seconds,
                             const nlohmann::json& summary);

/// Folded stacks kept per profile in the page; the rest are drawn as one "(other stacks)".
inline constexpr std::size_t profile_stacks_drawn = 3000;

/// The report's "profiles": [{"monitor", "start_s", "duration_s", "stacks": [[stack, count]]}],
/// a stack "comm;frame;...;leaf", most samples first.
nlohmann::json profiles_json(const std::vector<storage::profile_record>& profiles);

}  // namespace stampede::report
