// SPDX-License-Identifier: Apache-2.0
#include "control/control_service.hpp"

#include <chrono>
#include <iostream>
#include <map>
#include <string>

#include <fmt/format.h>

#include "core/unix_time.hpp"

#include "control/credentials.hpp"
#include "scenario/campaign_parser.hpp"

namespace stampede::control {
namespace {

using core::unix_ms;

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 128) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

/// Fills the reply's campaign, with what parsing it tells (phases, scenarios, length).
void describe(const storage::campaign_row& row, v1::Campaign* out) {
  out->set_name(row.name);
  out->set_text(row.text);
  out->set_source_file(row.source_file);
  out->set_created_at_ms(row.created_at_ms);
  out->set_updated_at_ms(row.updated_at_ms);
  try {
    const auto c = scenario::parse_campaign_with_data(row.text, row.source_file, row.data_text,
                                                      scenario::run_parameters::values_later());
    out->set_data_rows(c.data ? c.data->rows.size() : 0);
    out->set_phases(static_cast<std::uint32_t>(c.phases.size()));
    out->set_scenarios(static_cast<std::uint32_t>(c.scenarios.size()));
    std::chrono::nanoseconds total{};
    for (const auto& p : c.phases) {
      total += p.length;
    }
    out->set_duration_s(std::chrono::duration<double>(total).count());
  } catch (const std::exception&) {
    // Stored campaigns were valid when stored; a newer schema may not read an older one.
  }
}

}  // namespace

control_service::control_service(std::string token, std::string monitor_token,
                                 storage::results_db& db)
    : token_(std::move(token)), monitor_token_(std::move(monitor_token)), db_(db) {
  for (const auto& row : db_.list_agents()) {
    agent_state a;
    a.name = row.name;
    a.cores = row.cores;
    a.open_files = row.open_files;
    a.version = row.version;
    a.first_seen_ms = row.first_seen_ms;
    a.last_heartbeat_ms = row.last_seen_ms;
    agents_.remember(std::move(a));
  }
}

grpc::Status control_service::authenticate(grpc::ServerContext* ctx, const char* call,
                                           bool monitor) const {
  const auto& metadata = ctx->client_metadata();
  const auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    const std::string value(it->second.data(), it->second.size());
    if (same_secret(value, "Bearer " + token_)) {
      return grpc::Status::OK;
    }
    if (monitor && !monitor_token_.empty() && same_secret(value, "Bearer " + monitor_token_)) {
      return grpc::Status::OK;
    }
  }
  std::cerr << fmt::format("stampede controller: refused {} from {}: {}\n", call, ctx->peer(),
                           it == metadata.end() ? "no token" : "wrong token");
  return {grpc::StatusCode::UNAUTHENTICATED, "the controller refused the token"};
}

grpc::Status control_service::Ping(grpc::ServerContext* ctx, const v1::PingRequest*,
                                   v1::PingReply* reply) {
  if (auto s = authenticate(ctx, "Ping"); !s.ok()) {
    return s;
  }
  std::unique_lock lock(mutex_);
  reply->set_version(stampede_version);
  reply->set_protocol_version(protocol_version);
  reply->set_agents_registered(agents_.healthy_count(core::steady_ms()));
  reply->set_campaigns(static_cast<std::uint32_t>(db_.list_campaigns().size()));
  lock.unlock();
  for (const auto& r : runs_.running()) {
    reply->add_running(r);
  }
  return grpc::Status::OK;
}

grpc::Status control_service::put_campaign(const v1::PutCampaignRequest& req, bool update,
                                           v1::CampaignReply* reply) {
  if (!valid_name(req.name())) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            fmt::format("invalid campaign name '{}': use letters, digits, '-', '_' or '.'",
                        req.name())};
  }
  try {
    // Its parameters' values come with each `start`.
    scenario::parse_campaign_with_data(req.text(),
                                       req.source_file().empty() ? req.name() : req.source_file(),
                                       req.data_text(), scenario::run_parameters::values_later());
  } catch (const scenario::campaign_error& e) {
    return {grpc::StatusCode::INVALID_ARGUMENT, e.what()};
  }
  storage::campaign_row row{req.name(), req.text(), req.source_file(),
                            unix_ms(),  unix_ms(),  req.data_text()};
  std::lock_guard lock(mutex_);
  try {
    if (update) {
      if (!db_.update_campaign(row)) {
        return {grpc::StatusCode::NOT_FOUND, fmt::format("no campaign named '{}'", req.name())};
      }
    } else if (!db_.add_campaign(row)) {
      return {grpc::StatusCode::ALREADY_EXISTS,
              fmt::format("a campaign named '{}' exists; use campaign update", req.name())};
    }
    describe(*db_.find_campaign(req.name()), reply->mutable_campaign());
  } catch (const std::exception& e) {
    return {grpc::StatusCode::INTERNAL, e.what()};
  }
  return grpc::Status::OK;
}

