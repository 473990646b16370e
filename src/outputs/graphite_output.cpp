// SPDX-License-Identifier: Apache-2.0
#include "outputs/graphite_output.hpp"

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "web/dashboard.hpp"

namespace stampede::outputs {
namespace {

namespace asio = boost::asio;

class graphite_output final : public queued_output {
 public:
  graphite_output(const std::string& name, web::listen_address where)
      : queued_output(name), where_(std::move(where)), tags_("-_./:") {
    start();
  }
  ~graphite_output() override { finish(std::chrono::steady_clock::now()); }

 private:
  bool deliver(const second_record& second) override {
    const auto text = graphite_lines(second, tags_);
    try {
      if (!socket_.is_open()) {
        asio::ip::tcp::resolver resolver(io_);
        asio::connect(socket_, resolver.resolve(where_.host, std::to_string(where_.port)));
      }
      asio::write(socket_, asio::buffer(text));
    } catch (const boost::system::system_error& e) {
      boost::system::error_code ignored;
      socket_.close(ignored);  // opened again for the next second
      throw std::runtime_error(
          fmt::format("{}:{}: {}", where_.host, where_.port, e.code().message()));
    }
    return true;
  }
  void close() override {
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  web::listen_address where_;
  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
  name_cleaner tags_;  ///< Graphite tag values: letters, digits, '-', '_', '.', '/', ':'
};

}  // namespace

std::string graphite_lines(const second_record& second, name_cleaner& tags) {
  auto common = fmt::format(";campaign={}", tags(second.campaign));
  if (second.run_id != 0) {
    common += fmt::format(";run={}", second.run_id);
  }
  const auto at = second.t_ms / 1000;
  std::string out;
  for (const auto& p : second.points) {
    out += "stampede." + p.metric + common;
    if (!p.label.empty()) {
      out += fmt::format(";{}={}", p.label, tags(p.label_value));
    }
    out += fmt::format(" {} {}\n", p.value, at);
  }
  return out;
}

std::unique_ptr<output> make_graphite_output(const std::string& name, const std::string& address) {
  web::listen_address where;
  try {
    where = web::parse_listen_address(address);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  return std::make_unique<graphite_output>(name, std::move(where));
}

}  // namespace stampede::outputs
