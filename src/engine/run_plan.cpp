// SPDX-License-Identifier: Apache-2.0
#include "engine/run_plan.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <boost/system/system_error.hpp>

#include "core/text.hpp"
#include "engine/schedule.hpp"

namespace stampede::engine {
namespace {

using core::iequals;

void set_header(std::vector<compiled_header>& headers, const std::string& name,
                const scenario::template_string& value) {
  for (auto& h : headers) {
    if (iequals(h.name, name)) {
      h.value = value;
      return;
    }
  }
  headers.push_back({name, value});
}

class compiler {
 public:
  compiler(const scenario::campaign& c, metrics::metric_layout& layout)
      : campaign_(c), layout_(layout) {}

  /// The cookie policy of the scenario whose flow is compiled next.
  void use_cookies(scenario::cookie_policy policy) { cookies_ = policy; }
  /// The target's host (lower case, kept by the caller) and scheme, for cookies.
  void use_origin(std::string_view host, bool secure) {
    origin_host_ = host;
    secure_origin_ = secure;
  }

  std::vector<compiled_step> flow(const std::vector<scenario::step>& steps,
                                  const std::string& scenario_name) {
    std::vector<compiled_step> out;
    for (const auto& step : steps) {
      if (const auto* r = std::get_if<scenario::request_step>(&step)) {
        out.emplace_back(request(*r, scenario_name));
      } else if (const auto* t = std::get_if<scenario::think_step>(&step)) {
        out.emplace_back(compiled_think{t->min, t->max});
      } else if (const auto* l = std::get_if<scenario::loop_step>(&step)) {
        out.emplace_back(compiled_loop{l->count, flow(l->flow, scenario_name)});
      } else if (const auto* sse = std::get_if<scenario::sse_step>(&step)) {
        compiled_sse c;
        c.spec = sse;
        c.metric_index = slot_of(sse->name);
        for (const auto& h : campaign_.defaults_.headers) {
          set_header(c.headers, h.name, h.value);
        }
        for (const auto& h : sse->headers) {
          set_header(c.headers, h.name, h.value);
        }
        c.timeout = sse->timeout.value_or(campaign_.defaults_.request_timeout);
        out.emplace_back(std::move(c));
      } else if (const auto* poll = std::get_if<scenario::longpoll_step>(&step)) {
        compiled_longpoll c{poll, request(poll->request, scenario_name)};
        c.request.keep_body = true;  // a message may carry a publish step's stamp
        without_session_state(c.request);
        out.emplace_back(std::move(c));
      } else if (const auto* publish = std::get_if<scenario::publish_step>(&step)) {
        compiled_publish c{publish, request(publish->request, scenario_name)};
        without_session_state(c.request);
        out.emplace_back(std::move(c));
      } else {
        out.emplace_back(websocket(step));
      }
    }
    return out;
  }

 private:
  /// Long polls and publishes neither follow redirects nor carry cookies.
  static void without_session_state(compiled_request& r) {
    r.cookies = false;
    r.reads_cookies = false;
    r.max_redirects = 0;
    r.keep_session_fields = false;
  }

  compiled_ws websocket(const scenario::step& step) {
    compiled_ws out;
    out.spec = &step;
    out.timeout = campaign_.defaults_.request_timeout;
    if (const auto* open = std::get_if<scenario::ws_open_step>(&step)) {
      out.metric_index = slot_of(open->name);
      for (const auto& h : campaign_.defaults_.headers) {
        set_header(out.headers, h.name, h.value);
      }
      for (const auto& h : open->headers) {
        set_header(out.headers, h.name, h.value);
      }
    } else if (const auto* expect = std::get_if<scenario::ws_expect_step>(&step)) {
      if (expect->what == scenario::ws_expect_step::kind::regex) {
        out.regex = std::make_shared<const scenario::regex>(expect->pattern);
      }
    }
    return out;
  }

  std::size_t check_slot_of(const std::string& name) {
    auto [it, inserted] = check_slots_.try_emplace(name, layout_.checks.size());
    if (inserted) {
      layout_.checks.push_back(name);
    }
    return it->second;
  }

  std::size_t slot_of(const std::string& name) {
    auto [it, inserted] = step_slots_.try_emplace(name, layout_.steps.size());
    if (inserted) {
      layout_.steps.push_back(name);
    }
    return it->second;
  }

