// SPDX-License-Identifier: Apache-2.0
// A small HTTP/1.1 server on Boost.Beast for stampede's own pages and API: it runs on a thread
// of its own, so a slow or stalled browser never holds up the run it shows, and it streams
// server-sent events for live pages.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

namespace stampede::web {

namespace asio = boost::asio;

/// A loopback address (127.0.0.0/8, ::1) or "localhost": where a server is reachable from this
/// machine only.
bool is_loopback_host(const std::string& host);

/// `text` as a whole decimal number (an id, an index); nullopt for anything else.
std::optional<std::int64_t> whole_number(std::string_view text);

/// The fields of a query string or an application/x-www-form-urlencoded body, decoded; the
/// last of a repeated name.
std::map<std::string, std::string> form_fields(std::string_view text);

struct http_request {
  std::string method;                        ///< "GET", "POST", ...
  std::string path;                          ///< percent-decoded, without the query
  std::map<std::string, std::string> query;  ///< decoded; the last of a repeated name
  std::vector<std::pair<std::string, std::string>> headers;  ///< names in lower case
  std::string body;
  std::string peer;  ///< the client's address, "IP:PORT", for logs
  /// The header's value ("" when absent); `name` in lower case.
  std::string header(std::string_view name) const;
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static http_response json(unsigned status, const nlohmann::json& body);
  /// {"error": message}
  static http_response error(unsigned status, std::string_view message);
  static http_response html(std::string body);
};

/// One client's stream of server-sent events, open until its source returns.
class event_stream {
 public:
  /// Writes one event (`data` on one line, as JSON is); false once the client has gone.
  virtual asio::awaitable<bool> send(std::string_view event, std::string_view id,
                                     std::string_view data) = 0;
  /// Sleeps `period`, or less when the server is closing.
  virtual asio::awaitable<void> wait(std::chrono::milliseconds period) = 0;
  /// The server is stopping: send what is left and return.
  virtual bool closing() const = 0;

 protected:
  ~event_stream() = default;
};

/// What answers a server-sent events request: a coroutine writing to the stream.
using event_source = std::function<asio::awaitable<void>(event_stream&)>;
using route_result = std::variant<http_response, event_source>;
/// Called on the server's thread for every request.
using request_handler = std::function<route_result(const http_request&)>;

/// A server TLS context (TLS 1.2 and later) from a PEM certificate chain and its key. Throws
/// std::runtime_error saying which is wrong.
std::shared_ptr<asio::ssl::context> server_tls(const std::string& cert_chain_pem,
                                               const std::string& key_pem);

class http_server {
 public:
  /// Listens on host:port (port 0: any free one), over TLS with `tls` when given. Throws
  /// std::runtime_error naming the address when it cannot.
  http_server(const std::string& host, unsigned short port, request_handler handler,
              std::shared_ptr<asio::ssl::context> tls = nullptr);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The address it listens on, as "host:port".
  std::string address() const;
  bool tls() const { return tls_ != nullptr; }
  unsigned short port() const { return port_; }

  /// Serves on a thread of its own until stop().
  void start();
  /// Tells every event stream the server is closing, waits up to `grace` for them to send their
  /// last events, then closes every connection and joins the thread.
  void stop(std::chrono::milliseconds grace);

 private:
  class session;
  class stream;
  template <typename Stream>
  class stream_on;
  asio::awaitable<void> accept_loop();

  request_handler handler_;
  std::string host_;
  std::shared_ptr<asio::ssl::context> tls_;
  unsigned short port_ = 0;
  bool closing_ = false;       ///< on the server's thread
  std::set<stream*> streams_;  ///< open event streams, on the server's thread
  std::atomic<std::size_t> open_streams_{0};
  std::size_t sessions_ = 0;  ///< open connections, on the server's thread
  // Destroyed first (see ~http_server): the coroutines still suspended in it go with it, while
  // the members above they point to are still there.
  std::unique_ptr<asio::io_context> io_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::thread thread_;
};

}  // namespace stampede::web
