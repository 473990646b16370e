// SPDX-License-Identifier: Apache-2.0
#include "control/report_codec.hpp"

#include "metrics/metric_set_codec.hpp"

namespace stampede::control {

v1::IntervalReport to_wire(std::int64_t run_id, const engine::interval_report& r) {
  v1::IntervalReport w;
  w.set_run_id(run_id);
  w.set_worker(r.worker);
  w.set_index(r.index);
  w.set_final(r.final);
  w.set_phase(static_cast<std::uint32_t>(r.phase));
  w.set_fatal(r.fatal);
  w.set_drain_s(r.drain_s);
  w.set_phase_started(r.phase_started);
  auto encoded = metrics::encode(r.metrics);
  w.set_counters_json(encoded.counters.dump());
  for (auto& [name, bytes] : encoded.histograms) {
    auto* h = w.add_histograms();
    h->set_name(name);
    h->set_encoded(std::move(bytes));
  }
  return w;
}

std::optional<engine::interval_report> from_wire(const v1::IntervalReport& w,
                                                 const metrics::metric_layout& layout) {
  metrics::encoded_metric_set encoded;
  encoded.counters = nlohmann::json::parse(w.counters_json(), nullptr, false);
  if (encoded.counters.is_discarded()) {
    return std::nullopt;
  }
  for (const auto& h : w.histograms()) {
    encoded.histograms.emplace_back(h.name(), h.encoded());
  }
  auto m = metrics::decode(encoded, layout);
  if (!m) {
    return std::nullopt;
  }
  engine::interval_report r;
  r.worker = w.worker();
  r.index = w.index();
  r.final = w.final();
  r.phase = w.phase();
  r.fatal = w.fatal();
  r.drain_s = w.drain_s();
  r.phase_started = w.phase_started();
  r.metrics = std::move(*m);
  return r;
}

}  // namespace stampede::control
