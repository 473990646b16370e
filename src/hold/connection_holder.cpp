// SPDX-License-Identifier: Apache-2.0
#include "hold/connection_holder.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include "core/duration_text.hpp"
#include "net/error_classify.hpp"

namespace stampede::hold {

namespace asio = boost::asio;
using metrics::error_class;
using protocol::hold_read;
using protocol::hold_stage;

namespace {

/// How often deadlines and due pings are looked at: their resolution.
constexpr auto tick_period = std::chrono::milliseconds(50);
/// Events handled before other work of the io_context gets a turn.
constexpr int events_per_turn = 4096;
constexpr std::size_t read_chunk = 16 * 1024;

boost::system::error_code errno_code(int e) {
  return {e, boost::system::system_category()};
}

const protocol::hold_codec& codec_of(const hold_settings& settings) {
  if (!settings.codec) {
    throw std::invalid_argument("connection_holder: hold_settings without a codec");
  }
  return *settings.codec;
}

/// Drops consumed entries from a FIFO once they are half of it.
template <typename T>
void compact(std::vector<T>& fifo, std::size_t& head) {
  if (head > 1024 && head * 2 > fifo.size()) {
    fifo.erase(fifo.begin(), fifo.begin() + static_cast<std::ptrdiff_t>(head));
    head = 0;
  }
}

}  // namespace

connection_holder::connection_holder(asio::io_context& ctx, hold_settings settings,
                                     hold_listener& listener, std::size_t expected)
    : ctx_(ctx),
      settings_(std::move(settings)),
      codec_(codec_of(settings_)),
      listener_(listener),
      epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      epoll_watch_(ctx),
      tick_(ctx) {
  if (epoll_fd_ < 0) {
    throw boost::system::system_error(errno_code(errno), "epoll_create1");
  }
  epoll_watch_.assign(epoll_fd_);
  slots_.reserve(expected);
}

connection_holder::~connection_holder() {
  close_all();
}

std::int64_t connection_holder::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void connection_holder::open() {
  if (closed_ || settings_.endpoints.empty()) {
    return;
  }
  const auto& endpoint = settings_.endpoints[next_endpoint_++ % settings_.endpoints.size()];
  const auto fail = [&](int e, std::string_view what) {
    const auto cls = net::classify(errno_code(e));
    listener_.on_connect_failed(
        cls, fmt::format("{} for {}: {}{}", what, endpoint.address().to_string(),
                         errno_code(e).message(),
                         cls == metrics::error_class::local_limit ? net::local_limit_hint : ""));
  };
  const int fd = ::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          IPPROTO_TCP);
  if (fd < 0) {
    fail(errno, "socket");
    return;
  }
  if (!settings_.bind_addresses.empty()) {
    const asio::ip::tcp::endpoint source(
        settings_.bind_addresses[next_bind_++ % settings_.bind_addresses.size()], 0);
    const int one = 1;
    // Ports are then picked at connect time, unique per (source, destination): without it
    // bind() would reserve a port per source address for every destination.
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (::bind(fd, source.data(), static_cast<socklen_t>(source.size())) != 0) {
      const int e = errno;
      ::close(fd);
      fail(e, "bind " + source.address().to_string());
      return;
    }
  }
  const auto i = static_cast<std::uint32_t>(slots_.size());
  slots_.push_back({fd, state::connecting, now_ns()});
  ++connecting_;
  if (::connect(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) != 0 &&
      errno != EINPROGRESS) {
    const int e = errno;
    release(i);
    --connecting_;
    fail(e, "connect to");
    return;
  }
  // Edge-triggered, both ways, from the start: the connect's completion is the one writable
  // edge, and no epoll_ctl is needed to start reading (every read drains the socket).
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u32 = i;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    const int e = errno;
    release(i);
    --connecting_;
    fail(e, "epoll_ctl");
    return;
  }
  connect_deadlines_.push_back({i, slots_[i].since_ns + settings_.connect_timeout.count()});
  wait_for_events();
  arm_tick();
}

void connection_holder::wait_for_events() {
  if (waiting_ || closed_) {
    return;
  }
  waiting_ = true;
  epoll_watch_.async_wait(asio::posix::stream_descriptor::wait_read,
                          [this](const boost::system::error_code& ec) {
                            waiting_ = false;
                            if (!ec && !closed_) {
                              on_events();
                            }
                          });
}

