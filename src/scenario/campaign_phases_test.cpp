// SPDX-License-Identifier: Apache-2.0
// A campaign's phases read from YAML: each workload model, the phases that end by iterations,
// graceful stops, and their errors.
#include <gtest/gtest.h>

#include "scenario/campaign_parser.hpp"
#include "scenario/campaign_test_support.hpp"

namespace stampede::scenario {
namespace {

using namespace test;

TEST(CampaignParser, WorkloadKinds) {
  const auto closed = parse(with_phase("    duration: 1m\n    users: 10\n    ramp: 1m\n"));
  EXPECT_EQ(closed.phases[0].length, nanoseconds(60s));
  EXPECT_EQ(std::get<closed_model>(closed.phases[0].model).ramp, nanoseconds(60s));

  const auto open = parse(with_phase("    duration: 30s\n    arrival_rate: 0.5\n    ramp_to: 0\n"));
  const auto& o = std::get<open_model>(open.phases[0].model);
  EXPECT_DOUBLE_EQ(o.arrival_rate, 0.5);
  EXPECT_EQ(o.ramp_to, 0.0);
  EXPECT_FALSE(o.max_users);
  EXPECT_EQ(open.phases[0].length, nanoseconds(30s));

  const auto fixed = parse(with_phase("    duration: 500ms\n    rate: 12.5\n    connections: 2\n"));
  const auto& t = std::get<throughput_model>(fixed.phases[0].model);
  EXPECT_DOUBLE_EQ(t.rate, 12.5);
  EXPECT_EQ(t.connections, 2u);
  EXPECT_EQ(fixed.phases[0].length, nanoseconds(500ms));

  const auto steps = parse(with_phase("    step_duration: 1m\n    steps: [5, 1]\n"));
  EXPECT_EQ(std::get<steps_model>(steps.phases[0].model).users, (std::vector<std::uint64_t>{5, 1}));
  EXPECT_EQ(steps.phases[0].length, nanoseconds(120s));
}

TEST(CampaignParser, GracefulStop) {
  EXPECT_EQ(parse(minimal).phases[0].graceful_stop, nanoseconds(5s));
  EXPECT_EQ(parse(with_phase("    users: 1\n    duration: 1s\n    graceful_stop: 0s\n"))
                .phases[0]
                .graceful_stop,
            nanoseconds(0));
  EXPECT_EQ(parse(with_phase("    arrival_rate: 1\n    duration: 1s\n    graceful_stop: 1m\n"))
                .phases[0]
                .graceful_stop,
            nanoseconds(60s));
  EXPECT_EQ(error_of(with_phase("    users: 1\n    duration: 1s\n    graceful_stop: soon\n")),
            "c.yaml:7: phases[0].graceful_stop: expected a duration like 500ms, 30s, 5m or 1h, got "
            "'soon'");
}

TEST(CampaignParser, PhasesThatEndByIterations) {
  const auto each = parse(with_phase("    users: 10\n    iterations: 20\n"));
  const auto& e = std::get<closed_model>(each.phases[0].model);
  EXPECT_EQ(e.iterations, 20U);
  EXPECT_FALSE(e.total_iterations);
  EXPECT_EQ(each.phases[0].length, nanoseconds(iterations_cap));  // no duration: the cap

  const auto shared =
      parse(with_phase("    users: 3\n    total_iterations: 100\n    duration: 1m\n"));
  const auto& t = std::get<closed_model>(shared.phases[0].model);
  EXPECT_EQ(t.total_iterations, 100U);
  EXPECT_FALSE(t.iterations);
  EXPECT_EQ(shared.phases[0].length, nanoseconds(60s));  // the duration caps it

  const auto steps = parse(with_phase("    steps: [10, 20, 30]\n    iterations: 20\n"));
  const auto& s = std::get<steps_model>(steps.phases[0].model);
  EXPECT_EQ(s.iterations, 20U);
  EXPECT_EQ(s.step_duration, nanoseconds(iterations_cap));
}

TEST(CampaignParser, PhaseErrors) {
  EXPECT_EQ(error_of(with("    users: 5", "    usres: 5")),
            "c.yaml:5: phases[0].usres: unknown field 'usres'; did you mean 'users'?");
  EXPECT_EQ(error_of(with("    users: 5", "    users: five")),
            "c.yaml:5: phases[0].users: expected a positive integer, got 'five'");
  EXPECT_EQ(error_of(with("    users: 5", "    users: 0")),
            "c.yaml:5: phases[0].users: expected a positive integer, got '0'");
  EXPECT_EQ(error_of(with("    users: 5", "    users: -3")),
            "c.yaml:5: phases[0].users: expected a positive integer, got '-3'");
  EXPECT_EQ(error_of(with("    users: 5", "    users: 2.5")),
            "c.yaml:5: phases[0].users: expected a positive integer, got '2.5'");
  EXPECT_EQ(error_of(with("    users: 5", "    users: 99999999999999999999")),
            "c.yaml:5: phases[0].users: expected a positive integer, got '99999999999999999999'");
  EXPECT_EQ(error_of(with("    users: 5", "    users:")),
            "c.yaml:5: phases[0].users: expected a positive integer, got nothing");
  EXPECT_EQ(error_of(with("duration: 2s", "duration: 2 seconds")),
            "c.yaml:4: phases[0].duration: expected a duration like 500ms, 30s, 5m or 1h, got "
            "'2 seconds'");
  EXPECT_EQ(error_of(with("duration: 2s", "duration: 0s")),
            "c.yaml:4: phases[0].duration: expected a duration longer than 0, got '0s'");
  EXPECT_EQ(error_of(with("    duration: 2s\n", "")),
            "c.yaml:3: phases[0].duration: missing: how long the phase lasts, e.g. 30s (or "
            "iterations: N, each user's count)");
  EXPECT_EQ(error_of(with("  - name: steady\n", "  - duration: 2s\n")),
            "c.yaml:4: phases[0].duration: given twice (first on line 3)");
  EXPECT_EQ(error_of(with("  - name: steady\n", "  - nme: steady\n")),
            "c.yaml:3: phases[0].nme: unknown field 'nme'; did you mean 'name'?");
  EXPECT_EQ(error_of(with("  - name: steady\n    duration", "  - duration")),
            "c.yaml:3: phases[0].name: missing: every phase needs a name");
  EXPECT_EQ(error_of(with("    users: 5",
                          "    users: 5\n  - name: steady\n    duration: 1s\n    users: 1")),
            "c.yaml:6: phases[1].name: duplicate phase name 'steady'");
  EXPECT_EQ(
      error_of(with("phases:\n  - name: steady\n    duration: 2s\n    users: 5\n", "phases: []\n")),
      "c.yaml:2: phases: must not be empty");
  EXPECT_EQ(error_of(with("phases:\n  - name: steady\n    duration: 2s\n    users: 5\n",
                          "phases: steady\n")),
            "c.yaml:2: phases: expected a list, got 'steady'");
  EXPECT_EQ(error_of(with("phases:\n  - name: steady\n    duration: 2s\n    users: 5\n", "")),
            "c.yaml:1: phases: missing: a list of load phases, e.g. - {name: steady, duration: "
            "30s, users: 10}");

  // Mixing workload kinds names the first field of the second kind.
  EXPECT_EQ(error_of(with("    users: 5", "    users: 5\n    rate: 10")),
            "c.yaml:6: phases[0].rate: 'rate' belongs to a constant throughput phase, but "
            "'users' makes this a closed phase");
  EXPECT_EQ(error_of(with_phase("    arrival_rate: 5\n    duration: 1s\n    pace: 1s\n")),
            "c.yaml:7: phases[0].pace: 'pace' belongs to a closed phase, but 'arrival_rate' "
            "makes this an open phase");
  EXPECT_EQ(error_of(with_phase("    steps: [1]\n    step_duration: 1s\n    users: 1\n")),
            "c.yaml:7: phases[0].users: 'users' belongs to a closed phase, but 'steps' makes "
            "this a steps phase");
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n")),
            "c.yaml:4: phases[0]: no workload: give users (closed), arrival_rate (open), rate and "
            "connections (constant throughput), steps and step_duration, or connections and hold");
  EXPECT_EQ(error_of(with_phase("    arrival_rate: 5\n    duration: 1s\n    iterations: 3\n")),
            "c.yaml:7: phases[0].iterations: 'iterations' belongs to a closed or steps phase "
            "(users that run iterations), but 'arrival_rate' makes this an open phase");
  EXPECT_EQ(error_of(with_phase("    steps: [1]\n    total_iterations: 3\n")),
            "c.yaml:6: phases[0].total_iterations: 'total_iterations' belongs to a closed phase "
            "(users that run iterations), but 'steps' makes this a steps phase");
  EXPECT_EQ(error_of(with_phase("    users: 2\n    iterations: 3\n    total_iterations: 6\n")),
            "c.yaml:7: phases[0].total_iterations: give iterations (each user's) or "
            "total_iterations (shared by the users), not both");
  EXPECT_EQ(error_of(with_phase("    users: 2\n")),
            "c.yaml:4: phases[0].duration: missing: how long the phase lasts, e.g. 30s (or "
            "iterations: N, each user's count)");
  EXPECT_EQ(error_of(with_phase("    users: 2\n    iterations: 0\n")),
            "c.yaml:6: phases[0].iterations: expected a positive integer, got '0'");

