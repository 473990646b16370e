// SPDX-License-Identifier: Apache-2.0
// `stampede target`: the built-in target server, for demos, calibration and tests.
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <boost/system/system_error.hpp>

#include "cli/commands.hpp"
#include "target/target_server.hpp"

namespace stampede::cli {
namespace {

/// "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4 interfaces); throws on anything else.
target::target_options parse_listen(const std::string& text) {
  target::target_options o;
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument("--listen: expected HOST:PORT, got '" + text + "'");
  }
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  o.host = host.empty() ? "0.0.0.0" : host;
  const auto port = text.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    throw std::invalid_argument("--listen: invalid port '" + port + "'");
  }
  o.port = static_cast<std::uint16_t>(value);
  return o;
}

int serve(const std::string& listen, unsigned threads) {
  target::target_options options;
  try {
    options = parse_listen(listen);
  } catch (const std::invalid_argument& e) {
    std::cerr << "stampede target: " << e.what() << "\n";
    return exit_code::usage_error;
  }
  options.threads = std::max(1u, threads);

  // Signals go to one waiting thread, which stops the server; the serving threads never see
  // them (they inherit this mask).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<target::target_server> server;
  try {
    server = std::make_unique<target::target_server>(options);
  } catch (const boost::system::system_error& e) {
    std::cerr << fmt::format("stampede target: cannot listen on {}: {}\n", listen,
                             e.code().message());
    return exit_code::runtime_failure;
  } catch (const std::exception& e) {
    std::cerr << fmt::format("stampede target: cannot listen on {}: {}\n", listen, e.what());
    return exit_code::usage_error;
  }
  const bool v6 = options.host.find(':') != std::string::npos;
  std::cout << fmt::format("stampede target listening on {}{}{}:{} (threads: {})\n", v6 ? "[" : "",
                           options.host, v6 ? "]" : "", server->port(), options.threads)
            << std::flush;

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server->stop();
  });
  server->run();
  // run() also returns if stop() came another way; wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return exit_code::ok;
}

}  // namespace

void register_target_command(CLI::App& app, int& exit) {
  struct flags {
    std::string listen = "127.0.0.1:8080";
    unsigned threads = 1;
  };
  auto f = std::make_shared<flags>();
  auto* cmd = app.add_subcommand(
      "target",
      "Run the built-in HTTP/1.1 target server: /, /delay?ms=N, /status?code=N, /bytes?n=N, "
      "/echo, /json, /close, GET /stats, POST /stats/reset");
  cmd->add_option("--listen", f->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free one)");
  cmd->add_option("--threads", f->threads, "Serving threads (default 1)");
  cmd->callback([f, &exit] { exit = serve(f->listen, f->threads); });
}

}  // namespace stampede::cli
