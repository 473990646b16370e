// SPDX-License-Identifier: Apache-2.0
// A campaign's phases: the workload model each one's fields decide (closed users, steps, open
// arrivals, constant throughput, held connections), read from YAML into the model.
#include "scenario/phase_reader.hpp"

#include <optional>
#include <string_view>

#include <fmt/format.h>

namespace stampede::scenario::detail {
namespace {

enum class workload_kind { closed, open, throughput, steps, connections };

std::optional<workload_kind> kind_of_field(std::string_view f) {
  if (f == "users" || f == "ramp" || f == "pace") {
    return workload_kind::closed;
  }
  if (f == "arrival_rate" || f == "ramp_to" || f == "max_users") {
    return workload_kind::open;
  }
  // `connections` alone decides nothing: constant throughput and connections phases share it.
  if (f == "hold" || f == "connect_rate" || f == "ping" || f == "ping_path" || f == "websocket") {
    return workload_kind::connections;
  }
  if (f == "rate") {
    return workload_kind::throughput;
  }
  if (f == "steps" || f == "step_duration") {
    return workload_kind::steps;
  }
  return std::nullopt;
}

/// "a closed phase", "an open phase", for messages.
std::string_view phase_kind_text(workload_kind k) {
  switch (k) {
    case workload_kind::closed:
      return "a closed phase";
    case workload_kind::open:
      return "an open phase";
    case workload_kind::throughput:
      return "a constant throughput phase";
    case workload_kind::steps:
      return "a steps phase";
    case workload_kind::connections:
      return "a connections phase";
  }
  return "";
}

class phase_reader {
 public:
  explicit phase_reader(const node_reader& r) : r_(r) {}

  struct phase read(const YAML::Node& n, const std::string& field) {
    r_.expect_map(n, field);
    r_.only_fields(n, field, {"name",         "duration", "graceful_stop", "users",
                              "ramp",         "pace",     "iterations",    "total_iterations",
                              "arrival_rate", "ramp_to",  "max_users",     "rate",
                              "connections",  "steps",    "step_duration", "connect_rate",
                              "hold",         "ping",     "ping_path",     "websocket"});
    struct phase p;
    p.position = position_of(n);
    p.name = r_.name(r_.required(n, "name", field, "every phase needs a name"), field + ".name");
    if (n["graceful_stop"]) {
      p.graceful_stop = r_.length(n["graceful_stop"], field + ".graceful_stop", true);
    }

    // The workload kind follows from the fields, in the order written: the first field of a
    // kind decides, and a later field of another kind is the error.
    std::optional<workload_kind> kind;
    std::string deciding_field;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const auto& f = it->first.Scalar();
      const auto k = kind_of_field(f);
      if (!k) {
        continue;
      }
      if (!kind) {
        kind = k;
        deciding_field = f;
      } else if (*k != *kind) {
        r_.fail(it->first, join_path(field, f),
                fmt::format("'{}' belongs to {}, but '{}' makes this {}", f, phase_kind_text(*k),
                            deciding_field, phase_kind_text(*kind)));
      }
    }
    if (!kind && n["connections"]) {
      r_.fail(n["connections"], field + ".connections",
              "give rate (a constant throughput phase) or hold (a connections phase) with it");
    }
    if (!kind) {
      r_.fail(n, field,
              "no workload: give users (closed), arrival_rate (open), rate and connections "
              "(constant throughput), steps and step_duration, or connections and hold");
    }

    for (const char* f : {"iterations", "total_iterations"}) {
      const bool closed = *kind == workload_kind::closed;
      if (n[f] && !closed &&
          !(*kind == workload_kind::steps && f == std::string_view("iterations"))) {
        r_.fail(n[f], join_path(field, f),
                fmt::format("'{}' belongs to {} (users that run iterations), but '{}' makes this "
                            "{}",
                            f,
                            f == std::string_view("iterations") ? "a closed or steps phase"
                                                                : "a closed phase",
                            deciding_field, phase_kind_text(*kind)));
      }
    }
    if (n["iterations"] && n["total_iterations"]) {
      r_.fail(n["total_iterations"], field + ".total_iterations",
              "give iterations (each user's) or total_iterations (shared by the users), not both");
    }

    if (*kind == workload_kind::connections) {
      return connections_phase(n, field, std::move(p));
    }

    if (*kind == workload_kind::steps) {
      if (n["duration"]) {
        r_.fail(n["duration"], field + ".duration",
                "a steps phase lasts steps x step_duration; give step_duration instead");
      }
      steps_model s;
      if (n["iterations"]) {
        s.iterations = r_.positive_int(n["iterations"], field + ".iterations");
      }
      const auto list_field = field + ".steps";
      const YAML::Node list =
          r_.required(n, "steps", field, "the user count of each step, e.g. steps: [10, 20, 30]");
      r_.expect_list(list, list_field, true);
      for (std::size_t i = 0; i < list.size(); ++i) {
        s.users.push_back(r_.positive_int(list[i], index_path(list_field, i)));
      }
      // With iterations a step ends when its users are done; step_duration then caps it.
      const YAML::Node step_duration =
          s.iterations ? n["step_duration"]
                       : r_.required(n, "step_duration", field,
                                     "how long each step lasts, e.g. 30s (or iterations: N, each "
                                     "user's count in each step)");
      s.step_duration = step_duration ? r_.length(step_duration, field + ".step_duration", false)
                                      : std::chrono::duration_cast<duration>(iterations_cap);
      const auto count = static_cast<std::int64_t>(s.users.size());
      if (s.step_duration.count() > std::numeric_limits<std::int64_t>::max() / count) {
        r_.fail(step_duration, field + ".step_duration", "the phase would last too long");
      }
      p.length = s.step_duration * count;
      p.model = std::move(s);
      return p;
    }

