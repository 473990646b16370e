// SPDX-License-Identifier: Apache-2.0
// Recording is on every request's path; merge and encode run once a second per worker.
#include <random>

#include <benchmark/benchmark.h>

#include "metrics/histogram.hpp"

namespace {

using stampede::metrics::histogram;

std::vector<std::uint64_t> latencies() {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(7.0, 1.0);  // ~1 ms median, long tail
  std::vector<std::uint64_t> v(4096);
  for (auto& x : v) {
    x = static_cast<std::uint64_t>(d(rng));
  }
  return v;
}

void BM_Record(benchmark::State& state) {
  const auto values = latencies();
  histogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_Record);

void BM_Percentile(benchmark::State& state) {
  histogram h;
  for (auto v : latencies()) {
    h.record(v);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.value_at_percentile(99.0));
  }
}
BENCHMARK(BM_Percentile);

void BM_EncodeDecode(benchmark::State& state) {
  histogram h;
  for (auto v : latencies()) {
    h.record(v);
  }
  for (auto _ : state) {
    auto bytes = h.encode();
    benchmark::DoNotOptimize(histogram::decode(bytes));
  }
}
BENCHMARK(BM_EncodeDecode);

void BM_Merge(benchmark::State& state) {
  histogram a, b;
  for (auto v : latencies()) {
    b.record(v);
  }
  for (auto _ : state) {
    a.merge(b);
  }
  benchmark::DoNotOptimize(a.count());
}
BENCHMARK(BM_Merge);

}  // namespace