  compiled_request request(const scenario::request_step& r, const std::string& scenario_name) {
    compiled_request out;
    out.spec = &r;
    out.metric_index = slot_of(r.name);
    set_header(out.headers, "User-Agent", scenario::template_string("stampede/0.1"));
    for (const auto& h : campaign_.defaults_.headers) {
      set_header(out.headers, h.name, h.value);
    }
    for (const auto& h : r.headers) {
      set_header(out.headers, h.name, h.value);
    }
    if (r.body_is_json &&
        std::none_of(out.headers.begin(), out.headers.end(),
                     [](const compiled_header& h) { return iequals(h.name, "content-type"); })) {
      out.headers.push_back({"Content-Type", scenario::template_string("application/json")});
    }
    out.timeout = r.timeout.value_or(campaign_.defaults_.request_timeout);
    const auto& expected =
        r.expect_status.empty() ? campaign_.defaults_.expect_status : r.expect_status;
    if (expected.empty()) {
      for (std::size_t code = 0; code < 400; ++code) {
        out.ok_statuses.set(code);
      }
    } else {
      for (const int code : expected) {
        out.ok_statuses.set(static_cast<std::size_t>(code));
      }
    }
    for (const auto& check : r.checks) {
      // Named by step: two steps' `status: 200` checks are two lines in a report, and checks
      // of one name (the same step's, or an explicit name given twice) are counted together.
      out.checks.push_back(
          {&check, check_slot_of(check.name.empty() ? fmt::format("{}: {}: {}", scenario_name,
                                                                  r.name, check.description)
                                                    : check.name)});
      if (check.what == scenario::check::kind::header) {
        out.keep_headers = true;
      } else if (check.what == scenario::check::kind::cookie) {
        out.reads_cookies = true;
      } else if (check.what != scenario::check::kind::status) {
        out.keep_body = true;
      }
    }
    for (const auto& cap : r.captures) {
      compiled_capture cc{&cap, nullptr};
      if (cap.from == scenario::capture::kind::regex) {
        cc.regex = std::make_shared<const scenario::regex>(cap.expression);
      }
      out.captures.push_back(std::move(cc));
      if (cap.from == scenario::capture::kind::header) {
        out.keep_headers = true;
      } else if (cap.from == scenario::capture::kind::cookie) {
        out.reads_cookies = true;
      } else {
        out.keep_body = true;
      }
    }
    out.cookies = cookies_ != scenario::cookie_policy::off;
    out.origin_host = origin_host_;
    out.secure_origin = secure_origin_;
    out.max_redirects = r.max_redirects.value_or(campaign_.defaults_.max_redirects);
    out.keep_session_fields = out.cookies || out.reads_cookies || out.max_redirects > 0;
    return out;
  }

