// SPDX-License-Identifier: Apache-2.0
// Long-poll steps: requests repeated back to back, each answer a message (200) or none; the gap
// between an answer and the next poll is what a subscriber misses.
#include "engine/flow_interpreter.hpp"

#include <algorithm>

#include "core/coarse_clock.hpp"
#include "core/microseconds.hpp"
#include "engine/push_deliveries.hpp"

namespace stampede::engine {

namespace asio = boost::asio;
using core::to_us;

asio::awaitable<bool> flow_interpreter::run_longpoll(virtual_user& vu,
                                                     const compiled_longpoll& poll,
                                                     const flow_phase& ph) {
  const auto& spec = *poll.spec;
  auto end = ph.end;
  if (spec.duration_) {
    end = std::min(end, clock::now() + *spec.duration_);
  }
  std::optional<clock::time_point> answered_at;
  for (std::uint64_t i = 0; (!spec.polls || i < *spec.polls) && core::before(end) && active(ph);
       ++i) {
    if (!co_await run_request(vu, poll.request, ph)) {
      co_return false;
    }
    const auto& r = vu.result;
    auto& m = metrics();
    ++m.longpoll_polls;
    if (r.failed) {
      answered_at.reset();
      continue;
    }
    if (answered_at && r.sent_at >= *answered_at) {
      m.longpoll_gap.record(to_us(r.sent_at - *answered_at));
    }
    answered_at = r.done_at;
    if (vu.response.status == 200) {
      ++m.longpoll_messages;
      record_push_delivery(vu.response.body, vu.subscription(), m);
    } else {
      ++m.longpoll_empty;
    }
  }
  settle_push_deliveries(vu.subscription(), metrics());
  co_return true;
}

}  // namespace stampede::engine
