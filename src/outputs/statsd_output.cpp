// SPDX-License-Identifier: Apache-2.0
#include "outputs/statsd_output.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "web/dashboard.hpp"

namespace stampede::outputs {
namespace {

/// A connected UDP socket: send() reports a refusal the kernel noticed (ICMP port unreachable)
/// on a later send, which an unconnected socket would never hear of.
class udp_socket {
 public:
  udp_socket(const std::string& host, unsigned short port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
        rc != 0) {
      throw std::runtime_error(fmt::format("cannot resolve {}: {}", host, ::gai_strerror(rc)));
    }
    fd_ = ::socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int rc = fd_ < 0 ? -1 : ::connect(fd_, found->ai_addr, found->ai_addrlen);
    const int err = errno;
    ::freeaddrinfo(found);
    if (rc != 0) {
      throw std::runtime_error(
          fmt::format("cannot reach {}:{}: {}", host, port, std::strerror(err)));
    }
  }
  ~udp_socket() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  udp_socket(const udp_socket&) = delete;
  udp_socket& operator=(const udp_socket&) = delete;

  void send(const std::string& datagram) {
    if (::send(fd_, datagram.data(), datagram.size(), 0) < 0) {
      throw std::runtime_error(fmt::format("sending: {}", std::strerror(errno)));
    }
  }

 private:
  int fd_ = -1;
};

class statsd_output final : public queued_output {
 public:
  statsd_output(const std::string& name, const web::listen_address& where, bool dogstatsd)
      : queued_output(name), socket_(where.host, where.port), lines_(dogstatsd) {
    start();
  }
  ~statsd_output() override { finish(std::chrono::steady_clock::now()); }

 private:
  bool deliver(const second_record& second) override {
    for (const auto& d : pack_datagrams(lines_(second), statsd_datagram_limit)) {
      socket_.send(d);
    }
    return true;
  }

  udp_socket socket_;
  statsd_lines lines_;
};

}  // namespace

// StatsD bucket segments keep [A-Za-z0-9_-]; DogStatsD tag values [A-Za-z0-9_-./:].
statsd_lines::statsd_lines(bool dogstatsd) : dogstatsd_(dogstatsd), names_("_-"), tags_("_-./:") {}

std::vector<std::string> statsd_lines::operator()(const second_record& second) {
  std::vector<std::string> out;
  std::string common;
  if (dogstatsd_) {
    common = "|#campaign:" + tags_(second.campaign);
    if (second.run_id != 0) {
      common += fmt::format(",run:{}", second.run_id);
    }
  }
  for (const auto& p : second.points) {
    auto line = "stampede." + p.metric;
    if (!dogstatsd_ && !p.label.empty()) {
      line += "." + names_(p.label_value);
    }
    line += fmt::format(":{}|{}", p.value, p.counter ? 'c' : 'g');
    if (dogstatsd_) {
      line += common;
      if (!p.label.empty()) {
        line += fmt::format(",{}:{}", p.label, tags_(p.label_value));
      }
    }
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<std::string> pack_datagrams(const std::vector<std::string>& lines, std::size_t limit) {
  std::vector<std::string> out;
  std::string current;
  for (const auto& line : lines) {
    if (line.size() > limit) {
      continue;  // a name too long for any datagram: the sink could not take it either
    }
    if (!current.empty() && current.size() + 1 + line.size() > limit) {
      out.push_back(std::move(current));
      current.clear();
    }
    if (!current.empty()) {
      current += '\n';
    }
    current += line;
  }
  if (!current.empty()) {
    out.push_back(std::move(current));
  }
  return out;
}

std::unique_ptr<output> make_statsd_output(const std::string& name, const std::string& address,
                                           bool dogstatsd) {
  web::listen_address where;
  try {
    where = web::parse_listen_address(address);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  return std::make_unique<statsd_output>(name, where, dogstatsd);
}

}  // namespace stampede::outputs
