// SPDX-License-Identifier: Apache-2.0
// `influxdb=http://HOST:PORT?db=NAME`: InfluxDB v1 line protocol, each second's points in one
// POST to /write (precision ms), aggregated per second: one point per label set, not one per
// request.
#pragma once

#include <memory>
#include <string>

#include "outputs/http_post.hpp"
#include "outputs/output.hpp"

namespace stampede::outputs {

std::unique_ptr<output> make_influxdb_output(const std::string& name, const std::string& url,
                                             const std::string& database,
                                             const std::string& retention, header_list auth);

/// The second's points as line protocol, a line per label set (for the tests).
std::string line_protocol(const second_record& second);

}  // namespace stampede::outputs
