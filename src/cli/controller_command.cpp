// SPDX-License-Identifier: Apache-2.0
// `stampede controller`: the control-plane daemon.
#include <pthread.h>
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "control/controller_server.hpp"
#include "core/duration_text.hpp"

namespace stampede::cli {
namespace {

int serve(const control::controller_options& options) {
  // Signals go to one waiting thread, which shuts the server down; gRPC's threads inherit the
  // blocked mask and never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<control::controller_server> server;
  try {
    server = std::make_unique<control::controller_server>(options);
  } catch (const std::exception& e) {
    std::cerr << "stampede controller: " << e.what() << "\n";
    return exit_code::runtime_failure;
  }
  const auto host = options.listen.substr(0, options.listen.rfind(':'));
  const auto dir = std::filesystem::absolute(options.data_dir);
  std::cout << fmt::format(
      "stampede controller listening on {}:{} (data: {})\n"
      "  clients and agents need: --controller {}:{} --token-file {} --ca {}\n",
      host, server->port(), dir.string(), host, server->port(), (dir / "token").string(),
      (dir / "ca.pem").string());
  for (const auto& d : server->output_descriptions()) {
    std::cout << "  output " << d << "\n";
  }
  if (const auto url = server->web_url(); !url.empty()) {
    std::cout << fmt::format("  web UI at {} (sign in with the token)\n", url);
  }
  std::cout << std::flush;
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server->shutdown();
  });
  server->wait();
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return exit_code::ok;
}

}  // namespace

void register_controller_command(CLI::App& app, int& exit) {
  auto options = std::make_shared<control::controller_options>();
  auto* cmd = app.add_subcommand(
      "controller",
      "Run the controller: keeps campaigns and runs in its database and steers agents over an "
      "authenticated TLS channel");
  cmd->add_option("--listen", options->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:7700; port 0 picks a free one)");
  cmd->add_option("--data", options->data_dir,
                  "Data directory: CA, certificate, token and database, created on first start "
                  "(default ./stampede-controller)");
  cmd->add_option("--http", options->http,
                  "Serve the web UI and JSON API at HOST:PORT (runs, campaigns, agents; the "
                  "token signs in)");
  cmd->add_option("--http-cert", options->http_cert,
                  "PEM certificate chain to serve --http over TLS with (with --http-key); off "
                  "loopback, without it, the controller's CA issues one (DIR/http.pem)");
  cmd->add_option("--http-key", options->http_key, "PEM private key of --http-cert");
  cmd->add_option("--out", options->outputs,
                  "Send every run's merged seconds to KIND=TARGET, repeatable, as `run --out` "
                  "takes it; prometheus=HOST:PORT serves every run's series at once, a file "
                  "gets the run's id (runs.jsonl: runs-17.jsonl) (docs/outputs.md)");
  auto lease = std::make_shared<std::string>("60s");
  cmd->add_option("--lease", *lease,
                  "How long agents go on with a run while this controller is unreachable, "
                  "spooling their reports, before they stop by themselves (default 60s)");
  cmd->callback([options, lease, &exit] {
    const auto d = core::parse_duration(*lease);
    if (!d || *d < std::chrono::seconds(1)) {
      std::cerr << "stampede controller: --lease: expected a duration of at least 1s, like 60s, "
                   "got '"
                << *lease << "'\n";
      exit = exit_code::usage_error;
      return;
    }
    options->lease = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    exit = serve(*options);
  });
}

}  // namespace stampede::cli
