// SPDX-License-Identifier: Apache-2.0
// Reads an HdrHistogram interval log with hdr-histogram-js, HdrHistogram's own JavaScript
// implementation, and prints each interval as JSON: tag, start, count, p50, p99, max (the
// log's units).
"use strict";
const fs = require("fs");
const hdr = require("hdr-histogram-js");

const reader = new hdr.HistogramLogReader(fs.readFileSync(process.argv[2], "utf8"));
for (;;) {
  const h = reader.nextIntervalHistogram();
  if (h === null) break;
  console.log(JSON.stringify({
    tag: h.tag || "", start: h.startTimeStampMsec, count: h.totalCount,
    p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), max: h.maxValue,
  }));
}
