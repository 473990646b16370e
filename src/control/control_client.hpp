// SPDX-License-Identifier: Apache-2.0
// The CLI's side of the control plane: where the controller is, how to trust it, and calls
// that carry the token.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "control/call_error.hpp"
#include "stampede/control/v1/control.grpc.pb.h"
#include "storage/results_db.hpp"

namespace stampede::control {

/// From --controller/--token-file/--ca, else STAMPEDE_CONTROLLER/STAMPEDE_TOKEN_FILE/STAMPEDE_CA.
struct client_settings {
  std::string controller;  ///< HOST:PORT
  std::string token_file;
  std::string ca_file;

  /// Fills empty fields from the environment; throws std::invalid_argument naming what is
  /// still missing.
  void complete_from_environment();
};

/// A TLS channel to `controller` (HOST:PORT), trusting only `ca_pem` and verifying the
/// controller's fixed certificate name.
std::shared_ptr<grpc::Channel> make_channel(const std::string& controller,
                                            const std::string& ca_pem);

/// A run's events as they happen (WatchRun). cancel() may be called from any thread.
class run_watch {
 public:
  run_watch(std::unique_ptr<grpc::ClientContext> ctx,
            std::unique_ptr<grpc::ClientReader<v1::RunEvent>> reader,
            std::function<void(const grpc::Status&)> check)
      : ctx_(std::move(ctx)), reader_(std::move(reader)), check_(std::move(check)) {}
  /// False when the stream ended (the run's end was the last event) or was cancelled.
  bool next(v1::RunEvent& event) { return reader_->Read(&event); }
  void cancel() { ctx_->TryCancel(); }
  /// Throws call_error when the stream failed for another reason than cancel().
  void finish();

 private:
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::ClientReader<v1::RunEvent>> reader_;
  std::function<void(const grpc::Status&)> check_;
};

class control_client {
 public:
  /// Reads the token and CA; throws std::runtime_error naming the file.
  explicit control_client(const client_settings& settings);

  v1::PingReply ping();
  /// `data_text`: the CSV file of the campaign's data feeder, if it has one.
  v1::Campaign add_campaign(const std::string& name, const std::string& text,
                            const std::string& source, const std::string& data_text, bool update);
  std::vector<v1::Campaign> list_campaigns();
  v1::Campaign get_campaign(const std::string& name);
  void remove_campaign(const std::string& name);
  v1::ListAgentsReply list_agents();
  /// `parameters`: the values of the campaign's {{env.NAME}}, by NAME; `target` replaces the
  /// campaign's when not empty.
  v1::RunInfo start_run(const std::string& campaign, std::uint32_t agents,
                        const std::string& command,
                        const std::map<std::string, std::string>& parameters = {},
                        const std::string& target = "");
  v1::RunInfo stop_run(std::int64_t run_id, bool abort);
  v1::RunInfo get_run(std::int64_t run_id);
  std::vector<v1::RunInfo> list_runs(std::uint32_t limit);
  std::unique_ptr<run_watch> watch_run(std::int64_t run_id);
  /// A stored run's merged seconds, in order, with the histograms whose names begin with one
  /// of `histogram_prefixes` (all of them when it is empty).
  std::vector<storage::interval_record> run_intervals(
      std::int64_t run_id, const std::vector<std::string>& histogram_prefixes);

 private:
  /// A context with the token and a deadline.
  std::unique_ptr<grpc::ClientContext> context() const;
  void check(const grpc::Status& status) const;

  std::string controller_;
  std::string token_;
  std::unique_ptr<v1::Control::Stub> stub_;
};

}  // namespace stampede::control
