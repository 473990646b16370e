// SPDX-License-Identifier: Apache-2.0
#include "protocol/http2/h2_pool.hpp"

#include <algorithm>

#include "protocol/http2/h2_session.hpp"

namespace stampede::protocol::http2 {

h2_pool::h2_pool(h2_settings settings, std::uint32_t streams_per_connection)
    : settings_(std::move(settings)), streams_(std::max(1u, streams_per_connection)) {}

std::shared_ptr<session> h2_pool::make_session(boost::asio::io_context& ctx,
                                               net::connector& connector) {
  std::shared_ptr<h2_slot> slot;
  for (const auto& s : slots_) {
    if (s->sessions < streams_) {
      slot = s;
      break;
    }
  }
  if (!slot) {
    slot = slots_.emplace_back(std::make_shared<h2_slot>());
  }
  ++slot->sessions;
  return std::make_shared<h2_session>(ctx, connector, shared_from_this(), slot);
}

void h2_pool::detach(const std::shared_ptr<h2_slot>& slot) noexcept {
  if (--slot->sessions > 0) {
    return;
  }
  if (slot->link) {
    slot->link->close();
  }
  std::erase(slots_, slot);
}

}  // namespace stampede::protocol::http2
