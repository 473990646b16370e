// SPDX-License-Identifier: Apache-2.0
// Folds what `perf script -F comm,tid,time,ip,sym` prints into stacks, one line each,
// "comm;outermost;...;leaf count" (the format flame graphs are drawn from), most samples first.
#pragma once

#include <string>
#include <string_view>

namespace stampede::monitor {

/// The folded stacks of `perf_script` text; each sample counts one (perf record -F: a fixed
/// frequency). A ';' inside a frame's name becomes ':'.
std::string fold_perf_script(std::string_view perf_script);

}  // namespace stampede::monitor
