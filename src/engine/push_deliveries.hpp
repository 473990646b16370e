// SPDX-License-Identifier: Apache-2.0
// What a subscriber does with each message it receives (WebSocket, server-sent event or
// long-poll answer): a message carrying a publish step's stamp is counted as a push delivery,
// with its latency, its place in its stream (in order, out of order, duplicate) and its
// message's reach; other messages are left alone.
#pragma once

#include <string_view>

#include "metrics/metric_set.hpp"
#include "push/delivery_tracker.hpp"

namespace stampede::engine {

/// Records `payload` into `m` when it carries a stamp; `tracker` is the subscription's.
void record_push_delivery(std::string_view payload, push::delivery_tracker& tracker,
                          metrics::metric_set& m);

/// The subscription ended: its gaps are lost messages.
inline void settle_push_deliveries(push::delivery_tracker& tracker, metrics::metric_set& m) {
  if (!tracker.empty()) {
    m.push_lost += tracker.take_lost();
  }
}

}  // namespace stampede::engine
