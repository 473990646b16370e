// SPDX-License-Identifier: Apache-2.0
#include "outputs/output_set.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/duration_text.hpp"
#include "outputs/file_outputs.hpp"
#include "outputs/prometheus_endpoint.hpp"

namespace stampede::outputs {

/// How long the file outputs have to write what is queued once the run is over.
constexpr auto finish_within = std::chrono::seconds(5);

const std::vector<std::string>& output_kinds() {
  static const std::vector<std::string> kinds{"prometheus", "jsonl", "csv"};
  return kinds;
}

output_spec parse_output_spec(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw std::invalid_argument(fmt::format("expected KIND=TARGET (KIND one of {}), got '{}'",
                                            fmt::join(output_kinds(), ", "), text));
  }
  output_spec spec;
  spec.kind = text.substr(0, eq);
  spec.target = text.substr(eq + 1);
  const auto& kinds = output_kinds();
  if (std::find(kinds.begin(), kinds.end(), spec.kind) == kinds.end()) {
    throw std::invalid_argument(fmt::format("unknown output kind '{}' in '{}' (known: {})",
                                            spec.kind, text, fmt::join(kinds, ", ")));
  }
  if (spec.kind == "prometheus") {
    // prometheus=HOST:PORT[?linger=DURATION]
    if (const auto q = spec.target.find('?'); q != std::string::npos) {
      const auto option = spec.target.substr(q + 1);
      spec.target.resize(q);
      if (!option.starts_with("linger=")) {
        throw std::invalid_argument(fmt::format(
            "prometheus takes one option, linger=DURATION (e.g. ?linger=15s); got '{}'", option));
      }
      const auto d = core::parse_duration(option.substr(7));
      if (!d) {
        throw std::invalid_argument(
            fmt::format("linger: expected a duration such as 15s, got '{}'", option.substr(7)));
      }
      spec.linger = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    }
  }
  return spec;
}

output_set::output_set(const std::vector<output_spec>& specs) {
  std::map<std::string, int> seen;
  for (const auto& spec : specs) {
    const auto n = ++seen[spec.kind];
    auto name = n == 1 ? spec.kind : fmt::format("{}-{}", spec.kind, n);
    try {
      if (spec.kind == "prometheus") {
        std::string address;
        auto out = make_prometheus_endpoint(spec.target, spec.linger, &address);
        descriptions_.push_back(fmt::format("{}: http://{}/metrics", name, address));
        outputs_.push_back({name, std::move(out)});
      } else if (spec.kind == "jsonl") {
        outputs_.push_back({name, make_jsonl_output(name, spec.target)});
        descriptions_.push_back(fmt::format("{}: {}", name, spec.target));
      } else if (spec.kind == "csv") {
        outputs_.push_back({name, make_csv_output(name, spec.target)});
        descriptions_.push_back(fmt::format("{}: {}", name, spec.target));
      }
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("--out {}={}: {}", spec.kind, spec.target, e.what()));
    }
  }
}

void output_set::on_start(const engine::run_plan& plan, std::int64_t run_id,
                          std::int64_t start_unix_ms) {
  plan_ = &plan;
  run_id_ = run_id;
  start_ms_ = start_unix_ms;
}

void output_set::on_interval(const engine::completed_interval& second) {
  if (plan_ == nullptr || outputs_.empty()) {
    return;
  }
  auto r = std::make_shared<second_record>(make_record(second, plan_->layout, start_ms_));
  r->campaign = plan_->campaign.name;
  r->run_id = run_id_;
  if (!plan_->phases.empty()) {
    r->phase = plan_->phases.at(std::min(second.phase, plan_->phases.size() - 1)).name;
  }
  const std::shared_ptr<const second_record> shared = std::move(r);
  for (auto& o : outputs_) {
    o.out->offer(shared);
  }
}

void output_set::on_finish(metrics::summary& summary) {
  for (auto& o : outputs_) {
    o.out->finish(std::chrono::steady_clock::now() + finish_within);
    summary.outputs[o.name] = o.out->stats();
  }
}

}  // namespace stampede::outputs
