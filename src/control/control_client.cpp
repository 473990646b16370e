// SPDX-License-Identifier: Apache-2.0
#include "control/control_client.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "control/credentials.hpp"

namespace stampede::control {

void client_settings::complete_from_environment() {
  auto fill = [](std::string& field, const char* env) {
    if (field.empty()) {
      if (const char* v = std::getenv(env)) {
        field = v;
      }
    }
  };
  fill(controller, "STAMPEDE_CONTROLLER");
  fill(token_file, "STAMPEDE_TOKEN_FILE");
  fill(ca_file, "STAMPEDE_CA");
  if (controller.empty()) {
    throw std::invalid_argument(
        "no controller: give --controller HOST:PORT or set STAMPEDE_CONTROLLER");
  }
  if (token_file.empty()) {
    throw std::invalid_argument(
        "no token: give --token-file FILE (the controller's DATA/token) or set "
        "STAMPEDE_TOKEN_FILE");
  }
  if (ca_file.empty()) {
    throw std::invalid_argument(
        "no CA: give --ca FILE (the controller's DATA/ca.pem) or set STAMPEDE_CA");
  }
}

std::shared_ptr<grpc::Channel> make_channel(const std::string& controller,
                                            const std::string& ca_pem) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ca_pem;
  grpc::ChannelArguments args;
  // Verify the certificate's fixed name, not the address dialled: only this controller's CA
  // signs it, and the controller may sit behind NAT or a Kubernetes service.
  args.SetSslTargetNameOverride(controller_tls_name);
  // Reconnect within a second or two of a controller coming back, not gRPC's default minutes:
  // agents must re-attach while their lease runs.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return grpc::CreateCustomChannel(controller, grpc::SslCredentials(tls), args);
}

control_client::control_client(const client_settings& settings)
    : controller_(settings.controller),
      token_(read_token(settings.token_file)),
      stub_(v1::Control::NewStub(make_channel(controller_, read_file(settings.ca_file)))) {}

std::unique_ptr<grpc::ClientContext> control_client::context() const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token_);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return ctx;
}

void control_client::check(const grpc::Status& status) const {
  if (status.ok()) {
    return;
  }
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      throw call_error(status.error_code(), fmt::format("cannot reach the controller at {}: {}",
                                                        controller_, status.error_message()));
    case grpc::StatusCode::UNAUTHENTICATED:
      throw call_error(
          status.error_code(),
          fmt::format("the controller at {} refused the token (check --token-file)", controller_));
    default:
      throw call_error(status.error_code(), status.error_message());
  }
}

v1::PingReply control_client::ping() {
  v1::PingReply reply;
  check(stub_->Ping(context().get(), v1::PingRequest{}, &reply));
  return reply;
}

v1::Campaign control_client::add_campaign(const std::string& name, const std::string& text,
                                          const std::string& source, const std::string& data_text,
                                          bool update) {
  v1::PutCampaignRequest req;
  req.set_name(name);
  req.set_text(text);
  req.set_source_file(source);
  req.set_data_text(data_text);
  v1::CampaignReply reply;
  auto ctx = context();
  check(update ? stub_->UpdateCampaign(ctx.get(), req, &reply)
               : stub_->AddCampaign(ctx.get(), req, &reply));
  return reply.campaign();
}

std::vector<v1::Campaign> control_client::list_campaigns() {
  v1::ListCampaignsReply reply;
  check(stub_->ListCampaigns(context().get(), v1::ListCampaignsRequest{}, &reply));
  return {reply.campaigns().begin(), reply.campaigns().end()};
}

v1::Campaign control_client::get_campaign(const std::string& name) {
  v1::CampaignName req;
  req.set_name(name);
  v1::CampaignReply reply;
  check(stub_->GetCampaign(context().get(), req, &reply));
  return reply.campaign();
}

void control_client::remove_campaign(const std::string& name) {
  v1::CampaignName req;
  req.set_name(name);
  v1::RemoveCampaignReply reply;
  check(stub_->RemoveCampaign(context().get(), req, &reply));
}

v1::ListAgentsReply control_client::list_agents() {
  v1::ListAgentsReply reply;
  check(stub_->ListAgents(context().get(), v1::ListAgentsRequest{}, &reply));
  return reply;
}

v1::RunInfo control_client::start_run(const std::string& campaign, std::uint32_t agents,
                                      const std::string& command,
                                      const std::map<std::string, std::string>& parameters,
                                      const std::string& target) {
  v1::StartRunRequest req;
  req.set_campaign(campaign);
  req.set_agents(agents);
  req.set_command(command);
  req.mutable_parameters()->insert(parameters.begin(), parameters.end());
  req.set_target(target);
  v1::RunInfo reply;
  check(stub_->StartRun(context().get(), req, &reply));
  return reply;
}

v1::RunInfo control_client::stop_run(std::int64_t run_id, bool abort) {
  v1::StopRunRequest req;
  req.set_run_id(run_id);
  req.set_abort(abort);
  v1::RunInfo reply;
  check(stub_->StopRun(context().get(), req, &reply));
  return reply;
}

v1::RunInfo control_client::get_run(std::int64_t run_id) {
  v1::RunId req;
  req.set_run_id(run_id);
  v1::RunInfo reply;
  check(stub_->GetRun(context().get(), req, &reply));
  return reply;
}

std::vector<v1::RunInfo> control_client::list_runs(std::uint32_t limit) {
  v1::ListRunsRequest req;
  req.set_limit(limit);
  v1::ListRunsReply reply;
  check(stub_->ListRuns(context().get(), req, &reply));
  return {reply.runs().begin(), reply.runs().end()};
}

std::unique_ptr<run_watch> control_client::watch_run(std::int64_t run_id) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token_);  // no deadline: runs last
  v1::RunId req;
  req.set_run_id(run_id);
  auto reader = stub_->WatchRun(ctx.get(), req);
  return std::make_unique<run_watch>(std::move(ctx), std::move(reader),
                                     [this](const grpc::Status& s) { check(s); });
}

std::vector<storage::interval_record> control_client::run_intervals(
    std::int64_t run_id, const std::vector<std::string>& histogram_prefixes) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token_);  // no deadline: an hour takes a while
  v1::RunIntervalsRequest req;
  req.set_run_id(run_id);
  req.set_after(-1);
  for (const auto& p : histogram_prefixes) {
    req.add_histogram_prefixes(p);
  }
  auto reader = stub_->RunIntervals(ctx.get(), req);
  std::vector<storage::interval_record> out;
  v1::StoredInterval m;
  while (reader->Read(&m)) {
    storage::interval_record iv;
    iv.run_id = run_id;
    iv.index = m.index();
    iv.started_at_ms = m.started_at_ms();
    iv.metrics_json = std::move(*m.mutable_metrics_json());
    for (auto& h : *m.mutable_histograms()) {
      iv.histograms.emplace_back(std::move(*h.mutable_name()), std::move(*h.mutable_data()));
    }
    out.push_back(std::move(iv));
  }
  check(reader->Finish());
  return out;
}

void run_watch::finish() {
  const auto status = reader_->Finish();
  if (status.error_code() != grpc::StatusCode::CANCELLED) {
    check_(status);
  }
}

}  // namespace stampede::control