    // A closed phase that ends by iterations may leave out its duration, which then caps it.
    const bool by_iterations =
        *kind == workload_kind::closed && (n["iterations"] || n["total_iterations"]);
    if (by_iterations && !n["duration"]) {
      p.length = iterations_cap;
    } else {
      p.length = r_.length(
          r_.required(n, "duration", field,
                      *kind == workload_kind::closed
                          ? "how long the phase lasts, e.g. 30s (or iterations: N, each user's "
                            "count)"
                          : "how long the phase lasts, e.g. 30s"),
          field + ".duration", false);
    }
    switch (*kind) {
      case workload_kind::closed: {
        closed_model m;
        m.users = r_.positive_int(r_.required(n, "users", field, "how many virtual users run"),
                                  field + ".users");
        if (n["ramp"]) {
          m.ramp = r_.length(n["ramp"], field + ".ramp", true);
          if (*m.ramp > p.length) {
            r_.fail(n["ramp"], field + ".ramp", "must not be longer than the phase's duration");
          }
        }
        if (n["pace"]) {
          m.pace = r_.length(n["pace"], field + ".pace", false);
        }
        if (n["iterations"]) {
          m.iterations = r_.positive_int(n["iterations"], field + ".iterations");
        }
        if (n["total_iterations"]) {
          m.total_iterations = r_.positive_int(n["total_iterations"], field + ".total_iterations");
        }
        p.model = m;
        break;
      }
      case workload_kind::open: {
        open_model m;
        m.arrival_rate =
            r_.number(r_.required(n, "arrival_rate", field, "new iterations per second"),
                      field + ".arrival_rate", false);
        if (n["ramp_to"]) {
          m.ramp_to = r_.number(n["ramp_to"], field + ".ramp_to", true);
        }
        if (n["max_users"]) {
          m.max_users = r_.positive_int(n["max_users"], field + ".max_users");
        }
        p.model = m;
        break;
      }
      case workload_kind::throughput: {
        throughput_model m;
        m.rate =
            r_.number(r_.required(n, "rate", field, "requests per second"), field + ".rate", false);
        m.connections = r_.positive_int(
            r_.required(n, "connections", field, "how many connections carry the rate"),
            field + ".connections");
        p.model = m;
        break;
      }
      case workload_kind::steps:
      case workload_kind::connections:
        break;  // handled above: they have no duration
    }
    return p;
  }

  /// A path sent as it is (no template): starts with '/', no spaces or line breaks.
  std::string plain_path(const YAML::Node& n, const std::string& field) {
    auto path = r_.text(n, field);
    if (path.empty() || path.front() != '/' || path.find_first_of(" \r\n") != std::string::npos) {
      r_.fail(n, field,
              fmt::format("expected a path starting with '/', without spaces, got '{}'", path));
    }
    return path;
  }

  struct phase connections_phase(const YAML::Node& n, const std::string& field, struct phase p) {
    if (n["duration"]) {
      r_.fail(n["duration"], field + ".duration",
              "a connections phase lasts connections / connect_rate + hold; give hold instead");
    }
    connections_model m;
    m.connections = r_.positive_int(
        r_.required(n, "connections", field, "how many connections to open and hold"),
        field + ".connections");
    m.hold = r_.length(r_.required(n, "hold", field,
                                   "how long connections stay open after the last is due, e.g. "
                                   "hold: 60s"),
                       field + ".hold", false);
    if (n["connect_rate"]) {
      m.connect_rate = r_.number(n["connect_rate"], field + ".connect_rate", false);
    }
    if (n["ping"]) {
      m.ping = r_.length(n["ping"], field + ".ping", false);
    }
    if (n["ping_path"]) {
      if (!n["ping"]) {
        r_.fail(n["ping_path"], field + ".ping_path", "give ping (how often) with it");
      }
      m.ping_path = plain_path(n["ping_path"], field + ".ping_path");
    }
    if (n["websocket"]) {
      if (n["ping_path"]) {
        r_.fail(n["ping_path"], field + ".ping_path",
                "a held WebSocket is pinged with ping frames; ping_path is for HTTP pings");
      }
      m.websocket = plain_path(n["websocket"], field + ".websocket");
    }
    p.length = m.hold;
    if (m.connect_rate) {
      const double seconds = static_cast<double>(m.connections) / *m.connect_rate;
      if (seconds > 1e9) {
        r_.fail(n["connect_rate"], field + ".connect_rate", "the phase would last too long");
      }
      p.length += std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
    }
    p.model = m;
    return p;
  }

 private:
  const node_reader& r_;
};

}  // namespace

struct phase read_phase(const node_reader& r, const YAML::Node& n, const std::string& field) {
  return phase_reader(r).read(n, field);
}

}  // namespace stampede::scenario::detail
