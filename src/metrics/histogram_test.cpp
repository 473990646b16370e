// SPDX-License-Identifier: Apache-2.0
// Histogram: bucket geometry, percentiles against exact sorted samples, merging, the binary and
// base64 forms, and the edges (empty, clamped, moved-from).
#include "metrics/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

namespace stampede::metrics {
namespace {

/// Percentiles in basis points (1/100 of a percent), so the expected rank is computed in
/// integers and shares no rounding with the code under test.
std::vector<std::uint64_t> percentiles_bp() {
  std::vector<std::uint64_t> out = {0, 1, 10, 50, 9'950, 9'990, 9'999, 10'000};
  for (std::uint64_t pct = 1; pct <= 99; ++pct) {
    out.push_back(pct * 100);
  }
  return out;
}

/// The value at percentile bp/100 of `sorted`: the ceil(bp/10000 * n)-th smallest, at least
/// the first.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, std::uint64_t bp) {
  const std::uint64_t n = sorted.size();
  const std::uint64_t rank = std::max<std::uint64_t>(1, (bp * n + 9'999) / 10'000);
  return sorted[rank - 1];
}

void expect_matches_samples(const histogram& h, std::vector<std::uint64_t> samples) {
  std::sort(samples.begin(), samples.end());
  ASSERT_EQ(h.count(), samples.size());
  EXPECT_EQ(h.min(), samples.front());
  EXPECT_EQ(h.max(), samples.back());
  std::uint64_t sum = 0;
  for (auto s : samples) {
    sum += s;
  }
  EXPECT_EQ(h.sum(), sum);
  EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(sum) / static_cast<double>(samples.size()));
  for (const auto bp : percentiles_bp()) {
    const double p = static_cast<double>(bp) / 100.0;
    const auto exact = exact_percentile(samples, bp);
    const auto got = h.value_at_percentile(p);
    // What HdrHistogram answers: the top of the exact sample's counter, within [min, max].
    EXPECT_EQ(got, std::clamp(histogram::highest_equivalent(exact), h.min(), h.max()))
        << "p" << p << " exact " << exact;
    if (exact < 2048) {
      EXPECT_EQ(got, exact) << "p" << p;
    } else {
      EXPECT_LE(static_cast<double>(got - exact), static_cast<double>(exact) * 0.001)
          << "p" << p << " exact " << exact << " got " << got;
      EXPECT_GE(got, exact) << "p" << p;
    }
  }
}

enum class shape { uniform, exponential, bimodal };

std::vector<std::uint64_t> draw(shape kind, std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::uint64_t> uniform(1, 5'000'000);
  std::exponential_distribution<double> expo(1.0 / 20'000);
  std::normal_distribution<double> fast(800, 100);
  std::normal_distribution<double> slow(250'000, 20'000);
  std::bernoulli_distribution pick_slow(0.1);
  std::vector<std::uint64_t> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    double v = 0;
    switch (kind) {
      case shape::uniform:
        v = static_cast<double>(uniform(rng));
        break;
      case shape::exponential:
        v = expo(rng);
        break;
      case shape::bimodal:
        v = pick_slow(rng) ? slow(rng) : fast(rng);
        break;
    }
    out.push_back(static_cast<std::uint64_t>(std::max(0.0, v)));
  }
  return out;
}

histogram filled(const std::vector<std::uint64_t>& samples) {
  histogram h;
  for (auto s : samples) {
    h.record(s);
  }
  return h;
}

/// LEB128 varints, for writing encodings by hand.
std::string varints(std::initializer_list<std::uint64_t> values) {
  std::string out;
  for (auto v : values) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  return out;
}

TEST(Histogram, LayoutIsDerivedFromRangeAndPrecision) {
  EXPECT_EQ(histogram::unit_magnitude, 0);
  EXPECT_EQ(histogram::sub_bucket_count, 2048u);
  EXPECT_EQ(histogram::sub_bucket_half_count, 1024u);
  EXPECT_EQ(histogram::bucket_count, 22u);
  EXPECT_EQ(histogram::counts_length, 23'552u);
  // The top of the range has a counter of its own kind: recording it stays in bounds (ASan
  // would object otherwise) and reads back.
  histogram h;
  h.record(histogram::highest_trackable);
  EXPECT_EQ(h.value_at_percentile(50), histogram::highest_trackable);
  EXPECT_EQ(h.clamped(), 0u);
}

TEST(Histogram, CountersTileTheRangeWithinOnePartIn1024) {
  std::vector<std::uint64_t> values;
  for (int bit = 0; bit < 32; ++bit) {
    const std::uint64_t p = 1ULL << bit;
    values.insert(values.end(), {p - 1, p, p + 1});
  }
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::uint64_t> any(0, histogram::highest_trackable);
  for (int i = 0; i < 100'000; ++i) {
    values.push_back(any(rng));
  }
  values.push_back(histogram::highest_trackable);
  for (auto v : values) {
    const auto low = histogram::lowest_equivalent(v);
    const auto high = histogram::highest_equivalent(v);
    ASSERT_LE(low, v);
    ASSERT_GE(high, v);
    ASSERT_EQ(histogram::lowest_equivalent(high), low) << v;
    ASSERT_EQ(histogram::lowest_equivalent(high + 1), high + 1) << v;  // the next one starts
    if (v < 2048) {
      ASSERT_EQ(low, v);
      ASSERT_EQ(high, v);
    } else {
      ASSERT_LE((high - low + 1) * 1024, low) << v;
    }
  }
}

TEST(Histogram, SmallValuesAreExact) {
  histogram h;
  for (std::uint64_t v = 0; v < 2048; ++v) {
    h.record(v);
  }
  EXPECT_EQ(h.value_at_percentile(0), 0u);
  EXPECT_EQ(h.value_at_percentile(50), 1023u);
  EXPECT_EQ(h.value_at_percentile(100), 2047u);
  std::vector<std::uint64_t> all(2048);
  for (std::uint64_t v = 0; v < 2048; ++v) {
    all[v] = v;
  }
  expect_matches_samples(h, all);
}

TEST(Histogram, PercentilesMatchExactSortedSamples) {
  for (auto kind : {shape::uniform, shape::exponential, shape::bimodal}) {
    SCOPED_TRACE(static_cast<int>(kind));
    const auto samples = draw(kind, 200'000, 7);
    expect_matches_samples(filled(samples), samples);
  }
}

TEST(Histogram, RankIsNotThrownOffByDecimalPercentiles) {
  // 99.9 / 100 * 1000 computes as 999.0000000000001 in doubles.
  histogram thousand;
  for (std::uint64_t v = 1; v <= 1000; ++v) {
    thousand.record(v);
  }
  EXPECT_EQ(thousand.value_at_percentile(99.9), 999u);
  EXPECT_EQ(thousand.value_at_percentile(99.0), 990u);
  EXPECT_EQ(thousand.value_at_percentile(57.0), 570u);
  EXPECT_EQ(thousand.value_at_percentile(29.0), 290u);
  EXPECT_EQ(thousand.value_at_percentile(0.1), 1u);
  EXPECT_EQ(thousand.value_at_percentile(0.05), 1u);      // rank 0.5 rounds up to the first
  EXPECT_EQ(thousand.value_at_percentile(99.95), 1000u);  // rank 999.5 rounds up

  histogram mostly_ones;  // 99.99 / 100 * 10000 computes as 9998.999999999998
  mostly_ones.record_n(1, 9'998);
  mostly_ones.record(2);
  mostly_ones.record(3);
  EXPECT_EQ(mostly_ones.value_at_percentile(99.99), 2u);
}

TEST(Histogram, PercentileArgumentsOutsideTheRange) {
  histogram h;
  h.record(100);
  h.record(5'000'000);
  EXPECT_EQ(h.value_at_percentile(-5), 100u);
  EXPECT_EQ(h.value_at_percentile(std::numeric_limits<double>::quiet_NaN()), 100u);
  EXPECT_EQ(h.value_at_percentile(250), 5'000'000u);
  // Exact even though 5,000,000 shares a counter with larger values.
  EXPECT_EQ(h.value_at_percentile(100), 5'000'000u);
  EXPECT_EQ(h.value_at_percentile(99), 5'000'000u);
}

TEST(Histogram, MergeEqualsOneHistogramOfBothSampleSets) {
  const auto a = draw(shape::exponential, 50'000, 1);
  const auto b = draw(shape::bimodal, 70'000, 2);
  histogram ha = filled(a);
  const histogram hb = filled(b);
  histogram both = filled(a);
  for (auto s : b) {
    both.record(s);
  }
  both.record(histogram::highest_trackable + 1);
  histogram clamped_one;
  clamped_one.record(histogram::highest_trackable + 1);

  ha.merge(hb);
  ha.merge(clamped_one);
  EXPECT_EQ(ha, both);
  EXPECT_EQ(ha.count(), both.count());
  EXPECT_EQ(ha.min(), both.min());
  EXPECT_EQ(ha.max(), both.max());
  EXPECT_EQ(ha.sum(), both.sum());
  EXPECT_EQ(ha.clamped(), 1u);
  for (int tenth = 0; tenth <= 1000; ++tenth) {
    const double p = tenth / 10.0;
    ASSERT_EQ(ha.value_at_percentile(p), both.value_at_percentile(p)) << "p" << p;
  }
  ha.merge(histogram());  // merging nothing changes nothing
  EXPECT_EQ(ha, both);
}

TEST(Histogram, MergeIntoEmptyCopiesMinAndMax) {
  histogram into;
  histogram from;
  from.record(3000);
  from.record(70);
  into.merge(from);
  EXPECT_EQ(into, from);
  EXPECT_EQ(into.min(), 70u);
  EXPECT_EQ(into.max(), 3000u);
  into.record(10);
  EXPECT_EQ(into.min(), 10u);
  EXPECT_EQ(from.min(), 70u);  // merge reads, never writes, its argument
}

TEST(Histogram, EncodeDecodeRoundTrip) {
  auto h = filled(draw(shape::bimodal, 10'000, 3));
  h.record(0);
  h.record(histogram::highest_trackable + 5);
  const auto bytes = h.encode();
  EXPECT_LT(bytes.size(), 8'000u);  // sparse: far below 23,552 counters
  const auto back = histogram::decode(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, h);
  EXPECT_EQ(back->clamped(), 1u);
  EXPECT_EQ(back->min(), 0u);
  EXPECT_EQ(back->encode(), bytes);
  const auto back64 = histogram::decode_base64(h.encode_base64());
  ASSERT_TRUE(back64);
  EXPECT_EQ(*back64, h);

  const histogram empty;
  const auto empty_back = histogram::decode(empty.encode());
  ASSERT_TRUE(empty_back);
  EXPECT_EQ(*empty_back, empty);
  EXPECT_TRUE(empty_back->empty());
}

TEST(Histogram, EncodingIsTheDocumentedFormat) {
  histogram h;
  h.record(5);
  h.record(5);
  // version 1; count 2, min 5, max 5, sum 10, clamped 0; a run of 5 empty counters (2*5+1);
  // one counter of 2 (2*2).
  const std::string expected("\x01\x02\x05\x05\x0a\x00\x0b\x04", 8);
  EXPECT_EQ(h.encode(), expected);
  EXPECT_EQ(h.encode_base64(), "AQIFBQoACwQ=");
  EXPECT_EQ(histogram().encode_base64(), "AQAAAAAA");
  // Every length modulo 3, so every amount of padding, decodes back.
  std::vector<bool> padding_seen(3);
  for (std::uint64_t v : {200, 20'000, 3'000'000, 9, 1'000'000'000, 77, 65'000}) {
    h.record(v);
    const auto text = h.encode_base64();
    padding_seen[std::count(text.begin(), text.end(), '=')] = true;
    const auto back = histogram::decode_base64(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, h);
  }
  EXPECT_EQ(padding_seen, std::vector<bool>(3, true));
}

TEST(Histogram, DecodeRejectsTruncatedInput) {
  histogram h;
  for (std::uint64_t v = 1; v < 50'000; v += 7) {
    h.record(v);
  }
  h.record(300'000'000);
  const auto bytes = h.encode();
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    ASSERT_FALSE(histogram::decode(bytes.substr(0, cut))) << "cut at " << cut;
  }
  const auto text = h.encode_base64();
  for (std::size_t cut = 0; cut < text.size(); ++cut) {
    ASSERT_FALSE(histogram::decode_base64(text.substr(0, cut))) << "cut at " << cut;
  }
}

TEST(Histogram, DecodeRejectsMalformedOrInconsistentInput) {
  const auto v1 = std::string(1, '\x01');
  // The well-formed two-fives histogram from EncodingIsTheDocumentedFormat, as a baseline.
  ASSERT_TRUE(histogram::decode(v1 + varints({2, 5, 5, 10, 0, 11, 4})));

  const std::vector<std::pair<const char*, std::string>> bad = {
      {"wrong version", std::string(1, '\x02') + varints({2, 5, 5, 10, 0, 11, 4})},
      {"trailing run", v1 + varints({2, 5, 5, 10, 0, 11, 4, 3})},
      {"two runs in a row", v1 + varints({2, 5, 5, 10, 0, 5, 5, 4})},
      {"empty run", v1 + varints({2, 5, 5, 10, 0, 1, 11, 4})},
      {"empty counter token", v1 + varints({2, 5, 5, 10, 0, 11, 0, 4})},
      {"count disagrees", v1 + varints({3, 5, 5, 10, 0, 11, 4})},
      {"min disagrees", v1 + varints({2, 4, 5, 10, 0, 11, 4})},
      {"max disagrees", v1 + varints({2, 5, 6, 10, 0, 11, 4})},
      {"min above max", v1 + varints({2, 6, 5, 10, 0, 11, 4})},
      {"sum out of range", v1 + varints({2, 5, 5, 11, 0, 11, 4})},
      {"clamped below the top", v1 + varints({2, 5, 5, 10, 1, 11, 4})},
      {"max above the range", v1 + varints({1, 5, histogram::highest_trackable + 1, 5, 0})},
      {"empty with a max", v1 + varints({0, 0, 5, 0, 0})},
      {"empty with counters", v1 + varints({0, 0, 0, 0, 0, 4})},
      {"run past the end", v1 + varints({1, 5, 5, 5, 0, 2 * 23'552 + 1, 2})},
      {"counter past the end", v1 + varints({1, 5, 5, 5, 0, 2 * 23'551 + 1, 2, 2})},
      {"overlong varint", v1 + varints({2, 5, 5, 10, 0, 11}) + std::string("\x84\x00", 2)},
      {"varint past 64 bits", v1 + std::string(10, '\xff') + std::string(1, '\x01')},
      {"count sum overflows",
       v1 + varints({2, 5, 5, 10, 0, 11, UINT64_MAX - 1, UINT64_MAX - 1, UINT64_MAX - 1})},
  };
  for (const auto& [what, bytes] : bad) {
    EXPECT_FALSE(histogram::decode(bytes)) << what;
  }
  EXPECT_FALSE(histogram::decode(""));
  EXPECT_FALSE(histogram::decode_base64(""));
  EXPECT_FALSE(histogram::decode_base64("not base64!!"));
  EXPECT_FALSE(histogram::decode_base64("AQAAAAAA="));     // length not a multiple of 4
  EXPECT_FALSE(histogram::decode_base64("AQA=AAAA"));      // padding before the end
  EXPECT_FALSE(histogram::decode_base64("AQIFBQoACw=A"));  // data after padding
  EXPECT_FALSE(histogram::decode_base64("AQIFBQoAC=Q="));  // padding in the third place
  EXPECT_FALSE(histogram::decode_base64("QUJD"));          // valid base64, not a histogram
}

TEST(Histogram, DecodeSurvivesRandomDamage) {
  histogram h = filled(draw(shape::exponential, 5'000, 5));
  const auto bytes = h.encode();
  std::mt19937 rng(9);
  std::uniform_int_distribution<std::size_t> at(0, bytes.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  int accepted = 0;
  for (int round = 0; round < 3'000; ++round) {
    auto damaged = bytes;
    const int flips = 1 + round % 3;
    for (int f = 0; f < flips; ++f) {
      damaged[at(rng)] = static_cast<char>(byte(rng));
    }
    if (round % 5 == 0) {
      damaged.resize(at(rng));
    }
    // Under the sanitizers, a read out of bounds fails here. Anything accepted must be a
    // histogram that encodes back to the same bytes: the format has one spelling per value.
    if (const auto got = histogram::decode(damaged)) {
      ++accepted;
      ASSERT_EQ(got->encode(), damaged) << "round " << round;
    }
  }
  // Damage to a counter that keeps every total consistent is undetectable, but rare.
  EXPECT_LT(accepted, 300);
}

TEST(Histogram, ClampsValuesAboveTheRange) {
  histogram h;
  h.record(10);
  h.record(histogram::highest_trackable * 10);
  h.record_n(UINT64_MAX, 2);
  EXPECT_EQ(h.clamped(), 3u);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.max(), histogram::highest_trackable);
  EXPECT_EQ(h.sum(), 10 + 3 * histogram::highest_trackable);
  EXPECT_EQ(h.value_at_percentile(50), histogram::highest_trackable);
  EXPECT_EQ(h.value_at_percentile(25), 10u);
}

TEST(Histogram, EmptyBehaviour) {
  histogram h;
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.sum(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.value_at_percentile(0), 0u);
  EXPECT_EQ(h.value_at_percentile(99), 0u);
  EXPECT_EQ(h.value_at_percentile(100), 0u);
  int calls = 0;
  h.for_each_recorded([&](std::uint64_t, std::uint64_t, std::uint64_t) { ++calls; });
  EXPECT_EQ(calls, 0);

  h.record_n(700, 0);  // recording nothing leaves no trace
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h, histogram());
}

TEST(Histogram, ResetForgetsEverything) {
  histogram h = filled(draw(shape::uniform, 1'000, 4));
  h.record_n(500, 3);
  h.record(histogram::highest_trackable + 1);
  h.reset();
  EXPECT_EQ(h, histogram());
  EXPECT_EQ(h.encode(), histogram().encode());
  h.record(42);
  EXPECT_EQ(h.min(), 42u);
  EXPECT_EQ(h.max(), 42u);
  EXPECT_EQ(h.value_at_percentile(50), 42u);
  EXPECT_EQ(h.clamped(), 0u);
}

TEST(Histogram, ANewHistogramBehavesAsEmptyEverywhere) {
  const histogram fresh;  // holds no counters until its first value
  histogram other;
  EXPECT_EQ(fresh, other);
  EXPECT_EQ(fresh.value_at_percentile(50), 0u);
  EXPECT_EQ(histogram::decode(fresh.encode()), fresh);
  histogram copy(fresh);
  copy = fresh;
  EXPECT_TRUE(copy.empty());
  other.merge(fresh);
  EXPECT_TRUE(other.empty());
  other.record(42);
  copy = other;  // into one without counters
  EXPECT_EQ(copy, other);
  histogram target;
  target.merge(other);
  EXPECT_EQ(target.value_at_percentile(100), 42u);
  other = fresh;  // back to empty
  EXPECT_TRUE(other.empty());
  other.record(7);
  EXPECT_EQ(other.min(), 7u);
}

TEST(Histogram, MovedFromIsEmptyAndStillUsable) {
  histogram source = filled(draw(shape::exponential, 1'000, 6));
  const histogram copy = source;
  histogram moved = std::move(source);
  EXPECT_EQ(moved, copy);
  // NOLINTBEGIN(bugprone-use-after-move): the moved-from state is specified
  EXPECT_TRUE(source.empty());
  EXPECT_EQ(source, histogram());
  EXPECT_EQ(source.value_at_percentile(50), 0u);
  EXPECT_EQ(source.encode(), histogram().encode());
  histogram into_moved = std::move(moved);
  source.merge(into_moved);
  EXPECT_EQ(source, copy);
  moved.record(12);
  EXPECT_EQ(moved.count(), 1u);
  EXPECT_EQ(moved.value_at_percentile(50), 12u);
  histogram assigned;
  assigned = std::move(moved);
  moved.reset();
  moved = copy;
  EXPECT_EQ(moved, copy);
  // NOLINTEND(bugprone-use-after-move)
  EXPECT_EQ(assigned.count(), 1u);
}

TEST(Histogram, CopiesAreIndependent) {
  histogram a;
  a.record(5);
  histogram b = a;
  b.record(6);
  EXPECT_EQ(a.count(), 1u);
  EXPECT_EQ(b.count(), 2u);
  a = b;
  EXPECT_EQ(a, b);
  a = histogram();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.value_at_percentile(50), 0u);
}

TEST(Histogram, ARarelyHitHistogramCostsOnlyThePagesItsValuesFallIn) {
  histogram h;
  EXPECT_EQ(h.bytes_allocated(), 0u);
  h.record(1500);  // 1.5 ms: one doubling, one 8 KiB page
  EXPECT_EQ(h.bytes_allocated(), 8192u);
  for (std::uint64_t v = 1000; v <= 10'000; v += 7) {  // a decade: 1 to 10 ms
    h.record(v);
  }
  EXPECT_LE(h.bytes_allocated(), 5u * 8192);
  const histogram copy = h;
  EXPECT_EQ(copy.bytes_allocated(), h.bytes_allocated());
  EXPECT_EQ(copy, h);
  histogram far;
  far.record(3'000'000);  // 3 s: a page of its own
  h.merge(far);
  EXPECT_EQ(h.bytes_allocated(), copy.bytes_allocated() + 8192);
  EXPECT_EQ(h.max(), 3'000'000u);
  EXPECT_EQ(h.value_at_percentile(100.0), 3'000'000u);
  // Equal whatever pages each holds: a reset one keeps its pages, counting nothing.
  histogram again = h;
  again.reset();
  EXPECT_EQ(again.bytes_allocated(), h.bytes_allocated());
  EXPECT_EQ(again, histogram());
  again.record(1500);
  histogram fresh;
  fresh.record(1500);
  EXPECT_EQ(again, fresh);
  EXPECT_EQ(histogram::decode(again.encode()), fresh);
  EXPECT_EQ(histogram::decode(fresh.encode())->bytes_allocated(), 8192u);
}

TEST(Histogram, ForEachRecordedVisitsEachCounterInOrder) {
  histogram h;
  h.record(0);
  h.record_n(1500, 4);
  h.record(100'000);
  h.record(100'020);  // shares 100,000's counter, [99,968, 100,031]
  std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> seen;
  h.for_each_recorded([&](std::uint64_t low, std::uint64_t high, std::uint64_t n) {
    seen.emplace_back(low, high, n);
  });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_tuple(0u, 0u, 1u));
  EXPECT_EQ(seen[1], std::make_tuple(1500u, 1500u, 4u));
  EXPECT_EQ(std::get<0>(seen[2]), histogram::lowest_equivalent(100'000));
  EXPECT_EQ(std::get<1>(seen[2]), histogram::highest_equivalent(100'000));
  EXPECT_LE(std::get<0>(seen[2]), 100'000u);
  EXPECT_GE(std::get<1>(seen[2]), 100'020u);
  EXPECT_EQ(std::get<2>(seen[2]), 2u);
}

}  // namespace
}  // namespace stampede::metrics
