// SPDX-License-Identifier: Apache-2.0
// Histogram costs: recording is on every request's path; percentiles, encoding and merging run
// about once a second per worker and histogram.
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "metrics/histogram.hpp"

namespace {

using stampede::metrics::histogram;

/// Latencies shaped like a real service: ~1 ms median, a long tail into tens of ms.
std::vector<std::uint64_t> latencies(std::size_t n) {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(7.0, 1.0);
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) {
    x = static_cast<std::uint64_t>(d(rng));
  }
  return v;
}

histogram filled(std::size_t n) {
  histogram h;
  for (auto v : latencies(n)) {
    h.record(v);
  }
  return h;
}

void BM_Record(benchmark::State& state) {
  const auto values = latencies(4096);
  histogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Record);

void BM_ValueAtPercentile(benchmark::State& state) {
  const auto h = filled(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.value_at_percentile(99.0));
  }
}
BENCHMARK(BM_ValueAtPercentile)->Arg(1'000)->Arg(1'000'000);

void BM_Encode(benchmark::State& state) {
  const auto h = filled(static_cast<std::size_t>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto encoded = h.encode();
    bytes = encoded.size();
    benchmark::DoNotOptimize(encoded);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Encode)->Arg(1'000)->Arg(1'000'000);

void BM_Decode(benchmark::State& state) {
  const auto encoded = filled(static_cast<std::size_t>(state.range(0))).encode();
  for (auto _ : state) {
    benchmark::DoNotOptimize(histogram::decode(encoded));
  }
}
BENCHMARK(BM_Decode)->Arg(1'000)->Arg(1'000'000);

void BM_Merge(benchmark::State& state) {
  const auto from = filled(static_cast<std::size_t>(state.range(0)));
  histogram into;
  for (auto _ : state) {
    into.merge(from);
  }
  benchmark::DoNotOptimize(into.count());
}
BENCHMARK(BM_Merge)->Arg(1'000)->Arg(1'000'000);

}  // namespace
