// SPDX-License-Identifier: Apache-2.0
// `opentsdb=http://HOST:PORT`: OpenTSDB's HTTP API, each second's points POSTed to /api/put as
// JSON arrays of at most 1,000, tagged campaign, run and the series' label (3 tags at most:
// OpenTSDB needs one and takes 8), names cleaned to what OpenTSDB allows.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "outputs/http_post.hpp"
#include "outputs/name_cleaner.hpp"
#include "outputs/output.hpp"

namespace stampede::outputs {

inline constexpr std::size_t opentsdb_batch = 1000;

std::unique_ptr<output> make_opentsdb_output(const std::string& name, const std::string& url,
                                             header_list auth);

/// The bodies of one second, tag values cleaned by `tags` (for the tests too).
std::vector<std::string> opentsdb_batches(const second_record& second, name_cleaner& tags);

}  // namespace stampede::outputs