grpc::Status control_service::AddCampaign(grpc::ServerContext* ctx,
                                          const v1::PutCampaignRequest* req,
                                          v1::CampaignReply* reply) {
  if (auto s = authenticate(ctx, "AddCampaign"); !s.ok()) {
    return s;
  }
  return put_campaign(*req, false, reply);
}

grpc::Status control_service::UpdateCampaign(grpc::ServerContext* ctx,
                                             const v1::PutCampaignRequest* req,
                                             v1::CampaignReply* reply) {
  if (auto s = authenticate(ctx, "UpdateCampaign"); !s.ok()) {
    return s;
  }
  return put_campaign(*req, true, reply);
}

grpc::Status control_service::ListCampaigns(grpc::ServerContext* ctx,
                                            const v1::ListCampaignsRequest*,
                                            v1::ListCampaignsReply* reply) {
  if (auto s = authenticate(ctx, "ListCampaigns"); !s.ok()) {
    return s;
  }
  std::lock_guard lock(mutex_);
  for (const auto& row : db_.list_campaigns()) {
    describe(row, reply->add_campaigns());
  }
  return grpc::Status::OK;
}

grpc::Status control_service::GetCampaign(grpc::ServerContext* ctx, const v1::CampaignName* req,
                                          v1::CampaignReply* reply) {
  if (auto s = authenticate(ctx, "GetCampaign"); !s.ok()) {
    return s;
  }
  std::lock_guard lock(mutex_);
  const auto row = db_.find_campaign(req->name());
  if (!row) {
    return {grpc::StatusCode::NOT_FOUND, fmt::format("no campaign named '{}'", req->name())};
  }
  describe(*row, reply->mutable_campaign());
  return grpc::Status::OK;
}

grpc::Status control_service::RemoveCampaign(grpc::ServerContext* ctx, const v1::CampaignName* req,
                                             v1::RemoveCampaignReply*) {
  if (auto s = authenticate(ctx, "RemoveCampaign"); !s.ok()) {
    return s;
  }
  std::lock_guard lock(mutex_);
  if (!db_.remove_campaign(req->name())) {
    return {grpc::StatusCode::NOT_FOUND, fmt::format("no campaign named '{}'", req->name())};
  }
  return grpc::Status::OK;
}

grpc::Status control_service::AgentSession(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<v1::ControllerMessage, v1::AgentMessage>* stream) {
  if (auto s = authenticate(ctx, "AgentSession"); !s.ok()) {
    return s;
  }
  v1::AgentMessage in;
  if (!stream->Read(&in) || !in.has_hello()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "an agent session starts with a hello"};
  }
  const auto& hello = in.hello();
  v1::ControllerMessage out;
  if (hello.protocol_version() != protocol_version) {
    const auto reason = fmt::format(
        "version mismatch: this agent is stampede {} (protocol {}), the controller is stampede "
        "{} (protocol {}); run the same version on both",
        hello.version(), hello.protocol_version(), stampede_version, protocol_version);
    std::cerr << fmt::format("stampede controller: refused agent '{}' from {}: {}\n", hello.name(),
                             ctx->peer(), reason);
    out.mutable_refusal()->set_reason(reason);
    stream->Write(out);
    return {grpc::StatusCode::FAILED_PRECONDITION, reason};
  }
  const std::string name = hello.name();
  {
    agent_state a;
    a.name = name;
    a.cores = hello.cores();
    a.open_files = hello.open_files();
    a.version = hello.version();
    a.peer = ctx->peer();
    std::lock_guard lock(mutex_);
    const auto now = unix_ms();
    if (auto refusal = agents_.connect(std::move(a), now, core::steady_ms())) {
      out.mutable_refusal()->set_reason(*refusal);
      stream->Write(out);
      return {grpc::StatusCode::ALREADY_EXISTS, *refusal};
    }
    const auto* state = agents_.find(name);
    try {
      db_.upsert_agent(
          {name, state->cores, state->open_files, state->version, state->first_seen_ms, now});
    } catch (const std::exception& e) {
      std::cerr << "stampede controller: " << e.what() << "\n";
    }
  }
  std::cerr << fmt::format("stampede controller: agent '{}' connected from {}\n", name,
                           ctx->peer());
  auto link = std::make_shared<agent_link>(stream);
  out.mutable_welcome()->set_agent_name(name);
  out.mutable_welcome()->set_controller_time_ms(unix_ms());
  link->send(out);
  runs_.link_opened(name, link);
  while (stream->Read(&in)) {
    if (in.has_report()) {
      if (runs_.on_report(name, in.report())) {
        v1::ControllerMessage ack;
        ack.mutable_report_ack()->set_run_id(in.report().run_id());
        ack.mutable_report_ack()->set_worker(in.report().worker());
        ack.mutable_report_ack()->set_index(in.report().index());
        link->send(ack);
      }
      continue;
    }
    if (in.has_failed()) {
      runs_.on_assignment_failed(name, in.failed());
      continue;
    }
    if (in.has_phase_done()) {
      runs_.on_phase_done(name, in.phase_done());
      continue;
    }
    if (!in.has_heartbeat()) {
      continue;
    }
    const auto now = unix_ms();
    {
      std::lock_guard lock(mutex_);
      agents_.heartbeat(name, now, core::steady_ms());
    }
    runs_.on_heartbeat(name, in.heartbeat().clock_offset_ms(), in.heartbeat().round_trip_ms());
    v1::ControllerMessage ack;
    ack.mutable_ack()->set_agent_sent_at_ms(in.heartbeat().sent_at_ms());
    ack.mutable_ack()->set_controller_time_ms(now);
    if (!link->send(ack)) {
      break;
    }
  }
  link->close();
  runs_.link_closed(name, link);
  {
    std::lock_guard lock(mutex_);
    agents_.disconnect(name);
    const auto* state = agents_.find(name);
    try {
      db_.upsert_agent(
          {name, state->cores, state->open_files, state->version, state->first_seen_ms, unix_ms()});
    } catch (const std::exception& e) {
      std::cerr << "stampede controller: " << e.what() << "\n";
    }
  }
  std::cerr << fmt::format("stampede controller: agent '{}' disconnected\n", name);
  return grpc::Status::OK;
}