void connection_holder::on_events() {
  epoll_event events[256];
  int handled = 0;
  while (!closed_) {
    const int n = ::epoll_wait(epoll_fd_, events, 256, 0);
    if (n <= 0) {
      break;
    }
    for (int k = 0; k < n && !closed_; ++k) {
      const auto i = events[k].data.u32;
      if (i >= slots_.size()) {
        continue;
      }
      const auto st = slots_[i].st;
      if (st == state::connecting) {
        on_connected(i, events[k].events);
      } else if (st == state::handshaking || st == state::idle || st == state::pinging) {
        on_readable(i, (events[k].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
      }
    }
    handled += n;
    if (n < 256) {
      break;
    }
    if (handled >= events_per_turn) {
      // Let the rest of the worker run; the epoll set is still ready, so come back at once.
      asio::post(ctx_, [this] {
        if (!closed_) {
          on_events();
        }
      });
      return;
    }
  }
  wait_for_events();
}

void connection_holder::on_connected(std::uint32_t i, std::uint32_t events) {
  auto& s = slots_[i];
  int error = 0;
  if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
    // Only a failed connect says why in SO_ERROR; a clean one costs no system call more.
    socklen_t len = sizeof error;
    if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) {
      error = errno;
    }
    if (error == 0) {
      error = ECONNRESET;  // connected, then hung up at once
    }
  }
  if (error != 0) {
    const auto message =
        fmt::format("connect to {}: {}", settings_.endpoints.front().address().to_string(),
                    errno_code(error).message());
    --connecting_;
    release(i);
    listener_.on_connect_failed(net::classify(errno_code(error)), message);
    return;
  }
  if (!codec_.hello().bytes.empty()) {
    start_handshake(i);  // still connecting until the codec reads the hello's answer
  } else {
    --connecting_;
    established(i);
  }
  // Bytes (or the server's close) that came with the connect: their edge was this one.
  if ((events & (EPOLLIN | EPOLLRDHUP)) != 0) {
    on_readable(i, (events & EPOLLRDHUP) != 0);
  }
}

void connection_holder::established(std::uint32_t i) {
  auto& s = slots_[i];
  const auto now = now_ns();
  const auto connect_time = std::chrono::nanoseconds(now - s.since_ns);
  s.st = state::idle;
  s.since_ns = now;
  ++open_;
  if (settings_.ping_every) {
    ping_due_.push_back({i, now + settings_.ping_every->count()});
  }
  listener_.on_established(connect_time);
}

void connection_holder::start_handshake(std::uint32_t i) {
  if (!send_bytes(i, codec_.hello())) {
    return;
  }
  slots_[i].st = state::handshaking;
  if (auto answer = codec_.start_answer(hold_stage::hello)) {
    answers_.insert_or_assign(i, std::move(answer));
  }
}

void connection_holder::fail_handshake(std::uint32_t i, error_class error,
                                       std::string_view message) {
  answers_.erase(i);
  --connecting_;
  release(i);
  listener_.on_connect_failed(error, message);
}

void connection_holder::on_readable(std::uint32_t i, bool hangup) {
  if (read_buffer_.size() < read_chunk) {
    read_buffer_.resize(read_chunk);
  }
  while (true) {
    const auto st = slots_[i].st;
    if (st != state::handshaking && st != state::idle && st != state::pinging) {
      return;  // released while handling what was read
    }
    const auto n = ::recv(slots_[i].fd, read_buffer_.data(), read_buffer_.size(), 0);
    if (n < 0) {
      const int e = errno;
      if (e == EAGAIN || e == EWOULDBLOCK) {
        if (hangup && st == state::idle) {
          drop(i, error_class::reset, "the server closed a held connection");
        }
        return;
      }
      if (e == EINTR) {
        continue;
      }
      const auto message = fmt::format("held connection: {}", errno_code(e).message());
      if (st == state::handshaking) {
        fail_handshake(i, net::classify(errno_code(e)), message);
      } else {
        lose(i, net::classify(errno_code(e)), message);
      }
      return;
    }
    if (n == 0) {
      if (st == state::idle) {
        lose(i, error_class::reset, "the server closed a held connection");
      } else {
        // The hello or a ping unanswered, or (an HTTP/1.1 answer that ends with the connection)
        // answered now.
        auto r = codec_.on_close(stage_of(st), answer_of(i));
        if (r.what == hold_read::outcome::ping_answered) {
          finish_ping(i, r);
        } else {
          lose(i, r.error, r.message);
        }
      }
      return;
    }
    on_bytes(i, std::string_view(read_buffer_.data(), static_cast<std::size_t>(n)));
  }
}

