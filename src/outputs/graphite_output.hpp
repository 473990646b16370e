// SPDX-License-Identifier: Apache-2.0
// `graphite=HOST:PORT`: Graphite's plaintext protocol over TCP, tagged
// (`stampede.step_requests;campaign=shop;run=4;step=GET_/cart 406 1764839000`): a line per series
// each second, the second's own values, stamped with its start in whole seconds. One
// connection, opened again after a failure.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "outputs/name_cleaner.hpp"
#include "outputs/output.hpp"

namespace stampede::outputs {

/// Resolves HOST:PORT now: throws std::runtime_error naming it when it cannot be parsed.
std::unique_ptr<output> make_graphite_output(const std::string& name, const std::string& address);

/// The lines of one second, tag values cleaned by `tags` (for the tests too).
std::string graphite_lines(const second_record& second, name_cleaner& tags);

}  // namespace stampede::outputs
