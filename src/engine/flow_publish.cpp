// SPDX-License-Identifier: Apache-2.0
// Publish steps: stamped messages sent at the step's rate, numbered per stream so subscribers
// can tell lost, duplicated and reordered deliveries.
#include "engine/flow_interpreter.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "core/microseconds.hpp"
#include "core/unix_time.hpp"
#include "push/push_stamp.hpp"

namespace stampede::engine {

namespace asio = boost::asio;
using core::to_us;

asio::awaitable<bool> flow_interpreter::run_publish(virtual_user& vu,
                                                    const compiled_publish& publish,
                                                    const flow_phase& ph) {
  const auto& spec = *publish.spec;
  const auto& path = publish.request.spec->path;
  const auto interval =
      std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / spec.rate));
  const auto start = clock::now();
  auto end = ph.end;
  if (spec.duration_) {
    end = std::min(end, start + *spec.duration_);
  }
  std::string channel;
  std::string body;
  for (std::uint64_t i = 0; !spec.count || i < *spec.count; ++i) {
    // Sends keep to the schedule from the step's start: a slow answer makes the next ones
    // leave late (counted as schedule lag), never fewer of them.
    const auto due = start + interval * static_cast<std::int64_t>(i);
    if (due >= end) {
      break;
    }
    if (due > clock::now()) {
      if (!co_await sleep_until(vu, due, ph)) {
        break;
      }
    } else {
      record_lag(clock::now() - due);
    }
    if (!active(ph)) {
      break;
    }
    channel.clear();
    fmt::format_to(std::back_inserter(channel), "{}", i % spec.channels);
    vu.variables.set("channel", channel);
    vu.target_buffer.clear();
    path.render_to(vu.variables, vu.target_buffer);
    const auto stream = push::stream_id(ph.index, vu.id, vu.target_buffer);
    auto* sequence = [&]() -> std::uint64_t* {
      for (auto& [id, next] : vu.publish_sequences) {
        if (id == stream) {
          return &next;
        }
      }
      return &vu.publish_sequences.emplace_back(stream, 1).second;
    }();
    body.clear();
    push::write_stamp({stream, *sequence, core::unix_us()}, spec.size, body);
    // Sent on the step's own schedule: never through run_request, which in a constant
    // throughput phase would also wait for a send slot of the phase.
    const auto out = render_request(vu, publish.request, body);
    if (!refuse_unsendable(vu, publish.request, out)) {
      co_await vu.session->exchange(out, vu.response, vu.result);
    }
    if (!record_exchange(vu, publish.request, out, std::nullopt)) {
      co_return false;
    }
    const auto& r = vu.result;
    if (r.failed) {
      ++*sequence;  // the server may have taken it: a subscriber missing it is a loss
    } else if (vu.response.status < 400) {
      ++*sequence;
      ++metrics().push_published;
    }
    // A refusal (status >= 400) reuses the number: the server said it did not take it.
  }
  co_return true;
}

}  // namespace stampede::engine