  // closed
  EXPECT_EQ(error_of(with("    users: 5", "    users: 5\n    ramp: 3s")),
            "c.yaml:6: phases[0].ramp: must not be longer than the phase's duration");
  EXPECT_EQ(error_of(with("    users: 5", "    users: 5\n    pace: 0ms")),
            "c.yaml:6: phases[0].pace: expected a duration longer than 0, got '0ms'");
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    ramp: 1s\n")),
            "c.yaml:4: phases[0].users: missing: how many virtual users run");
  // open
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    arrival_rate: 0\n")),
            "c.yaml:6: phases[0].arrival_rate: expected a number > 0, got '0'");
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    arrival_rate: -2\n")),
            "c.yaml:6: phases[0].arrival_rate: expected a number > 0, got '-2'");
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    arrival_rate: .inf\n")),
            "c.yaml:6: phases[0].arrival_rate: expected a number > 0, got '.inf'");
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    arrival_rate: 1\n    ramp_to: -1\n")),
            "c.yaml:7: phases[0].ramp_to: expected a number >= 0, got '-1'");
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    arrival_rate: 1\n    max_users: 0\n")),
            "c.yaml:7: phases[0].max_users: expected a positive integer, got '0'");
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    max_users: 3\n")),
            "c.yaml:4: phases[0].arrival_rate: missing: new iterations per second");
  // constant throughput
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    rate: 10\n")),
            "c.yaml:4: phases[0].connections: missing: how many connections carry the rate");
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    connections: 10\n")),
            "c.yaml:6: phases[0].connections: give rate (a constant throughput phase) or hold (a "
            "connections phase) with it");
  EXPECT_EQ(error_of(with_phase("    duration: 1s\n    rate: 10\n    connections: 0\n")),
            "c.yaml:7: phases[0].connections: expected a positive integer, got '0'");
  // steps
  EXPECT_EQ(error_of(with_phase("    steps: [1, 2]\n    step_duration: 1s\n    duration: 2s\n")),
            "c.yaml:7: phases[0].duration: a steps phase lasts steps x step_duration; give "
            "step_duration instead");
  EXPECT_EQ(error_of(with_phase("    steps: []\n    step_duration: 1s\n")),
            "c.yaml:5: phases[0].steps: must not be empty");
  EXPECT_EQ(error_of(with_phase("    steps: [10, 0]\n    step_duration: 1s\n")),
            "c.yaml:5: phases[0].steps[1]: expected a positive integer, got '0'");
  EXPECT_EQ(error_of(with_phase("    steps: [10]\n")),
            "c.yaml:4: phases[0].step_duration: missing: how long each step lasts, e.g. 30s (or "
            "iterations: N, each user's count in each step)");
  EXPECT_EQ(error_of(with_phase("    step_duration: 1s\n")),
            "c.yaml:4: phases[0].steps: missing: the user count of each step, e.g. steps: [10, "
            "20, 30]");
}

