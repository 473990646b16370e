// SPDX-License-Identifier: Apache-2.0
#include "engine/push_deliveries.hpp"

#include "core/unix_time.hpp"

#include "push/push_stamp.hpp"

namespace stampede::engine {

void record_push_delivery(std::string_view payload, push::delivery_tracker& tracker,
                          metrics::metric_set& m) {
  const auto stamp = push::find_stamp(payload);
  if (!stamp) {
    return;
  }
  const auto now_us = core::unix_us();
  ++m.push_received;
  switch (tracker.observe(stamp->stream, stamp->sequence)) {
    case push::delivery::duplicate:
      ++m.push_duplicated;
      return;  // its first copy already counted
    case push::delivery::out_of_order:
      ++m.push_out_of_order;
      break;
    case push::delivery::in_order:
      break;
  }
  // Publisher and subscriber read the same clock on one machine; across machines a clock
  // skew shows up here (a negative latency reads as 0).
  const auto latency_us =
      now_us > stamp->sent_us ? static_cast<std::uint64_t>(now_us - stamp->sent_us) : 0;
  m.push_latency.record(latency_us);
  if (latency_us < static_cast<std::uint64_t>(metrics::reach_settle_after_us)) {
    m.push_pending.record(stamp->stream, stamp->sequence, stamp->sent_us, latency_us);
  }
}

}  // namespace stampede::engine
