// SPDX-License-Identifier: Apache-2.0
#include "scenario/campaign_error.hpp"

#include <fmt/format.h>

namespace stampede::scenario {

campaign_error::campaign_error(std::string file, int line, std::string field, std::string message)
    : std::runtime_error(fmt::format("{}:{}: {}: {}", file, line, field, message)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)),
      message_(std::move(message)) {}

}  // namespace stampede::scenario
