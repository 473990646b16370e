// SPDX-License-Identifier: Apache-2.0
#include "metrics/error_reasons.hpp"

#include <string>

#include <gtest/gtest.h>

#include "metrics/metric_set.hpp"
#include "metrics/metric_set_codec.hpp"

namespace stampede::metrics {
namespace {

std::uint64_t count_of(const error_reasons& t, error_class cls, std::string_view reason) {
  for (const auto& e : t.entries()) {
    if (e.cls == cls && e.reason == reason) {
      return e.count;
    }
  }
  return 0;
}

TEST(ErrorReasons, KeyedReasonsAreFormattedOncePerTable) {
  error_reasons t;
  int step = 0;
  int formatted = 0;
  const auto text = [&] {
    ++formatted;
    return std::string("GET /items -> 503");
  };
  for (int i = 0; i < 1000; ++i) {
    t.count(error_class::http_status, {&step, 503}, text);
  }
  t.count(error_class::http_status, {&step, 500}, [] { return std::string("GET /items -> 500"); });
  EXPECT_EQ(formatted, 1);
  EXPECT_EQ(count_of(t, error_class::http_status, "GET /items -> 503"), 1000u);
  EXPECT_EQ(count_of(t, error_class::http_status, "GET /items -> 500"), 1u);
}

TEST(ErrorReasons, OneEntryPerTextWhetherCountedByKeyOrByText) {
  error_reasons t;
  int site = 0;
  t.count_text(error_class::request_timeout, "no response within 1s");
  t.count(error_class::request_timeout, {&site, 1},
          [] { return std::string("no response within 1s"); });
  t.count(error_class::request_timeout, {&site, 1}, [] { return std::string("never formatted"); });
  t.count_text(error_class::request_timeout, "no response within 1s");
  t.count_text(error_class::reset, "no response within 1s");  // another class: its own entry
  EXPECT_EQ(t.entries().size(), 2u);
  EXPECT_EQ(count_of(t, error_class::request_timeout, "no response within 1s"), 4u);
  EXPECT_EQ(count_of(t, error_class::reset, "no response within 1s"), 1u);
}

TEST(ErrorReasons, PastCapacityNewReasonsCountTogetherAndMergesStayExact) {
  error_reasons a;
  error_reasons b;
  for (std::size_t i = 0; i < error_reasons::capacity + 10; ++i) {
    a.count_text(error_class::protocol, "reason " + std::to_string(i));
  }
  EXPECT_EQ(a.entries().size(), error_reasons::capacity);
  EXPECT_EQ(a.overflow()[static_cast<std::size_t>(error_class::protocol)], 10u);
  b.count_text(error_class::protocol, "reason 0", 5);
  b.count_text(error_class::reset, "reading the response: Connection reset by peer", 2);
  a.merge(b);
  EXPECT_EQ(count_of(a, error_class::protocol, "reason 0"), 6u);
  // The bound is per class: a full protocol class leaves room for reset's reason.
  EXPECT_EQ(count_of(a, error_class::reset, "reading the response: Connection reset by peer"), 2u);
  EXPECT_EQ(a.overflow()[static_cast<std::size_t>(error_class::reset)], 0u);
  std::uint64_t total = 0;
  for (const auto& e : a.entries()) {
    total += e.count;
  }
  for (const auto n : a.overflow()) {
    total += n;
  }
  EXPECT_EQ(total, error_reasons::capacity + 10 + 5 + 2);
  a.count_text(error_class::protocol, "one more");
  EXPECT_EQ(a.overflow()[static_cast<std::size_t>(error_class::protocol)], 11u);
  // Overflow merges as overflow, not as a reason named like it.
  error_reasons c;
  c.count_text(error_class::protocol, other_reasons, 3);
  EXPECT_TRUE(c.entries().empty());
  EXPECT_EQ(c.overflow()[static_cast<std::size_t>(error_class::protocol)], 3u);
}

TEST(ErrorReasons, TravelThroughTheCodecAndMergeIntoRunTotals) {
  const metric_layout layout;
  metric_set worker_a(layout);
  metric_set worker_b(layout);
  worker_a.record_error(error_class::protocol, "malformed status line");
  worker_a.record_error(error_class::protocol, "malformed chunk size");
  worker_b.record_error(error_class::protocol, "malformed status line");
  int check = 0;
  worker_b.record_error(
      error_class::check_failed, {&check, 0}, [] { return std::string("browse: status == 200"); },
      [] { return std::string("browse: status == 200: got status 503"); });
  metric_set totals(layout);
  for (const auto* m : {&worker_a, &worker_b}) {
    const auto decoded = decode(encode(*m), layout);
    ASSERT_TRUE(decoded);
    totals.merge(*decoded, metric_set::gauges::keep_peak);
  }
  EXPECT_EQ(count_of(totals.reasons, error_class::protocol, "malformed status line"), 2u);
  EXPECT_EQ(count_of(totals.reasons, error_class::protocol, "malformed chunk size"), 1u);
  EXPECT_EQ(count_of(totals.reasons, error_class::check_failed, "browse: status == 200"), 1u);
  EXPECT_EQ(totals.error_samples[static_cast<std::size_t>(error_class::check_failed)],
            "browse: status == 200: got status 503");
}

}  // namespace
}  // namespace stampede::metrics
