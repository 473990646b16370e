// SPDX-License-Identifier: Apache-2.0
#include "outputs/http_post.hpp"

#include <charconv>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace stampede::outputs {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

http_url parse_http_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) {
    throw std::invalid_argument(fmt::format("expected an http:// URL, got '{}'", url));
  }
  const auto rest = std::string_view(url).substr(scheme.size());
  const auto slash = rest.find_first_of("/?");
  const auto authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    throw std::invalid_argument(fmt::format(
        "'{}' holds credentials: give them by environment variable or file instead (see "
        "docs/outputs.md)",
        url));
  }
  http_url out;
  auto host = authority;
  if (const auto colon = authority.rfind(':');
      colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    host = authority.substr(0, colon);
    const auto port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      throw std::invalid_argument(fmt::format("bad port in '{}'", url));
    }
    out.port = static_cast<unsigned short>(value);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    throw std::invalid_argument(fmt::format("no host in '{}'", url));
  }
  out.host = std::string(host);
  if (slash != std::string_view::npos) {
    out.target = std::string(rest.substr(slash));
    if (out.target.front() == '?') {
      out.target.insert(0, "/");
    }
  }
  return out;
}

namespace {

asio::awaitable<void> exchange(const http_url& url, http::request<http::string_body>& req,
                               std::chrono::milliseconds timeout, post_result& out) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(executor);
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);
  const auto endpoints =
      co_await resolver.async_resolve(url.host, std::to_string(url.port), asio::use_awaitable);
  co_await stream.async_connect(endpoints, asio::use_awaitable);
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  co_await http::async_read(stream, buffer, res, asio::use_awaitable);
  out.status = res.result_int();
  out.body = std::move(res.body());
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace

post_result http_post(const http_url& url, std::string_view content_type,
                      const header_list& headers, std::string body,
                      std::chrono::milliseconds timeout) {
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.port == 80 ? url.host : fmt::format("{}:{}", url.host, url.port));
  req.set(http::field::user_agent, "stampede");
  req.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) {
    req.set(name, value);
  }
  req.body() = std::move(body);
  req.prepare_payload();
  post_result out;
  asio::io_context io;
  asio::co_spawn(io, exchange(url, req, timeout, out), [&out](std::exception_ptr e) {
    if (!e) {
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const boost::system::system_error& x) {
      out.error = x.code().message();  // without Boost's source location
    } catch (const std::exception& x) {
      out.status = 0;
      out.error = x.what();
    }
  });
  io.run();
  return out;
}

}  // namespace stampede::outputs
