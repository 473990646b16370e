// SPDX-License-Identifier: Apache-2.0
// `statsd=HOST:PORT` and `dogstatsd=HOST:PORT`: each second's series over UDP, packed into
// datagrams of at most 1432 bytes (Fast Ethernet's MTU less the headers, as StatsD advises).
// Counts go as counters (|c), levels and latency statistics as gauges (|g): a timer would have
// the server aggregate the already exact figures again. StatsD carries labels in the name
// (stampede.step_requests.GET__cart), DogStatsD as tags (|#campaign:shop,step:GET_/cart).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "outputs/name_cleaner.hpp"
#include "outputs/output.hpp"

namespace stampede::outputs {

inline constexpr std::size_t statsd_datagram_limit = 1432;

/// Resolves HOST:PORT now: throws std::runtime_error naming it when it cannot.
std::unique_ptr<output> make_statsd_output(const std::string& name, const std::string& address,
                                           bool dogstatsd);

/// The lines of each second, names cleaned the same way all run long (for the tests too).
class statsd_lines {
 public:
  explicit statsd_lines(bool dogstatsd);
  std::vector<std::string> operator()(const second_record& second);

 private:
  bool dogstatsd_;
  name_cleaner names_;
  name_cleaner tags_;
};

/// `lines` packed into datagrams of at most `limit` bytes, lines joined by '\n'.
std::vector<std::string> pack_datagrams(const std::vector<std::string>& lines, std::size_t limit);

}  // namespace stampede::outputs
