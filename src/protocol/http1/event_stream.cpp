// SPDX-License-Identifier: Apache-2.0
#include "protocol/http1/event_stream.hpp"

#include <cstring>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/duration_text.hpp"
#include "net/dial_failure.hpp"
#include "net/error_classify.hpp"

namespace stampede::protocol::http1 {
namespace {

namespace asio = boost::asio;
using metrics::error_class;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_size = 16 * 1024;
/// An event (or a line) larger than this is a protocol error rather than unbounded memory.
constexpr std::size_t max_event_bytes = 16 * 1024 * 1024;

}  // namespace

void sse_parser::feed(std::string_view bytes, std::vector<std::string>& events) {
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      partial_.append(
          bytes.substr(0, max_event_bytes - std::min(max_event_bytes, partial_.size())));
      return;
    }
    if (partial_.empty()) {
      line(bytes.substr(0, newline), events);
    } else {
      partial_.append(bytes.substr(0, newline));
      line(partial_, events);
      partial_.clear();
    }
    bytes.remove_prefix(newline + 1);
  }
}

void sse_parser::line(std::string_view text, std::vector<std::string>& events) {
  if (!text.empty() && text.back() == '\r') {
    text.remove_suffix(1);
  }
  if (text.empty()) {  // the blank line that ends an event
    if (has_data_) {
      events.push_back(std::move(data_));
      data_.clear();
      has_data_ = false;
    }
    return;
  }
  if (!text.starts_with("data")) {
    return;  // event:, id:, retry: and comments (": ...") carry no data
  }
  auto value = text.substr(4);
  if (!value.empty() && value.front() != ':') {
    return;  // a field named like "database"
  }
  value.remove_prefix(value.empty() ? 0 : 1);
  if (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  if (has_data_) {
    data_ += '\n';
  }
  data_.append(value.substr(0, max_event_bytes - std::min(max_event_bytes, data_.size())));
  has_data_ = true;
}

class event_stream::body_sink final : public response_sink {
 public:
  body_sink(sse_parser& parser, std::vector<std::string>& events)
      : parser_(parser), events_(events) {}
  void on_body(std::string_view data) override { parser_.feed(data, events_); }

 private:
  sse_parser& parser_;
  std::vector<std::string>& events_;
};

event_stream::event_stream(asio::io_context& ctx, net::connector& connector,
                           std::string host_header, std::chrono::nanoseconds connect_timeout)
    : ctx_(ctx),
      connector_(connector),
      host_header_(std::move(host_header)),
      connect_timeout_(connect_timeout),
      deadline_(ctx, [this] {
        if (stream_) {
          stream_->close();
        }
      }) {}

event_stream::~event_stream() {
  close();
}

void event_stream::close() noexcept {
  closed_ = true;
  deadline_.cancel();
  if (stream_) {
    stream_->close();
  }
}

asio::awaitable<stream_result> event_stream::open(std::string_view target,
                                                  std::span<const header_view> headers,
                                                  std::chrono::nanoseconds timeout) {
  stream_result r;
  closed_ = false;
  stream_ = connector_.make_stream(ctx_);
  deadline_.arm(clock::now() + connect_timeout_, *this);
  const auto dialed = co_await connector_.dial(*stream_);
  deadline_.disarm();
  if (dialed.error || deadline_.timed_out() || closed_) {
    auto failure = net::describe_failure(dialed, deadline_.timed_out(), connect_timeout_);
    r.failed = true;
    r.error = failure.error;
    r.message = std::move(failure.message);
    close();
    co_return r;
  }
  r.connected = true;
  r.connect_time = dialed.connect_time;
  r.tls_time = dialed.tls_time;
  std::string request = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n",
                                    target, host_header_);
  for (const auto& h : headers) {
    request.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  request.append("\r\n");
  deadline_.arm(clock::now() + timeout, *this);
  auto [wec, written] = co_await stream_->async_write(asio::buffer(request), use_tuple);
  if (wec) {
    deadline_.disarm();
    r.failed = true;
    r.error = deadline_.timed_out() ? error_class::request_timeout : net::classify(wec);
    r.message = fmt::format("sending the subscription: {}", wec.message());
    close();
    co_return r;
  }
  parser_.reset();
  events_parser_ = sse_parser{};
  ready_.clear();
  taken_ = 0;
  buffer_.resize(read_size);
  buffered_ = 0;
  // Read until the head is parsed (events, even the stream's end, may come with it).
  end_.reset();
  while (!parser_.headers_complete()) {
    auto more = co_await read_more();
    r.bytes_in += more.bytes_in;
    if (more.failed) {
      end_ = more;
      end_->bytes_in = 0;
      if (!parser_.headers_complete()) {
        deadline_.disarm();
        more.connected = true;
        more.connect_time = r.connect_time;
        more.tls_time = r.tls_time;
        more.bytes_in = r.bytes_in;
        if (deadline_.timed_out()) {
          more.error = error_class::request_timeout;
          more.message = fmt::format("no answer to the subscription within {}",
                                     core::format_duration(timeout));
        }
        close();
        co_return more;
      }
    }
  }
  deadline_.disarm();
  if (parser_.status_code() != 200) {
    r.failed = true;
    r.error = error_class::http_status;
    r.message = fmt::format("GET {} -> {} (no event stream)", target, parser_.status_code());
    close();
  }
  co_return r;
}

asio::awaitable<stream_result> event_stream::read_more() {
  stream_result r;
  if (buffered_ == buffer_.size()) {
    if (buffer_.size() >= response_parser::max_header_bytes + read_size) {
      r.failed = true;
      r.error = error_class::protocol;
      r.message = "event stream head larger than 64 KiB";
      co_return r;
    }
    buffer_.resize(buffer_.size() * 2);
  }
  auto [ec, n] = co_await stream_->async_read_some(
      asio::buffer(buffer_.data() + buffered_, buffer_.size() - buffered_), use_tuple);
  ready_at_ = clock::now();
  r.bytes_in = n;
  buffered_ += n;
  body_sink sink(events_parser_, ready_);
  const auto parsed = parser_.parse(std::string_view(buffer_.data(), buffered_), sink);
  std::memmove(buffer_.data(), buffer_.data() + parsed.consumed, buffered_ - parsed.consumed);
  buffered_ -= parsed.consumed;
  if (parsed.state == response_parser::status::error) {
    r.failed = true;
    r.error = error_class::protocol;
    r.message = parser_.error_message();
    co_return r;
  }
  if (parsed.state == response_parser::status::done || ec) {
    r.failed = true;
    if (deadline_.timed_out() || closed_) {
      r.error = error_class::request_timeout;
      r.message = "the wait for an event ended";
    } else if (net::is_end_of_stream(ec) || parsed.state == response_parser::status::done) {
      r.error = error_class::reset;
      r.message = "the server ended the event stream";
    } else {
      r.error = net::classify(ec);
      r.message = fmt::format("reading the event stream: {}", ec.message());
    }
  }
  co_return r;
}

asio::awaitable<stream_result> event_stream::next(std::string& data, clock::time_point& received_at,
                                                  clock::time_point deadline) {
  stream_result r;
  while (taken_ == ready_.size()) {
    ready_.clear();
    taken_ = 0;
    if (end_) {
      auto ended = *end_;
      close();
      co_return ended;
    }
    if (!stream_ || closed_) {
      r.failed = true;
      r.error = error_class::reset;
      r.message = "the event stream is closed";
      co_return r;
    }
    deadline_.arm(deadline, *this);
    auto more = co_await read_more();
    deadline_.disarm();
    r.bytes_in += more.bytes_in;
    if (more.failed && taken_ == ready_.size()) {
      more.bytes_in = r.bytes_in;
      if (deadline_.timed_out()) {
        more.error = error_class::request_timeout;
      }
      close();
      co_return more;
    }
  }
  data = std::move(ready_[taken_++]);
  received_at = ready_at_;
  co_return r;
}

}  // namespace stampede::protocol::http1
