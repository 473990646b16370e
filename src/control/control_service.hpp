// SPDX-License-Identifier: Apache-2.0
// The controller's gRPC service: authenticates every call by token, keeps campaigns in the
// controller's database.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "control/agent_registry.hpp"
#include "control/monitor_hub.hpp"
#include "control/run_manager.hpp"
#include "stampede/control/v1/control.grpc.pb.h"
#include "storage/results_db.hpp"

namespace stampede::control {

inline constexpr const char* stampede_version = "0.1.0";
/// Raised whenever the reports or assignments change meaning (2: the local_limit and
/// invalid_request error classes, error reasons; 3: per-step requests, failures and status
/// classes, latency per scenario; 4: assignments carry the run's parameters, which an older
/// agent would ignore and fill from its own environment): an agent of another version is
/// refused at its hello.
inline constexpr std::uint32_t protocol_version = 4;

/// Thread-safety: gRPC calls handlers on several threads; the database and the agent registry
/// are used under one mutex, which the run manager shares.
class control_service final : public v1::Control::Service {
 public:
  /// `monitor_token` lets MonitorSession in and nothing else.
  control_service(std::string token, std::string monitor_token, storage::results_db& db);
  void set_lease(std::chrono::milliseconds lease) { runs_.set_lease(lease); }

  grpc::Status Ping(grpc::ServerContext* ctx, const v1::PingRequest* req,
                    v1::PingReply* reply) override;
  grpc::Status AddCampaign(grpc::ServerContext* ctx, const v1::PutCampaignRequest* req,
                           v1::CampaignReply* reply) override;
  grpc::Status UpdateCampaign(grpc::ServerContext* ctx, const v1::PutCampaignRequest* req,
                              v1::CampaignReply* reply) override;
  grpc::Status ListCampaigns(grpc::ServerContext* ctx, const v1::ListCampaignsRequest* req,
                             v1::ListCampaignsReply* reply) override;
  grpc::Status GetCampaign(grpc::ServerContext* ctx, const v1::CampaignName* req,
                           v1::CampaignReply* reply) override;
  grpc::Status RemoveCampaign(grpc::ServerContext* ctx, const v1::CampaignName* req,
                              v1::RemoveCampaignReply* reply) override;
  grpc::Status AgentSession(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<v1::ControllerMessage, v1::AgentMessage>* stream) override;
  grpc::Status ListAgents(grpc::ServerContext* ctx, const v1::ListAgentsRequest* req,
                          v1::ListAgentsReply* reply) override;
  grpc::Status StartRun(grpc::ServerContext* ctx, const v1::StartRunRequest* req,
                        v1::RunInfo* reply) override;
  grpc::Status StopRun(grpc::ServerContext* ctx, const v1::StopRunRequest* req,
                       v1::RunInfo* reply) override;
  grpc::Status GetRun(grpc::ServerContext* ctx, const v1::RunId* req, v1::RunInfo* reply) override;
  grpc::Status ListRuns(grpc::ServerContext* ctx, const v1::ListRunsRequest* req,
                        v1::ListRunsReply* reply) override;
  grpc::Status WatchRun(grpc::ServerContext* ctx, const v1::RunId* req,
                        grpc::ServerWriter<v1::RunEvent>* writer) override;
  grpc::Status RunIntervals(grpc::ServerContext* ctx, const v1::RunIntervalsRequest* req,
                            grpc::ServerWriter<v1::StoredInterval>* writer) override;
  grpc::Status MonitorSession(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<v1::MonitorReply, v1::MonitorMessage>* stream) override;

  /// For the web UI, already past its own access check: the agents as ListAgents gives them,
  /// and the runs to start and stop.
  v1::ListAgentsReply agents();
  run_manager& runs() { return runs_; }
  const monitor_hub& monitors() const { return *monitors_; }

 private:
  /// OK when the call carries "authorization: Bearer <token>"; otherwise UNAUTHENTICATED, and
  /// the refusal is logged with the peer's address.
  /// `monitor`: the monitor token is good too (MonitorSession only).
  grpc::Status authenticate(grpc::ServerContext* ctx, const char* call, bool monitor = false) const;
  grpc::Status put_campaign(const v1::PutCampaignRequest& req, bool update,
                            v1::CampaignReply* reply);

  std::string token_;
  std::string monitor_token_;
  std::shared_ptr<monitor_hub> monitors_ = std::make_shared<monitor_hub>();
  std::mutex mutex_;  ///< guards db_ and agents_
  storage::results_db& db_;
  agent_registry agents_;
  run_manager runs_{mutex_, db_, agents_, monitors_};  ///< last: it uses the members above
};

}  // namespace stampede::control
