// SPDX-License-Identifier: Apache-2.0
#include "control/agent_runner.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <limits>
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
  if (options_.spool_dir.empty()) {
    options_.spool_dir = "/tmp/stampede-spool-" + options_.name;
  }
  outbox_ = report_outbox(options_.spool_dir);
  if (outbox_.unacknowledged() > 0) {
    std::cout << fmt::format("stampede agent: {} spooled reports in {} to send\n",
                             outbox_.unacknowledged(), options_.spool_dir)
              << std::flush;
  }
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
  int exit_code = 0;
  while (!stopping_) {
    // A fresh channel for each session: one that saw its controller die can stay stuck in its
    // failure (seen with gRPC 1.51 after a SIGKILL) instead of reconnecting.
    auto stub = v1::Control::NewStub(make_channel(options_.settings.controller, ca_pem_));
    if (!session(*stub, exit_code)) {
      return exit_code;
    }
    if (!stopping_) {
      sleep_for(std::chrono::seconds(1));  // then reconnect
      std::lock_guard lock(mutex_);
      tend_runs(core::steady_ms());  // leases run out while the controller is away
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
  const auto hello_sent_ms = unix_ms();
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
    {
      std::lock_guard lock(mutex_);
      clock_.add(hello_sent_ms, reply.welcome().controller_time_ms(), unix_ms());
      last_contact_ms_ = core::steady_ms();
      outbox_.resend_all();  // whatever the last controller did not acknowledge
      arrivals_.clear();     // and the phase ends it has not answered, from each run
      for (const auto& [id, run] : runs_) {
        for (auto& done : run->pending_arrivals()) {
          arrivals_.push_back(std::move(done));
        }
      }
    }
    // gRPC allows one reader and one writer at a time: this thread writes, another reads.
    std::thread reader([&] {
      v1::ControllerMessage m;
      while (stream->Read(&m)) {
        on_message(m, unix_ms());
      }
      std::lock_guard lock(mutex_);
      current_ = nullptr;
      wake_.notify_all();
    });
    serve(*stream);
    ctx.TryCancel();
    reader.join();
    stream->Finish();
  }
  std::lock_guard lock(mutex_);
  current_ = nullptr;
  return keep_going;
}

void agent_runner::serve(stream& s) {
  auto next_beat = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  std::unique_lock lock(mutex_);
  while (!stopping_ && current_ != nullptr) {
    wake_.wait_until(lock, next_beat, [this] {
      return stopping_ || current_ == nullptr || outbox_.has_unsent() || !failures_.empty() ||
             !arrivals_.empty();
    });
    if (stopping_ || current_ == nullptr) {
      break;
    }
    tend_runs(core::steady_ms());
    auto reports = outbox_.take_unsent();
    auto failures = std::move(failures_);
    failures_.clear();
    auto arrivals = std::move(arrivals_);
    arrivals_.clear();
    const auto clock = clock_.best();
    lock.unlock();
    bool ok = true;
    for (auto& f : failures) {
      v1::AgentMessage m;
      *m.mutable_failed() = std::move(f);
      ok = ok && s.Write(m);
    }
    for (auto& r : reports) {
      v1::AgentMessage m;
      *m.mutable_report() = std::move(r);
      ok = ok && s.Write(m);
    }
    // After the reports: the controller then has every iteration begun before the arrival.
    for (auto& a : arrivals) {
      v1::AgentMessage m;
      *m.mutable_phase_done() = std::move(a);
      ok = ok && s.Write(m);
    }
    if (ok && std::chrono::steady_clock::now() >= next_beat) {
      next_beat += std::chrono::seconds(1);
      v1::AgentMessage beat;
      beat.mutable_heartbeat()->set_sent_at_ms(unix_ms());
      if (clock) {
        beat.mutable_heartbeat()->set_clock_offset_ms(clock->offset_ms);
        beat.mutable_heartbeat()->set_round_trip_ms(clock->round_trip_ms);
      }
      ok = s.Write(beat);
    }
    lock.lock();
    if (!ok) {
      if (!stopping_) {
        std::cerr << "stampede agent: lost the controller; reconnecting\n";
      }
      break;
    }
  }
  tend_runs(core::steady_ms());
}

