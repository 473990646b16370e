// SPDX-License-Identifier: Apache-2.0
// Campaign files (YAML) into the campaign model, checked field by field.
//
// Every error names the file, the line and the field path, such as
// "quickstart.yaml:7: phases[0].users: expected a positive integer, got 'five'". Reading goes on
// after a mistake (each section, phase, scenario, step and threshold is read on its own), so one
// campaign_error holds every independent mistake of a file, in file order; the CLI prints them
// and exits 2. An unknown field is an error (with a "did you mean" when a known field is
// spelled close to it), never silently ignored, and so is a {{variable}} that no capture or data
// column defines. The schema is documented in docs/campaign.md.
//
// Thread-safety: the functions share no state; they may run on several threads at once.
#pragma once

#include <string>
#include <string_view>

#include "scenario/campaign.hpp"
#include "scenario/campaign_error.hpp"
#include "scenario/csv_feeder.hpp"
#include "scenario/run_parameters.hpp"
#include "scenario/threshold_parser.hpp"

namespace stampede::scenario {

/// Reads and parses a campaign file; a CSV feeder is read relative to the file's directory.
/// An unreadable file is a campaign_error at line 0. `params`: the values of {{env.NAME}} (by
/// default, the process environment) and a --target that replaces the file's; a bad --target
/// throws std::invalid_argument.
campaign load_campaign_file(const std::string& path,
                            const run_parameters& params = run_parameters());

/// Parses campaign text; `file_name` is used in errors and for the default name, `base_dir` to
/// find data files. With `load_data` false a CSV feeder is checked for its fields but its file
/// is not read (a controller stores campaigns whose data files live where they will run).
campaign parse_campaign(std::string_view yaml_text, const std::string& file_name,
                        const std::string& base_dir, bool load_data = true,
                        const run_parameters& params = run_parameters());

/// Parses campaign text whose CSV data file arrives as text beside it (a controller and its
/// agents get a campaign this way). Throws campaign_error when the campaign has a data feeder
/// and `data_text` is empty or not valid CSV.
campaign parse_campaign_with_data(std::string_view yaml_text, const std::string& file_name,
                                  const std::string& data_text,
                                  const run_parameters& params = run_parameters());

}  // namespace stampede::scenario
