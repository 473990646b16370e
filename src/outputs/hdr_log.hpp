// SPDX-License-Identifier: Apache-2.0
// HdrHistogram's own formats for stampede's histograms, which share HdrHistogram's counter
// layout (1 µs lowest, 3 significant digits, 1 h highest): the V2 compressed encoding that
// interval logs base64 (`hdrlog=FILE`), and the .hgrm percentile distribution
// (`stampede show RUN --hgrm`).
#pragma once

#include <cstdint>
#include <string>

#include "metrics/histogram.hpp"

namespace stampede::outputs {

/// The V2 encoding (cookie 0x1c849313, big-endian header, ZigZag LEB128 counts with runs of
/// zeros), deflated into the compressed wrapper (cookie 0x1c849314).
std::string hdr_compressed(const metrics::histogram& h);

/// One interval log line: [Tag=TAG,]start,length,max,base64 — `start_s` relative to the log's
/// BaseTime, `max` in ms (the values are µs, as Java's writer divides ns by 10^6).
std::string hdr_log_line(const std::string& tag, double start_s, double length_s,
                         const metrics::histogram& h);

/// The log's header lines, its BaseTime `base_ms` (unix ms).
std::string hdr_log_header(std::int64_t base_ms);

/// The percentile distribution as HdrHistogram's outputPercentileDistribution prints it (five
/// ticks per half distance), values in ms.
std::string hgrm_text(const metrics::histogram& h);

}  // namespace stampede::outputs