grpc::Status control_service::ListAgents(grpc::ServerContext* ctx, const v1::ListAgentsRequest*,
                                         v1::ListAgentsReply* reply) {
  if (auto s = authenticate(ctx, "ListAgents"); !s.ok()) {
    return s;
  }
  *reply = agents();
  return grpc::Status::OK;
}

v1::ListAgentsReply control_service::agents() {
  v1::ListAgentsReply out;
  auto* reply = &out;
  std::unique_lock lock(mutex_);
  reply->set_controller_time_ms(unix_ms());
  const auto now = core::steady_ms();
  for (const auto& a : agents_.list()) {
    auto* info = reply->add_agents();
    info->set_name(a.name);
    info->set_cores(a.cores);
    info->set_open_files(a.open_files);
    info->set_version(a.version);
    info->set_connected(a.healthy(now));
    info->set_first_seen_ms(a.first_seen_ms);
    info->set_last_heartbeat_ms(a.last_heartbeat_ms);
    info->set_assignment(a.assignment);
    info->set_peer(a.peer);
  }
  lock.unlock();
  for (auto& info : *reply->mutable_agents()) {
    if (const auto clock = runs_.clock_of(info.name())) {
      info.set_clock_offset_ms(clock->first);
      info.set_round_trip_ms(clock->second);
    }
  }
  return out;
}

grpc::Status control_service::StartRun(grpc::ServerContext* ctx, const v1::StartRunRequest* req,
                                       v1::RunInfo* reply) {
  if (auto s = authenticate(ctx, "StartRun"); !s.ok()) {
    return s;
  }
  try {
    std::map<std::string, std::string> parameters;
    for (const auto& [name, value] : req->parameters()) {
      parameters.emplace(name, value);
    }
    *reply = runs_.start(req->campaign(), req->agents(), req->command(), parameters, req->target());
  } catch (const call_error& e) {
    return {e.code(), e.what()};
  } catch (const std::exception& e) {
    return {grpc::StatusCode::INTERNAL, e.what()};
  }
  return grpc::Status::OK;
}

grpc::Status control_service::StopRun(grpc::ServerContext* ctx, const v1::StopRunRequest* req,
                                      v1::RunInfo* reply) {
  if (auto s = authenticate(ctx, "StopRun"); !s.ok()) {
    return s;
  }
  try {
    *reply = runs_.stop(req->run_id(), req->abort());
  } catch (const call_error& e) {
    return {e.code(), e.what()};
  }
  return grpc::Status::OK;
}

