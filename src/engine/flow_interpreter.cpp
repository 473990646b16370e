// SPDX-License-Identifier: Apache-2.0
// The walk over a flow's steps, and what every step kind shares: sleeps bounded by the phase,
// gauges, schedule lag.
#include "engine/flow_interpreter.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/coarse_clock.hpp"
#include "core/microseconds.hpp"

namespace stampede::engine {

namespace asio = boost::asio;

flow_interpreter::flow_interpreter(flow_context context)
    : c_(context),
      make_websocket_(make_websocket_factory(c_.plan)),
      make_event_stream_(make_event_stream_factory(c_.plan)) {}

asio::awaitable<bool> flow_interpreter::run(virtual_user& vu,
                                            const std::vector<compiled_step>& flow,
                                            const flow_phase& ph) {
  for (const auto& step : flow) {
    if (!active(ph)) {
      co_return false;
    }
    if (const auto* req = std::get_if<compiled_request>(&step)) {
      if (ph.paced != nullptr) {
        if (!co_await run_request(vu, *req, ph)) {
          co_return false;
        }
        continue;
      }
      // The usual step runs here rather than in run_request: a coroutine frame less for
      // every request.
      const auto out = render_request(vu, *req, {});
      bool went_on = false;
      if (refuse_unsendable(vu, *req, out)) {
        went_on = record_exchange(vu, *req, out, std::nullopt);
      } else {
        co_await vu.session->exchange(out, vu.response, vu.result);
        if (take_session_state(vu, *req, out.target)) {
          went_on = co_await follow_redirects(vu, *req, out, std::nullopt);
        } else {
          went_on = record_exchange(vu, *req, out, std::nullopt);
        }
      }
      if (!went_on) {
        co_return false;
      }
    } else if (const auto* think = std::get_if<compiled_think>(&step)) {
      auto pause = think->min;
      if (think->max > think->min) {
        pause = std::chrono::nanoseconds(std::uniform_int_distribution<std::int64_t>(
            think->min.count(), think->max.count())(c_.rng));
      }
      if (!co_await sleep_until(vu, clock::now() + pause, ph)) {
        co_return false;
      }
    } else if (const auto* ws = std::get_if<compiled_ws>(&step)) {
      if (!co_await run_ws(vu, *ws, ph)) {
        co_return false;
      }
    } else if (const auto* sse = std::get_if<compiled_sse>(&step)) {
      if (!co_await run_sse(vu, *sse, ph)) {
        co_return false;
      }
    } else if (const auto* poll = std::get_if<compiled_longpoll>(&step)) {
      if (!co_await run_longpoll(vu, *poll, ph)) {
        co_return false;
      }
    } else if (const auto* publish = std::get_if<compiled_publish>(&step)) {
      if (!co_await run_publish(vu, *publish, ph)) {
        co_return false;
      }
    } else {
      const auto& loop = std::get<compiled_loop>(step);
      for (std::uint32_t i = 0; i < loop.count; ++i) {
        if (!co_await run(vu, loop.flow, ph)) {
          co_return false;
        }
      }
    }
  }
  co_return true;
}

asio::awaitable<bool> flow_interpreter::sleep_until(virtual_user& vu, clock::time_point when,
                                                    const flow_phase& ph) {
  if (!active(ph)) {
    co_return false;
  }
  if (when > clock::now()) {
    vu.timer.expires_at(std::min(when, ph.end));
    co_await vu.timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return active(ph) && clock::now() >= when;
}

bool flow_interpreter::active(const flow_phase& ph) const {
  return !c_.stopping && core::before(ph.end);
}

void flow_interpreter::sample_gauges() {
  // Gauges report the most seen in the interval, so a run shorter than a second still shows
  // its users and connections.
  auto& m = metrics();
  m.active_users = std::max(m.active_users, c_.active_users);
  m.active_connections = std::max(m.active_connections, c_.open_connections);
}

void flow_interpreter::record_lag(clock::duration lag) {
  if (lag > late_start_tolerance) {
    ++metrics().late_starts;
    metrics().schedule_lag.record(core::to_us(lag));
  }
}

}  // namespace stampede::engine