  const scenario::campaign& campaign_;
  metrics::metric_layout& layout_;
  std::map<std::string, std::size_t> step_slots_;
  std::map<std::string, std::size_t> check_slots_;
  scenario::cookie_policy cookies_ = scenario::cookie_policy::keep;
  std::string_view origin_host_;
  bool secure_origin_ = false;
};

/// Points literal requests' header views at their final storage. Runs after the plan is built:
/// strings move while vectors grow, so views taken earlier could dangle.
void bind_literal_views(std::vector<compiled_step>& flow) {
  for (auto& step : flow) {
    compiled_request* req = std::get_if<compiled_request>(&step);
    if (auto* poll = std::get_if<compiled_longpoll>(&step)) {
      req = &poll->request;
    }
    if (auto* publish = std::get_if<compiled_publish>(&step)) {
      req = &publish->request;
    }
    if (req != nullptr) {
      req->literal_headers =
          std::all_of(req->headers.begin(), req->headers.end(),
                      [](const compiled_header& h) { return h.value.is_literal(); });
      req->header_views.clear();
      if (req->literal_headers) {
        for (const auto& h : req->headers) {
          req->header_views.push_back({h.name, h.value.text()});
        }
      }
      req->check_rendered = !req->literal_headers || req->spec->path.has_raw_values();
      req->literal = req->literal_headers && req->spec->path.is_literal() &&
                     (!req->spec->body || req->spec->body->is_literal()) &&
                     !std::holds_alternative<compiled_publish>(step);
    } else if (auto* loop = std::get_if<compiled_loop>(&step)) {
      bind_literal_views(loop->flow);
    }
  }
}

std::chrono::nanoseconds phase_length(const scenario::phase& p) {
  if (const auto* s = std::get_if<scenario::steps_model>(&p.model)) {
    return s->step_duration * static_cast<std::int64_t>(s->users.size());
  }
  return p.length;
}

}  // namespace

std::uint64_t worker_iterations(const phase_plan& phase, std::uint32_t index, std::uint32_t count) {
  const auto* closed = std::get_if<scenario::closed_model>(&phase.model);
  if (closed == nullptr) {
    return 0;
  }
  if (closed->total_iterations) {
    const auto with_users = std::min<std::uint64_t>(closed->users, count);
    return index < with_users ? slice{index, with_users}.share_of(*closed->total_iterations) : 0;
  }
  return slice{index, count}.share_of(closed->users) * closed->iterations.value_or(0);
}

std::shared_ptr<const run_plan> run_plan::build(scenario::campaign c, const run_options& options) {
  auto plan = std::make_shared<run_plan>();
  plan->campaign = std::move(c);
  const auto& campaign = plan->campaign;

  std::string error;
  auto target = net::parse_url(campaign.target, &error);
  if (!target) {
    throw std::runtime_error(fmt::format("invalid target '{}': {}", campaign.target, error));
  }
  plan->target = *target;
  plan->origin_host = core::to_lower(target->host);
  plan->connect.tls = target->tls();
  plan->connect.insecure = campaign.defaults_.insecure;
  plan->connect.server_name = target->host;
  if (target->http2() && target->tls()) {
    plan->connect.alpn = {"h2"};
  }
  if (options.resolve) {
    try {
      plan->connect.endpoints = net::resolve(target->host, target->port);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error(
          fmt::format("cannot resolve host '{}': {}", target->host, e.code().message()));
    }
    if (plan->connect.endpoints.empty()) {
      throw std::runtime_error(fmt::format("host '{}' has no addresses", target->host));
    }
  }
  if (!options.bind.empty()) {
    plan->connect.bind_addresses = net::parse_bind_addresses(options.bind);
  }

  if (options.threads > 0) {
    plan->threads = options.threads;
  } else if (campaign.threads) {
    plan->threads = *campaign.threads;
  } else {
    plan->threads = std::max(1u, std::thread::hardware_concurrency());
  }

  compiler comp(campaign, plan->layout);
  comp.use_origin(plan->origin_host, target->tls());
  std::uint64_t fixed_so_far = 0;
  for (std::size_t i = 0; i < campaign.scenarios.size(); ++i) {
    const auto& s = campaign.scenarios[i];
    plan->layout.scenarios.push_back(s.name);
    const auto cookies = s.cookies.value_or(campaign.defaults_.cookies);
    comp.use_cookies(cookies);
    compiled_scenario cs{s.name, s.weight, i, comp.flow(s.flow, s.name)};
    cs.setup = comp.flow(s.setup, s.name);
    cs.cookies = cookies;
    if (s.fixed_users) {
      cs.first_fixed_user = fixed_so_far;
      cs.fixed_users = *s.fixed_users;
      fixed_so_far += *s.fixed_users;
    }
    plan->scenarios.push_back(std::move(cs));
  }

  std::chrono::nanoseconds at{};
  const auto add_phase = [&](phase_plan pp) {
    pp.start = at;
    if (const auto* closed = std::get_if<scenario::closed_model>(&pp.model)) {
      pp.ends_by_iterations = closed->ends_by_iterations();
      if (closed->total_iterations) {
        pp.iterations = *closed->total_iterations;
      } else if (closed->iterations) {
        pp.iterations = *closed->iterations * closed->users;
      }
    }
    at += pp.length;
    plan->phases.push_back(std::move(pp));
  };
  for (const auto& p : campaign.phases) {
    const auto* steps = std::get_if<scenario::steps_model>(&p.model);
    if (steps != nullptr && steps->iterations) {
      // Steps by iterations: each step is a closed phase of its users, each running the count,
      // and the next step starts when all are done.
      for (std::size_t k = 0; k < steps->users.size(); ++k) {
        scenario::closed_model step;
        step.users = steps->users[k];
        step.iterations = steps->iterations;
        add_phase({fmt::format("{} {}/{}", p.name, k + 1, steps->users.size()),
                   {},
                   steps->step_duration,
                   step,
                   false,
                   0,
                   p.graceful_stop});
      }
      continue;
    }
    add_phase({p.name, {}, phase_length(p), p.model, false, 0, p.graceful_stop});
  }
  plan->total_length = at;
  for (std::size_t i = 1; i < plan->phases.size(); ++i) {
    const auto& before = plan->phases[i - 1];
    auto& now = plan->phases[i];
    const auto* was = std::get_if<scenario::closed_model>(&before.model);
    if (was != nullptr && std::holds_alternative<scenario::closed_model>(now.model)) {
      now.users_before = was->users;
      now.continues_users = !before.ends_by_iterations;
    }
  }
  for (auto& s : plan->scenarios) {
    bind_literal_views(s.setup);
    bind_literal_views(s.flow);
  }
  return plan;
}

}  // namespace stampede::engine