void connection_holder::on_bytes(std::uint32_t i, std::string_view data) {
  std::string joined;
  data = after_partial(i, data, joined);
  while (!data.empty()) {
    auto r = codec_.read(stage_of(slots_[i].st), data, answer_of(i));
    data.remove_prefix(std::min(r.consumed, data.size()));
    if (r.what == hold_read::outcome::need_more) {
      if (!data.empty()) {
        partial_frames_.emplace(i, std::string(data));
      }
      return;
    }
    if (!on_read(i, r)) {
      return;
    }
  }
}

bool connection_holder::on_read(std::uint32_t i, const hold_read& r) {
  if (r.reply_size > 0 && !send_bytes(i, {r.reply(), r.reply_failure})) {
    return false;
  }
  switch (r.what) {
    case hold_read::outcome::need_more:
    case hold_read::outcome::none:
      return true;
    case hold_read::outcome::established:
      answers_.erase(i);
      --connecting_;
      established(i);
      return true;
    case hold_read::outcome::ping_answered:
      if (slots_[i].st != state::pinging) {
        return true;  // a codec answers only a waiting ping; nothing to finish
      }
      return finish_ping(i, r);
    case hold_read::outcome::drop:
      lose(i, r.error, r.message);
      return false;
  }
  return true;
}

std::string_view connection_holder::after_partial(std::uint32_t i, std::string_view data,
                                                  std::string& joined) {
  const auto it = partial_frames_.find(i);
  if (it == partial_frames_.end()) {
    return data;
  }
  joined = std::move(it->second);
  partial_frames_.erase(it);
  joined.append(data);
  return joined;
}

protocol::hold_codec::answer_state* connection_holder::answer_of(std::uint32_t i) {
  if (answers_.empty()) {
    return nullptr;  // no lookup for the frames of idle WebSockets and HTTP/2 connections
  }
  const auto it = answers_.find(i);
  return it == answers_.end() ? nullptr : it->second.get();
}

hold_stage connection_holder::stage_of(state st) {
  if (st == state::handshaking) {
    return hold_stage::hello;
  }
  return st == state::pinging ? hold_stage::pinging : hold_stage::idle;
}

bool connection_holder::send_bytes(std::uint32_t i, const protocol::hold_message& m) {
  const auto n = ::send(slots_[i].fd, m.bytes.data(), m.bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n == static_cast<ssize_t>(m.bytes.size())) {
    return true;
  }
  const int e = n < 0 ? errno : EAGAIN;
  lose(i, net::classify(errno_code(e)), fmt::format("{}: {}", m.failure, errno_code(e).message()));
  return false;
}

void connection_holder::lose(std::uint32_t i, error_class error, std::string_view message) {
  if (slots_[i].st == state::connecting || slots_[i].st == state::handshaking) {
    fail_handshake(i, error, message);  // never established: a failed connect
  } else if (slots_[i].st == state::pinging) {
    fail_ping(i, error, message);  // reports the ping, then the drop
  } else {
    drop(i, error, message);
  }
}

void connection_holder::send_ping(std::uint32_t i) {
  auto& s = slots_[i];
  s.st = state::pinging;  // a ping that cannot be sent is a failed ping
  s.since_ns = now_ns();
  if (!send_bytes(i, codec_.ping())) {
    return;
  }
  if (auto answer = codec_.start_answer(hold_stage::pinging)) {
    answers_.insert_or_assign(i, std::move(answer));
  }
  ping_deadlines_.push_back({i, s.since_ns + settings_.ping_timeout.count()});
}

