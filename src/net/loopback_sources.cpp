// SPDX-License-Identifier: Apache-2.0
#include "net/loopback_sources.hpp"

#include <algorithm>

namespace stampede::net {

std::vector<boost::asio::ip::address> loopback_sources(std::uint64_t worker, std::uint64_t workers,
                                                       std::uint64_t connections) {
  // Address a is worker (a % workers)'s; each worker gets enough for its share.
  const auto share = (connections + workers - 1) / workers;
  const auto per_worker =
      std::max<std::uint64_t>(1, (share + connections_per_source - 1) / connections_per_source);
  std::vector<boost::asio::ip::address> out;
  for (std::uint64_t j = 0; j < per_worker; ++j) {
    const auto a = worker + j * workers;
    // 127.1.0.1 onwards, skipping .0 and .255 in the last byte.
    const auto third = static_cast<std::uint32_t>(a / 254);
    const auto fourth = static_cast<std::uint32_t>(a % 254 + 1);
    out.push_back(
        boost::asio::ip::address_v4((127u << 24) | (1u << 16) | ((third & 0xff) << 8) | fourth));
  }
  return out;
}

}  // namespace stampede::net