void agent_runner::on_message(const v1::ControllerMessage& m, std::int64_t received_ms) {
  std::lock_guard lock(mutex_);
  last_contact_ms_ = core::steady_ms();
  if (m.has_ack()) {
    clock_.add(m.ack().agent_sent_at_ms(), m.ack().controller_time_ms(), received_ms);
  } else if (m.has_report_ack()) {
    outbox_.acknowledge(m.report_ack().run_id(), m.report_ack().worker(), m.report_ack().index());
  } else if (m.has_assignment()) {
    start_assignment(m.assignment());
  } else if (m.has_phase_start()) {
    if (const auto it = runs_.find(m.phase_start().run_id()); it != runs_.end()) {
      it->second->release(m.phase_start(),
                          clock_.best().value_or(clock_estimator::estimate{}).offset_ms);
    }
  } else if (m.has_stop()) {
    if (const auto it = runs_.find(m.stop().run_id()); it != runs_.end()) {
      std::cout << fmt::format("stampede agent: stopping run {}{}\n", m.stop().run_id(),
                               m.stop().abort() ? " at once" : "")
                << std::flush;
      it->second->stop(m.stop().abort());
    }
  }
}

void agent_runner::start_assignment(const v1::Assignment& a) {
  const auto offset = clock_.best().value_or(clock_estimator::estimate{}).offset_ms;
  const auto existing = runs_.find(a.run_id());
  if (existing != runs_.end() && a.resume_at_ms() == 0) {
    return;  // already running it (the controller sent it again)
  }
  try {
    assigned_run* run = nullptr;
    if (existing != runs_.end()) {
      run = existing->second.get();
      run->add(a, offset);
    } else {
      auto fresh = std::make_unique<assigned_run>(
          a, offset,
          [this](v1::IntervalReport r) {
            std::lock_guard lock(mutex_);
            outbox_.push(std::move(r));
            wake_.notify_all();
          },
          [this](v1::PhaseDone done) {
            std::lock_guard lock(mutex_);
            arrivals_.push_back(std::move(done));
            wake_.notify_all();
          });
      run = fresh.get();
      leases_[a.run_id()] = a.lease_ms() > 0 ? a.lease_ms() : 60'000;
      runs_[a.run_id()] = std::move(fresh);
    }
    std::cout << fmt::format(
                     "stampede agent: run {}: {}workers {}-{} of {}, starting in {} ms "
                     "(clock offset {} ms)\n",
                     a.run_id(), a.resume_at_ms() > 0 ? "taking over " : "", a.first_worker(),
                     a.first_worker() + a.workers() - 1, a.total_workers(),
                     std::max<std::int64_t>(0, run->starts_in().count()), offset)
              << std::flush;
  } catch (const std::exception& e) {
    std::cerr << fmt::format("stampede agent: cannot run run {}: {}\n", a.run_id(), e.what());
    v1::AssignmentFailed f;
    f.set_run_id(a.run_id());
    f.set_reason(e.what());
    failures_.push_back(std::move(f));
    wake_.notify_all();
  }
}

void agent_runner::tend_runs(std::int64_t steady_now_ms) {
  for (auto it = runs_.begin(); it != runs_.end();) {
    auto& run = *it->second;
    const auto lease = leases_[run.id()];
    if (!run.done() && steady_now_ms - last_contact_ms_ > lease) {
      std::cerr << fmt::format(
          "stampede agent: no word from the controller for {} s (the lease); stopping run {}\n",
          lease / 1000, run.id());
      run.stop(false);
      leases_[run.id()] = std::numeric_limits<std::int64_t>::max();  // stopped once
    }
    if (run.done() && outbox_.unacknowledged(run.id()) == 0) {
      std::cout << fmt::format("stampede agent: run {} done\n", run.id()) << std::flush;
      leases_.erase(run.id());
      it = runs_.erase(it);  // joins its (finished) threads
    } else {
      ++it;
    }
  }
}

}  // namespace stampede::control
