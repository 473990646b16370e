// SPDX-License-Identifier: Apache-2.0
// `stampede target`: the built-in target server, for demos, calibration and tests.
#include <charconv>
#include <iostream>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/system/system_error.hpp>

#include "cli/commands.hpp"
#include "cli/target_processes.hpp"
#include "target/target_server.hpp"

namespace stampede::cli {
namespace {

/// "127.0.0.1:8080", "localhost:8080", "[::1]:8080", ":8080" (every IPv4 interface).
/// Throws std::invalid_argument on anything else.
target::target_options parse_listen(const std::string& text) {
  target::target_options o;
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument("--listen: expected HOST:PORT, got '" + text + "'");
  }
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    throw std::invalid_argument("--listen: put an IPv6 address in brackets, as in [::1]:8080");
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

struct target_flags {
  std::string listen = "127.0.0.1:8080";
  unsigned threads = 1;
  unsigned processes = 1;
  std::string tls_cert;
  std::string tls_key;
};

int serve(const target_flags& f) {
  const auto& listen = f.listen;
  target::target_options options;
  try {
    options = parse_listen(listen);
  } catch (const std::invalid_argument& e) {
    std::cerr << "stampede target: " << e.what() << "\n";
    return exit_code::usage_error;
  }
  options.threads = f.threads;
  options.stop_on_signals = true;
  options.tls_cert = f.tls_cert;
  options.tls_key = f.tls_key;
  if (f.processes > 1) {
    return serve_in_processes(options, f.processes, listen);
  }

  std::unique_ptr<target::target_server> server;
  try {
    server = std::make_unique<target::target_server>(options);
  } catch (const boost::system::system_error& e) {
    std::cerr << fmt::format("stampede target: cannot listen on {}: {}\n", listen,
                             e.code().message());
    return exit_code::runtime_failure;
  } catch (const std::runtime_error& e) {
    std::cerr << fmt::format("stampede target: {}\n", e.what());
    return exit_code::usage_error;
  }
  const auto& ep = server->endpoint();
  const auto address = ep.address().to_string();
  // Tests wait for this line (and read the port from it), so it goes out at once.
  std::cout << fmt::format("stampede target listening on {}:{} (threads: {}{})\n",
                           ep.address().is_v6() ? "[" + address + "]" : address, ep.port(),
                           server->threads(), server->tls() ? ", TLS" : "")
            << std::flush;
  server->run();
  return exit_code::ok;
}

}  // namespace

void register_target_command(CLI::App& app, int& exit) {
  auto f = std::make_shared<target_flags>();
  auto* cmd = app.add_subcommand("target",
                                 "Run the built-in target server (HTTP/1.1, h2c and WebSocket on "
                                 "one port): a fast server to demo stampede on, "
                                 "benchmark it against, and check its counts with (GET /stats)");
  cmd->footer(
      "Endpoints:\n"
      "  GET /              a small fixed body\n"
      "  /delay?ms=N        answers after N ms (capped at 60000)\n"
      "  /status?code=N     answers with status N (100..599)\n"
      "  /bytes?n=N         N bytes of body (at most 64 MiB); add &chunked=1 for chunked encoding\n"
      "  /echo              the request body back, with its Content-Type (any method)\n"
      "  /json              a small JSON document, for checks and captures\n"
      "  /close             closes the connection without answering\n"
      "  /cookie/set?NAME=VALUE[&NAME=VALUE...]  sets those cookies (Set-Cookie, Path=/)\n"
      "  /cookie            the Cookie header received, as the body\n"
      "  /redirect?n=N&to=PATH[&status=CODE]  N redirects (302, or CODE: 301 303 307 308),\n"
      "                     the last to PATH (percent-encoded, default /)\n"
      "  /ws/echo           WebSocket: every message sent back as it came (text or binary)\n"
      "  /ws/pubsub?channel=NAME  WebSocket: receives what is published to NAME\n"
      "  GET /sse?channel=NAME       server-sent events: each message published to NAME\n"
      "  GET /longpoll?channel=NAME[&timeout_ms=N]  the next message published to NAME,\n"
      "                     or 204 after N ms (default 30000)\n"
      "  POST /publish?channel=NAME  the body goes to NAME's subscribers; answers\n"
      "                     {\"channel\", \"delivered\"}\n"
      "  GET /stats         counters as JSON: requests (/stats itself excluded),\n"
      "                     connections_accepted, connections_open, requests_by_path, bytes,\n"
      "                     websocket {open, messages_in, messages_out},\n"
      "                     pubsub {published, deliveries}, comet {sse_open, sse_events,\n"
      "                     longpolls_waiting, longpoll_messages, longpoll_timeouts}\n"
      "  POST /stats/reset  zeroes the counters\n"
      "With --tls-cert and --tls-key every connection is TLS: ALPN h2 gets HTTP/2, anything\n"
      "else HTTP/1.1 (and WebSocket).\n"
      "Prints 'stampede target listening on HOST:PORT (threads: N)' once listening (', TLS'\n"
      "after N with TLS); stops cleanly on SIGINT or SIGTERM.\n"
      "With --processes N, N processes serve the port together (SO_REUSEPORT), each with\n"
      "--threads threads and its own open-files limit; /stats on any of them counts for all\n"
      "(shared memory). Pub/sub channels are per process: a publish reaches the subscribers\n"
      "of the process that took it. The line printed says '(processes: N, threads: T)'.\n"
      "Example: stampede target --listen 127.0.0.1:0 --threads 2");
  cmd->add_option("--listen", f->listen,
                  "HOST:PORT to listen on; [::1]:PORT for IPv6, :PORT for every interface, port 0 "
                  "for any free port (the line printed at start shows which)")
      ->capture_default_str();
  cmd->add_option("--threads", f->threads,
                  "Serving threads, each with its own event loop and listening socket")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("--processes", f->processes,
                  "Serving processes sharing the port, for more connections than one process "
                  "may open")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("--tls-cert", f->tls_cert, "PEM certificate chain: serve TLS (with --tls-key)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-key", f->tls_key, "PEM private key of --tls-cert")
      ->check(CLI::ExistingFile);
  cmd->callback([f, &exit] { exit = serve(*f); });
}

}  // namespace stampede::cli