TEST(CampaignParser, ConnectionsPhase) {
  // A campaign of connections phases only needs no scenarios.
  const auto c = parse(
      "target: http://127.0.0.1:8080\n"
      "phases:\n"
      "  - {name: c1m, connections: 1000, connect_rate: 500, hold: 30s, ping: 10s, ping_path: "
      "/health}\n"
      "  - {name: burst, connections: 10, hold: 1s}\n");
  ASSERT_EQ(c.phases.size(), 2u);
  const auto& m = std::get<connections_model>(c.phases[0].model);
  EXPECT_EQ(m.connections, 1000u);
  EXPECT_EQ(m.connect_rate, 500.0);
  EXPECT_EQ(m.hold, nanoseconds(30s));
  EXPECT_EQ(m.ping, nanoseconds(10s));
  EXPECT_EQ(m.ping_path, "/health");
  EXPECT_EQ(c.phases[0].length, nanoseconds(32s));  // 1000 / 500 per second, then the hold
  EXPECT_EQ(c.phases[1].length, nanoseconds(1s));
  EXPECT_EQ(std::get<connections_model>(c.phases[1].model).ping_path, "/");
  EXPECT_TRUE(std::get<connections_model>(c.phases[1].model).websocket.empty());
  EXPECT_TRUE(c.scenarios.empty());
  const auto ws = parse(
      "target: http://127.0.0.1:8080\n"
      "phases: [{name: comet, connections: 10, hold: 1s, ping: 5s, websocket: /ws/echo}]\n");
  EXPECT_EQ(std::get<connections_model>(ws.phases[0].model).websocket, "/ws/echo");
  EXPECT_EQ(error_of(with_phase("    connections: 10\n    hold: 1s\n    websocket: ws\n")),
            "c.yaml:7: phases[0].websocket: expected a path starting with '/', without spaces, "
            "got 'ws'");
  EXPECT_EQ(error_of(with_phase("    connections: 10\n    hold: 1s\n    ping: 1s\n    "
                                "ping_path: /x\n    websocket: /ws\n")),
            "c.yaml:8: phases[0].ping_path: a held WebSocket is pinged with ping frames; "
            "ping_path is for HTTP pings");

  EXPECT_EQ(error_of(with_phase("    connections: 10\n    hold: 1s\n    duration: 5s\n")),
            "c.yaml:7: phases[0].duration: a connections phase lasts connections / connect_rate + "
            "hold; give hold instead");
  EXPECT_EQ(error_of(with_phase("    connections: 10\n    connect_rate: 5\n")),
            "c.yaml:4: phases[0].hold: missing: how long connections stay open after the last is "
            "due, e.g. hold: 60s");
  EXPECT_EQ(error_of(with_phase("    hold: 1s\n")),
            "c.yaml:4: phases[0].connections: missing: how many connections to open and hold");
  EXPECT_EQ(error_of(with_phase("    connections: 10\n    hold: 1s\n    rate: 5\n")),
            "c.yaml:7: phases[0].rate: 'rate' belongs to a constant throughput phase, but 'hold' "
            "makes this a connections phase");
  EXPECT_EQ(error_of(with_phase("    connections: 10\n    hold: 1s\n    ping_path: /x\n")),
            "c.yaml:7: phases[0].ping_path: give ping (how often) with it");
  EXPECT_EQ(
      error_of(with_phase("    connections: 10\n    hold: 1s\n    ping: 1s\n    ping_path: x\n")),
      "c.yaml:8: phases[0].ping_path: expected a path starting with '/', without spaces, "
      "got 'x'");
  EXPECT_EQ(error_of("target: https://h:1\n"
                     "phases: [{name: p, connections: 5, hold: 1s}]\n"),
            "c.yaml:2: phases[0]: a connections phase holds plain TCP connections (HTTP/1.1, "
            "or HTTP/2 with h2c://): the target must be http:// or h2c://, not 'https://h:1'");
  EXPECT_NO_THROW(
      parse("target: h2c://h:1\nphases: [{name: p, connections: 5, hold: 1s, ping: "
            "1s}]\n"));
  EXPECT_EQ(error_of("target: h2c://h:1\n"
                     "phases: [{name: p, connections: 5, hold: 1s, websocket: /ws}]\n"),
            "c.yaml:2: phases[0].websocket: held WebSockets are HTTP/1.1 upgrades: the target "
            "must be http://");
  // Other phases still need scenarios.
  EXPECT_EQ(error_of("target: http://h:1\n"
                     "phases: [{name: p, connections: 5, hold: 1s}, {name: q, duration: 1s, "
                     "users: 1}]\n"),
            "c.yaml:1: scenarios: missing: a list of scenarios, each with a flow of steps");
}

}  // namespace
}  // namespace stampede::scenario