bool connection_holder::finish_ping(std::uint32_t i, const hold_read& r) {
  auto& s = slots_[i];
  const auto now = now_ns();
  ping_result result;
  result.status = r.status;
  result.latency = std::chrono::nanoseconds(now - s.since_ns);
  result.bytes_in = r.bytes_in;
  result.bytes_out = codec_.ping().bytes.size();
  answers_.erase(i);
  listener_.on_ping(result);
  if (!r.message.empty()) {
    drop(i, r.error, r.message);  // the server ends the connection after its answer
    return false;
  }
  s.st = state::idle;
  s.since_ns = now;
  ping_due_.push_back({i, now + settings_.ping_every->count()});
  return true;
}

void connection_holder::fail_ping(std::uint32_t i, error_class error, std::string_view message) {
  ping_result r;
  r.failed = true;
  r.error = error;
  r.message = message;
  r.latency = std::chrono::nanoseconds(now_ns() - slots_[i].since_ns);
  r.bytes_out = codec_.ping().bytes.size();
  answers_.erase(i);
  listener_.on_ping(r);
  drop(i, error, message);
}

void connection_holder::drop(std::uint32_t i, error_class error, std::string_view message) {
  release(i);
  --open_;
  listener_.on_dropped(error, message);
}

void connection_holder::release(std::uint32_t i) {
  auto& s = slots_[i];
  if (s.fd >= 0) {
    ::close(s.fd);  // also leaves the epoll set
    s.fd = -1;
  }
  s.st = state::closed;
  answers_.erase(i);
  partial_frames_.erase(i);
}

void connection_holder::arm_tick() {
  if (ticking_ || closed_) {
    return;
  }
  ticking_ = true;
  tick_.expires_after(tick_period);
  tick_.async_wait([this](const boost::system::error_code& ec) {
    ticking_ = false;
    if (!ec && !closed_) {
      on_tick();
    }
  });
}

void connection_holder::on_tick() {
  const auto now = now_ns();
  while (connect_head_ < connect_deadlines_.size() &&
         connect_deadlines_[connect_head_].at_ns <= now) {
    const auto i = connect_deadlines_[connect_head_++].slot;
    if (slots_[i].st == state::connecting) {
      release(i);
      --connecting_;
      listener_.on_connect_failed(error_class::connect_timeout,
                                  fmt::format("connect to {} timed out after {}",
                                              settings_.endpoints.front().address().to_string(),
                                              core::format_duration(settings_.connect_timeout)));
    } else if (slots_[i].st == state::handshaking) {
      fail_handshake(i, error_class::connect_timeout,
                     fmt::format("no answer to the {} within {} of connecting", codec_.hello_name(),
                                 core::format_duration(settings_.connect_timeout)));
    }
  }
  compact(connect_deadlines_, connect_head_);
  while (ping_head_ < ping_due_.size() && ping_due_[ping_head_].at_ns <= now) {
    const auto [i, at] = ping_due_[ping_head_++];
    // An entry is stale when its connection was dropped since.
    if (slots_[i].st == state::idle) {
      send_ping(i);
    }
  }
  compact(ping_due_, ping_head_);
  while (ping_deadline_head_ < ping_deadlines_.size() &&
         ping_deadlines_[ping_deadline_head_].at_ns <= now) {
    const auto [i, at] = ping_deadlines_[ping_deadline_head_++];
    const auto& s = slots_[i];
    if (s.st == state::pinging && s.since_ns + settings_.ping_timeout.count() <= now) {
      fail_ping(i, error_class::request_timeout,
                fmt::format("no answer to a ping within {}",
                            core::format_duration(settings_.ping_timeout)));
    }
  }
  compact(ping_deadlines_, ping_deadline_head_);
  if (connecting_ > 0 || !answers_.empty() || (settings_.ping_every && open_ > 0)) {
    arm_tick();
  }
}

std::size_t connection_holder::close_all() {
  if (closed_) {
    return 0;
  }
  const auto held = open_;
  closed_ = true;
  tick_.cancel();
  for (auto& s : slots_) {
    if (s.fd >= 0) {
      ::close(s.fd);
      s.fd = -1;
    }
    s.st = state::closed;
  }
  answers_.clear();
  partial_frames_.clear();
  boost::system::error_code ignored;
  epoll_watch_.close(ignored);  // closes the epoll instance
  open_ = 0;
  connecting_ = 0;
  return held;
}

}  // namespace stampede::hold
