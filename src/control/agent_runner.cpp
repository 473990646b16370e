// SPDX-License-Identifier: Apache-2.0
#include "control/agent_runner.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include <grpcpp/grpcpp.h>
#include "core/unix_time.hpp"

#include "control/control_service.hpp"
#include "control/credentials.hpp"

namespace stampede::control {
namespace {

using core::unix_ms;

std::string default_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return fmt::format("{}-{}", host, ::getpid());
}

}  // namespace

agent_runner::agent_runner(agent_options options) : options_(std::move(options)) {
  if (options_.name.empty()) {
    options_.name = default_name();
  }
  if (options_.protocol == 0) {
    options_.protocol = protocol_version;
  }
  token_ = read_token(options_.settings.token_file);
  ca_pem_ = read_file(options_.settings.ca_file);
}

void agent_runner::stop() {
  stopping_ = true;
  std::lock_guard lock(mutex_);
  if (current_ != nullptr) {
    current_->TryCancel();
  }
  wake_.notify_all();
}

void agent_runner::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, d, [this] { return stopping_.load(); });
}

int agent_runner::run() {
  auto stub = v1::Control::NewStub(make_channel(options_.settings.controller, ca_pem_));
  int exit_code = 0;
  while (!stopping_) {
    if (!session(*stub, exit_code)) {
      return exit_code;
    }
    if (!stopping_) {
      sleep_for(std::chrono::seconds(1));  // then reconnect
    }
  }
  return 0;
}

bool agent_runner::session(v1::Control::Stub& stub, int& exit_code) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token_);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return true;
    }
    current_ = &ctx;
  }
  auto stream = stub.AgentSession(&ctx);
  v1::AgentMessage hello;
  auto* h = hello.mutable_hello();
  h->set_name(options_.name);
  h->set_cores(std::thread::hardware_concurrency());
  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  h->set_open_files(nofile.rlim_cur);
  h->set_version(stampede_version);
  h->set_protocol_version(options_.protocol);

  v1::ControllerMessage reply;
  const bool sent = stream->Write(hello);
  const bool answered = sent && stream->Read(&reply);
  bool keep_going = true;
  if (!answered) {
    const auto status = stream->Finish();
    if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      std::cerr << fmt::format("stampede agent: the controller at {} refused the token\n",
                               options_.settings.controller);
      exit_code = 1;
      keep_going = false;
    } else if (!stopping_) {
      std::cerr << fmt::format("stampede agent: cannot reach the controller at {}: {}\n",
                               options_.settings.controller, status.error_message());
    }
  } else if (reply.has_refusal()) {
    std::cerr << "stampede agent: the controller refused this agent: " << reply.refusal().reason()
              << "\n";
    stream->Finish();
    exit_code = 1;
    keep_going = false;
  } else {
    std::cout << fmt::format("stampede agent '{}' registered with the controller at {}\n",
                             options_.name, options_.settings.controller)
              << std::flush;
    // Acknowledgements are read on their own thread; gRPC allows one reader and one writer.
    std::thread reader([&] {
      v1::ControllerMessage ack;
      while (stream->Read(&ack)) {
      }
    });
    while (!stopping_) {
      sleep_for(std::chrono::seconds(1));
      if (stopping_) {
        break;
      }
      v1::AgentMessage beat;
      beat.mutable_heartbeat()->set_sent_at_ms(unix_ms());
      if (!stream->Write(beat)) {
        if (!stopping_) {
          std::cerr << "stampede agent: lost the controller; reconnecting\n";
        }
        break;
      }
    }
    ctx.TryCancel();
    reader.join();
    stream->Finish();
  }
  std::lock_guard lock(mutex_);
  current_ = nullptr;
  return keep_going;
}

}  // namespace stampede::control
