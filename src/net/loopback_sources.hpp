// SPDX-License-Identifier: Apache-2.0
// Source addresses for many connections to a loopback target. One source address reaches one
// destination from at most ~28,000 (up to 64,000) ephemeral ports, so a run holding more
// connections to 127.0.0.1:port spreads them over addresses of 127.0.0.0/8, each worker (and so
// each process, whose workers are numbered across the run) on a slice of its own.
#pragma once

#include <cstdint>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace stampede::net {

/// Connections per source address the slices are sized for.
inline constexpr std::uint64_t connections_per_source = 20'000;

/// Worker `worker` of `workers`' source addresses when the run opens `connections` in all:
/// 127.1.x.y addresses, disjoint between workers, enough for its share.
std::vector<boost::asio::ip::address> loopback_sources(std::uint64_t worker, std::uint64_t workers,
                                                       std::uint64_t connections);

}  // namespace stampede::net
