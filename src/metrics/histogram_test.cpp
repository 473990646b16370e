// SPDX-License-Identifier: Apache-2.0
#include "metrics/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

namespace stampede::metrics {
namespace {

std::uint64_t exact_percentile(std::vector<std::uint64_t> sorted, double p) {
  const auto rank = static_cast<std::size_t>(
      std::max(1.0, std::ceil(p / 100.0 * static_cast<double>(sorted.size()))));
  return sorted[rank - 1];
}

void expect_close_to_exact(const histogram& h, std::vector<std::uint64_t> samples) {
  std::sort(samples.begin(), samples.end());
  EXPECT_EQ(h.count(), samples.size());
  EXPECT_EQ(h.min(), samples.front());
  EXPECT_EQ(h.max(), samples.back());
  long double sum = 0;
  for (auto s : samples) {
    sum += s;
  }
  EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(sum / samples.size()));
  for (double p : {1.0, 10.0, 50.0, 90.0, 95.0, 99.0, 99.9, 99.99}) {
    const auto exact = exact_percentile(samples, p);
    const auto got = h.value_at_percentile(p);
    if (exact < 2048) {
      EXPECT_EQ(got, exact) << "p" << p;
    } else {
      EXPECT_LE(std::abs(static_cast<double>(got) - static_cast<double>(exact)),
                static_cast<double>(exact) * 0.001)
          << "p" << p << " exact " << exact << " got " << got;
    }
  }
}

std::vector<std::uint64_t> draw(const char* kind, std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> out;
  std::uniform_int_distribution<std::uint64_t> uniform(1, 5'000'000);
  std::exponential_distribution<double> expo(1.0 / 20'000);
  std::normal_distribution<double> fast(800, 100), slow(250'000, 20'000);
  std::bernoulli_distribution pick(0.1);
  for (std::size_t i = 0; i < n; ++i) {
    double v = 0;
    if (std::string_view(kind) == "uniform") {
      v = static_cast<double>(uniform(rng));
    } else if (std::string_view(kind) == "exponential") {
      v = expo(rng);
    } else {
      v = pick(rng) ? slow(rng) : fast(rng);
    }
    out.push_back(static_cast<std::uint64_t>(std::max(0.0, v)));
  }
  return out;
}

TEST(Histogram, PercentilesMatchExactSortedSamples) {
  for (const char* kind : {"uniform", "exponential", "bimodal"}) {
    SCOPED_TRACE(kind);
    const auto samples = draw(kind, 200'000, 7);
    histogram h;
    for (auto s : samples) {
      h.record(s);
    }
    expect_close_to_exact(h, samples);
  }
}

TEST(Histogram, SmallValuesAreExact) {
  histogram h;
  for (std::uint64_t v = 0; v < 2048; ++v) {
    h.record(v);
    EXPECT_EQ(histogram::lowest_equivalent(v), v);
    EXPECT_EQ(histogram::highest_equivalent(v), v);
  }
  EXPECT_EQ(h.value_at_percentile(50), 1023u);
  EXPECT_EQ(h.value_at_percentile(100), 2047u);
  EXPECT_EQ(h.value_at_percentile(0), 0u);
}

TEST(Histogram, MergeEqualsOneHistogramOfBothSampleSets) {
  const auto a = draw("exponential", 50'000, 1);
  const auto b = draw("bimodal", 70'000, 2);
  histogram ha, hb, both;
  for (auto s : a) {
    ha.record(s);
    both.record(s);
  }
  for (auto s : b) {
    hb.record(s);
    both.record(s);
  }
  ha.merge(hb);
  EXPECT_EQ(ha, both);
  for (double p = 0; p <= 100; p += 0.5) {
    EXPECT_EQ(ha.value_at_percentile(p), both.value_at_percentile(p));
  }
}

TEST(Histogram, EncodeDecodeRoundTrip) {
  histogram h;
  for (auto s : draw("bimodal", 10'000, 3)) {
    h.record(s);
  }
  h.record(histogram::highest_trackable + 5);
  const auto bytes = h.encode();
  EXPECT_LT(bytes.size(), 8'000u);  // sparse: far below 23,552 counters
  auto back = histogram::decode(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, h);
  auto back64 = histogram::decode_base64(h.encode_base64());
  ASSERT_TRUE(back64);
  EXPECT_EQ(*back64, h);
  histogram empty;
  EXPECT_EQ(*histogram::decode(empty.encode()), empty);
}

TEST(Histogram, DecodeRejectsDamagedInput) {
  histogram h;
  for (std::uint64_t v = 1; v < 5000; v += 7) {
    h.record(v);
  }
  const auto bytes = h.encode();
  EXPECT_FALSE(histogram::decode(""));
  EXPECT_FALSE(histogram::decode(std::string("\x02", 1) + bytes.substr(1)));
  for (std::size_t cut = 1; cut < bytes.size(); cut += 13) {
    EXPECT_FALSE(histogram::decode(bytes.substr(0, cut))) << "cut at " << cut;
  }
  std::string runaway = bytes.substr(0, 1) + std::string("\x01\x00\x00\x00\x00", 5);
  runaway += std::string("\xff\xff\xff\xff\x7f", 5);  // a zero run past the end
  EXPECT_FALSE(histogram::decode(runaway));
  EXPECT_FALSE(histogram::decode_base64("not base64!"));
  EXPECT_FALSE(histogram::decode_base64("QUJD"));  // valid base64, not a histogram
}

TEST(Histogram, ClampsValuesAboveTheRange) {
  histogram h;
  h.record(10);
  h.record(histogram::highest_trackable * 10);
  EXPECT_EQ(h.clamped(), 1u);
  EXPECT_EQ(h.max(), histogram::highest_trackable);
  EXPECT_EQ(h.count(), 2u);
}

TEST(Histogram, EmptyAndReset) {
  histogram h;
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.value_at_percentile(99), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  h.record_n(500, 3);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.sum(), 1500u);
  h.reset();
  EXPECT_EQ(h, histogram());
}

}  // namespace
}  // namespace stampede::metrics
