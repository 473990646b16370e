// SPDX-License-Identifier: Apache-2.0
// `prometheus-rw=URL`: Prometheus remote write 1.0. Each second is one WriteRequest (protobuf,
// snappy block format, the spec's headers), one sample per series stamped with the second's
// start: counters as the run's totals so far (_total), levels and statistics as gauges, named
// as the scrape endpoint names them.
#pragma once

#include <memory>
#include <string>

#include "outputs/http_post.hpp"
#include "outputs/output.hpp"

namespace stampede::outputs {

std::unique_ptr<output> make_remote_write_output(const std::string& name, const std::string& url,
                                                 header_list auth);

/// The second's WriteRequest, serialized (before snappy): for the tests.
std::string write_request(const second_record& second);

}  // namespace stampede::outputs
