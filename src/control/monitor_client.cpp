// SPDX-License-Identifier: Apache-2.0
#include "control/monitor_client.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "control/control_service.hpp"
#include "control/credentials.hpp"
#include "core/unix_time.hpp"

namespace stampede::control {

monitor_client::monitor_client(monitor_options options)
    : options_(std::move(options)),
      token_(read_token(options_.settings.token_file)),
      stub_(v1::Control::NewStub(
          make_channel(options_.settings.controller, read_file(options_.settings.ca_file)))),
      sampler_(options_.target) {}

monitor_client::~monitor_client() = default;

void monitor_client::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  if (live_ != nullptr) {
    live_->TryCancel();
  }
  wake_.notify_all();
}

bool monitor_client::wait_for_next_second() {
  const auto now = core::unix_ms();
  const auto next = std::chrono::milliseconds(1000 - now % 1000);
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, next, [this] { return stopped_; });
}

int monitor_client::run() {
  auto backoff = std::chrono::milliseconds(500);
  for (;;) {
    int exit = 0;
    if (session(exit)) {
      return exit;
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, backoff, [this] { return stopped_; })) {
      return 0;
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

bool monitor_client::session(int& exit) {
  const auto& target = sampler_.target();
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token_);
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      return true;
    }
    live_ = &ctx;
  }
  const auto done = [&](bool over) {
    std::lock_guard lock(mutex_);
    live_ = nullptr;
    return over || stopped_;
  };
  auto stream = stub_->MonitorSession(&ctx);
  v1::MonitorMessage hello;
  hello.mutable_hello()->set_name(target.name);
  hello.mutable_hello()->set_target(monitor::describe(target));
  hello.mutable_hello()->set_version(stampede_version);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  hello.mutable_hello()->set_host(host);
  v1::MonitorReply reply;
  if (!stream->Write(hello) || !stream->Read(&reply)) {
    const auto status = stream->Finish();
    if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      std::cerr << fmt::format(
          "stampede monitor: the controller at {} refused the token (give --token-file the "
          "controller's monitor-token or token)\n",
          options_.settings.controller);
      exit = 1;
      return done(true);
    }
    if (!done(false)) {
      std::cerr << fmt::format(
          "stampede monitor: cannot reach the controller at {}: {}; trying "
          "again\n",
          options_.settings.controller, status.error_message());
    }
    return done(false);
  }
  if (!reply.accepted()) {
    std::cerr << "stampede monitor: refused: " << reply.reason() << "\n";
    stream->Finish();
    exit = 1;
    return done(true);
  }
  std::cerr << fmt::format("stampede monitor: attached to {} as '{}', watching {}\n",
                           options_.settings.controller, target.name, monitor::describe(target));
  while (wait_for_next_second()) {
    v1::MonitorMessage sample;
    for (const auto& [key, value] : sampler_.sample()) {
      (*sample.mutable_sample()->mutable_values())[key] = value;
    }
    if (!stream->Write(sample)) {
      break;  // the controller went away
    }
  }
  stream->WritesDone();
  const auto status = stream->Finish();
  if (!done(false)) {
    std::cerr << fmt::format("stampede monitor: lost the controller at {}{}; trying again\n",
                             options_.settings.controller,
                             status.ok() ? "" : ": " + status.error_message());
    return false;
  }
  return true;
}

}  // namespace stampede::control
