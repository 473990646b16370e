// SPDX-License-Identifier: Apache-2.0
// A threshold's scenario and step filters checked against the campaign it gates: a name the
// campaign does not have is a typo to refuse, never a gate that measures nothing.
//
// Thread-safety: the functions share no state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenario/campaign.hpp"

namespace stampede::scenario {

/// The step names a run's summary lists (engine::run_plan lays its step metrics out by them):
/// the `name` of each request, ws, sse, longpoll and publish step, loops included, once each,
/// in the order of the flows.
std::vector<std::string> summary_step_names(const campaign& c);

/// Why `t`'s filters name a scenario or step that `c` does not have ("no scenario named
/// 'chekout'; did you mean 'checkout'? ..."), or nullopt when they name only what it has.
std::optional<std::string> unknown_scope_name(const threshold& t, const campaign& c);

}  // namespace stampede::scenario
