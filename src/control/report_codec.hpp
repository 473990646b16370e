// SPDX-License-Identifier: Apache-2.0
// An engine::interval_report on the wire between an agent and its controller.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/interval_report.hpp"
#include "stampede/control/v1/control.pb.h"

namespace stampede::control {

v1::IntervalReport to_wire(std::int64_t run_id, const engine::interval_report& r);

/// nullopt when the counters are not JSON of the right shape or a histogram does not decode.
std::optional<engine::interval_report> from_wire(const v1::IntervalReport& w,
                                                 const metrics::metric_layout& layout);

}  // namespace stampede::control