grpc::Status control_service::GetRun(grpc::ServerContext* ctx, const v1::RunId* req,
                                     v1::RunInfo* reply) {
  if (auto s = authenticate(ctx, "GetRun"); !s.ok()) {
    return s;
  }
  auto run = runs_.get(req->run_id());
  if (!run) {
    return {grpc::StatusCode::NOT_FOUND, fmt::format("no run {}", req->run_id())};
  }
  *reply = std::move(*run);
  return grpc::Status::OK;
}

grpc::Status control_service::ListRuns(grpc::ServerContext* ctx, const v1::ListRunsRequest* req,
                                       v1::ListRunsReply* reply) {
  if (auto s = authenticate(ctx, "ListRuns"); !s.ok()) {
    return s;
  }
  for (auto& r : runs_.list(req->limit() == 0 ? 20 : req->limit())) {
    *reply->add_runs() = std::move(r);
  }
  return grpc::Status::OK;
}

grpc::Status control_service::WatchRun(grpc::ServerContext* ctx, const v1::RunId* req,
                                       grpc::ServerWriter<v1::RunEvent>* writer) {
  if (auto s = authenticate(ctx, "WatchRun"); !s.ok()) {
    return s;
  }
  return runs_.watch(
      req->run_id(), [writer](const v1::RunEvent& e) { return writer->Write(e); },
      [ctx] { return ctx->IsCancelled(); });
}

grpc::Status control_service::RunIntervals(grpc::ServerContext* ctx,
                                           const v1::RunIntervalsRequest* req,
                                           grpc::ServerWriter<v1::StoredInterval>* writer) {
  if (auto s = authenticate(ctx, "RunIntervals"); !s.ok()) {
    return s;
  }
  const std::vector<std::string> prefixes(req->histogram_prefixes().begin(),
                                          req->histogram_prefixes().end());
  {
    std::unique_lock lock(mutex_);
    if (!db_.find_run(req->run_id())) {
      return {grpc::StatusCode::NOT_FOUND, fmt::format("no run {}", req->run_id())};
    }
  }
  // A minute at a time: the lock is never held for long, nor an hour of seconds in memory.
  constexpr std::int64_t slice_seconds = 60;
  auto after = req->after();
  for (;;) {
    std::vector<storage::interval_record> slice;
    {
      std::unique_lock lock(mutex_);
      slice = db_.intervals(req->run_id(), after, prefixes, slice_seconds);
    }
    if (slice.empty()) {
      return grpc::Status::OK;
    }
    for (auto& iv : slice) {
      v1::StoredInterval m;
      m.set_index(iv.index);
      m.set_started_at_ms(iv.started_at_ms);
      m.set_metrics_json(std::move(iv.metrics_json));
      for (auto& [name, bytes] : iv.histograms) {
        auto* h = m.add_histograms();
        h->set_name(name);
        h->set_data(std::move(bytes));
      }
      if (!writer->Write(m)) {
        return {grpc::StatusCode::CANCELLED, "the client went away"};
      }
      after = iv.index;
    }
  }
}

grpc::Status control_service::MonitorSession(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<v1::MonitorReply, v1::MonitorMessage>* stream) {
  if (auto s = authenticate(ctx, "MonitorSession", true); !s.ok()) {
    return s;
  }
  v1::MonitorMessage in;
  if (!stream->Read(&in) || !in.has_hello()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "a monitor session starts with a hello"};
  }
  monitor_info info;
  info.name = in.hello().name();
  info.target = in.hello().target();
  info.host = in.hello().host();
  info.peer = ctx->peer();
  v1::MonitorReply reply;
  if (!valid_name(info.name) || info.name.find('.') != std::string::npos) {
    reply.set_reason(
        fmt::format("invalid monitor name '{}': use letters, digits, '-' or '_'", info.name));
    stream->Write(reply);
    return {grpc::StatusCode::INVALID_ARGUMENT, reply.reason()};
  }
  if (auto refusal = monitors_->attach(info)) {
    reply.set_reason(*refusal);
    stream->Write(reply);
    return {grpc::StatusCode::ALREADY_EXISTS, *refusal};
  }
  std::cerr << fmt::format("stampede controller: monitor '{}' attached from {} ({} on {})\n",
                           info.name, info.peer, info.target, info.host);
  reply.set_accepted(true);
  stream->Write(reply);
  while (stream->Read(&in)) {
    if (in.has_sample()) {
      const auto& values = in.sample().values();
      monitors_->add(info.name, unix_ms(), {values.begin(), values.end()});
    }
  }
  monitors_->detach(info.name);
  std::cerr << fmt::format("stampede controller: monitor '{}' detached\n", info.name);
  return grpc::Status::OK;
}

}  // namespace stampede::control
