// SPDX-License-Identifier: Apache-2.0
// Quick mode: `stampede run --url URL -c 50 -d 30s` builds a one-request campaign, like wrk.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenario/campaign.hpp"

namespace stampede::cli {

struct quick_options {
  std::string url;
  std::uint64_t connections = 10;
  bool connections_given = false;           ///< -c was on the command line (it has a default)
  std::optional<std::uint64_t> requests;    ///< -n
  std::optional<std::uint64_t> iterations;  ///< -i: per user
  std::optional<std::string> duration;      ///< -d
  std::optional<double> rate;               ///< --rate
  std::optional<std::string> user_steps;    ///< -u 10:20:30
  std::string method = "GET";
  bool h2 = false;                   ///< --h2
  std::uint32_t streams = 1;         ///< -m: HTTP/2 streams per connection
  std::vector<std::string> headers;  ///< "Name: value"
  std::optional<std::string> body;
  std::optional<std::string> timeout;
  std::optional<std::string> connect_timeout;
  bool insecure = false;
  std::vector<std::string> thresholds;
};

/// Builds the campaign; throws std::invalid_argument naming the flag on bad input.
scenario::campaign make_quick_campaign(const quick_options& q);

}  // namespace stampede::cli
