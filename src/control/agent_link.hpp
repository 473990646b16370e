// SPDX-License-Identifier: Apache-2.0
// One agent's open stream, as the controller writes to it: assignments and stops come from
// request threads, acknowledgements from the agent's session thread, and gRPC allows one
// writer at a time.
#pragma once

#include <mutex>

#include <grpcpp/grpcpp.h>

#include "stampede/control/v1/control.grpc.pb.h"

namespace stampede::control {

class agent_link {
 public:
  using stream = grpc::ServerReaderWriter<v1::ControllerMessage, v1::AgentMessage>;

  explicit agent_link(stream* s) : stream_(s) {}

  /// False when the stream is closed or the write failed.
  bool send(const v1::ControllerMessage& m) {
    std::lock_guard lock(mutex_);
    if (stream_ == nullptr) {
      return false;
    }
    return stream_->Write(m);
  }

  /// Called by the session before its handler returns; later sends fail.
  void close() {
    std::lock_guard lock(mutex_);
    stream_ = nullptr;
  }

 private:
  std::mutex mutex_;
  stream* stream_;
};

}  // namespace stampede::control
