// SPDX-License-Identifier: Apache-2.0
#include "outputs/hdr_log.hpp"

#include <zlib.h>

#include <bit>
#include <cmath>
#include <ctime>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <boost/beast/core/detail/base64.hpp>

namespace stampede::outputs {
namespace {

using metrics::histogram;

/// HdrHistogram's counts index of `v`, as metrics::histogram lays its counters out.
std::size_t counts_index(std::uint64_t v) {
  const auto bucket = static_cast<std::uint64_t>(std::bit_width(v | histogram::sub_bucket_mask)) -
                      static_cast<std::uint64_t>(histogram::sub_bucket_count_magnitude) -
                      static_cast<std::uint64_t>(histogram::unit_magnitude);
  const auto sub = v >> (bucket + histogram::unit_magnitude);
  return static_cast<std::size_t>(((bucket + 1) << histogram::sub_bucket_half_count_magnitude) +
                                  (sub - histogram::sub_bucket_half_count));
}

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((v >> shift) & 0xFF);
  }
}

void put64(std::string& out, std::uint64_t v) {
  put32(out, static_cast<std::uint32_t>(v >> 32));
  put32(out, static_cast<std::uint32_t>(v));
}

/// ZigZag, then LEB128 for 8 bytes of 7 bits, the 9th byte holding the last 8 bits.
void put_zigzag(std::string& out, std::int64_t value) {
  auto v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
  for (int i = 0; i < 8; ++i) {
    if ((v >> 7) == 0) {
      out += static_cast<char>(v);
      return;
    }
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

std::string base64(const std::string& bytes) {
  std::string out(boost::beast::detail::base64::encoded_size(bytes.size()), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), bytes.data(), bytes.size()));
  return out;
}

}  // namespace

std::string hdr_compressed(const histogram& h) {
  // The counts up to the maximum's counter; a run of zeros is -run (a single zero as 0).
  std::vector<std::uint64_t> counts;
  h.for_each_recorded([&](std::uint64_t low, std::uint64_t, std::uint64_t c) {
    const auto i = counts_index(low);
    if (counts.size() <= i) {
      counts.resize(i + 1, 0);
    }
    counts[i] = c;
  });
  std::string payload;
  for (std::size_t i = 0; i < counts.size();) {
    if (counts[i] != 0) {
      put_zigzag(payload, static_cast<std::int64_t>(counts[i++]));
      continue;
    }
    std::int64_t zeros = 0;
    while (i < counts.size() && counts[i] == 0) {
      ++zeros;
      ++i;
    }
    put_zigzag(payload, zeros > 1 ? -zeros : 0);
  }
  std::string plain;
  put32(plain, 0x1c849313);
  put32(plain, static_cast<std::uint32_t>(payload.size()));
  put32(plain, 0);  // normalizingIndexOffset
  put32(plain, histogram::significant_digits);
  put64(plain, histogram::lowest_discernible);
  put64(plain, histogram::highest_trackable);
  put64(plain, std::bit_cast<std::uint64_t>(1.0));  // integerToDoubleValueConversionRatio
  plain += payload;

  uLongf deflated_size = compressBound(static_cast<uLong>(plain.size()));
  std::string deflated(deflated_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(deflated.data()), &deflated_size,
                reinterpret_cast<const Bytef*>(plain.data()), static_cast<uLong>(plain.size()),
                Z_BEST_COMPRESSION) != Z_OK) {
    throw std::runtime_error("deflating a histogram failed");
  }
  deflated.resize(deflated_size);
  std::string out;
  put32(out, 0x1c849314);
  put32(out, static_cast<std::uint32_t>(deflated.size()));
  return out + deflated;
}

std::string hdr_log_line(const std::string& tag, double start_s, double length_s,
                         const histogram& h) {
  return fmt::format("{}{:.3f},{:.3f},{:.3f},{}\n", tag.empty() ? "" : "Tag=" + tag + ",", start_s,
                     length_s, static_cast<double>(h.max()) / 1000.0, base64(hdr_compressed(h)));
}

std::string hdr_log_header(std::int64_t base_ms) {
  const std::time_t t = base_ms / 1000;
  std::tm utc{};
  gmtime_r(&t, &utc);
  char when[64];
  std::strftime(when, sizeof when, "%a %b %d %H:%M:%S UTC %Y", &utc);
  const auto seconds = static_cast<double>(base_ms) / 1000.0;
  return fmt::format(
      "#[Histogram log format version 1.3]\n"
      "#[StartTime: {:.3f} (seconds since epoch), {}]\n"
      "#[BaseTime: {:.3f} (seconds since epoch)]\n"
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_"
      "Histogram\"\n",
      seconds, when, seconds);
}

std::string hgrm_text(const histogram& h) {
  std::string out = fmt::format("{:>12} {:>14} {:>10} {:>14}\n\n", "Value", "Percentile",
                                "TotalCount", "1/(1-Percentile)");
  if (h.empty()) {
    return out;
  }
  // The counters in order with their running totals: the count at or below a value, and the
  // standard deviation over each counter's middle value, as HdrHistogram computes it.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> running;  // (lowest value, count <=)
  std::uint64_t so_far = 0;
  double squares = 0;
  const double mean_us = h.mean();
  h.for_each_recorded([&](std::uint64_t low, std::uint64_t high, std::uint64_t c) {
    so_far += c;
    running.emplace_back(low, so_far);
    const double middle = (static_cast<double>(low) + static_cast<double>(high)) / 2.0;
    squares += static_cast<double>(c) * (middle - mean_us) * (middle - mean_us);
  });
  const auto count_at = [&](std::uint64_t v) {
    std::uint64_t n = 0;
    for (const auto& [low, total] : running) {
      if (low > v) {
        break;
      }
      n = total;
    }
    return n;
  };
  // HdrHistogram's percentile ticks: 5 per half of the distance left to 100%.
  double level = 0;
  for (;;) {
    const auto value = h.value_at_percentile(level);
    const auto ms = static_cast<double>(value) / 1000.0;
    const auto at = count_at(value);
    if (level >= 100.0 || at >= h.count()) {
      out += fmt::format("{:12.3f} {:1.12f} {:10d}\n", ms, 1.0, h.count());
      break;
    }
    out += fmt::format("{:12.3f} {:1.12f} {:10d} {:14.2f}\n", ms, level / 100.0, at,
                       100.0 / (100.0 - level));
    const double ticks = 5.0 * std::pow(2.0, std::floor(std::log2(100.0 / (100.0 - level))) + 1);
    level += 100.0 / ticks;
  }
  const double stddev = std::sqrt(squares / static_cast<double>(h.count()));
  out += fmt::format("#[Mean    = {:12.3f}, StdDeviation   = {:12.3f}]\n", mean_us / 1000.0,
                     stddev / 1000.0);
  out += fmt::format("#[Max     = {:12.3f}, Total count    = {:12d}]\n",
                     static_cast<double>(h.max()) / 1000.0, h.count());
  out += fmt::format("#[Buckets = {:12d}, SubBuckets     = {:12d}]\n", histogram::bucket_count,
                     histogram::sub_bucket_count);
  return out;
}

}  // namespace stampede::outputs
