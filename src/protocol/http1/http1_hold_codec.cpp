// SPDX-License-Identifier: Apache-2.0
#include "protocol/http1/http1_hold_codec.hpp"

#include <fmt/format.h>

namespace stampede::protocol::http1 {

using metrics::error_class;

namespace {

struct ignore_body : response_sink {};

/// The ping answered by what `a` read.
hold_read answered(const held_answer& a) {
  hold_read r;
  r.what = hold_read::outcome::ping_answered;
  r.status = a.parser().status_code();
  r.bytes_in = a.bytes();
  if (!a.parser().keep_alive()) {
    r.error = error_class::reset;
    r.message = "the server closed a held connection after a ping (no keep-alive)";
  }
  return r;
}

}  // namespace

response_parser::result held_answer::read(std::string_view data) {
  ignore_body sink;
  const auto r = parser_.parse(data, sink);
  bytes_ += r.consumed;
  return r;
}

std::unique_ptr<hold_codec::answer_state> http1_hold_codec::start_answer(hold_stage awaited) const {
  if (awaited != hold_stage::pinging) {
    return nullptr;
  }
  return std::make_unique<held_answer>();
}

hold_read http1_hold_codec::read(hold_stage stage, std::string_view data,
                                 answer_state* answer) const {
  hold_read r;
  if (stage != hold_stage::pinging || answer == nullptr) {
    r.consumed = data.size();  // unasked-for bytes on an idle connection: read and forgotten
    return r;
  }
  auto& a = static_cast<held_answer&>(*answer);
  const auto parsed = a.read(data);
  switch (parsed.state) {
    case response_parser::status::need_more:
      r.what = hold_read::outcome::need_more;
      break;
    case response_parser::status::error:
      r = hold_read::dropped(error_class::protocol,
                             fmt::format("ping answer: {}", a.parser().error_message()));
      break;
    case response_parser::status::done:
      r = answered(a);  // unasked-for bytes after it are read and forgotten as an idle one's
      break;
  }
  r.consumed = parsed.consumed;
  return r;
}

hold_read http1_hold_codec::on_close(hold_stage stage, answer_state* answer) const {
  if (stage == hold_stage::pinging && answer != nullptr) {
    auto& a = static_cast<held_answer&>(*answer);
    if (a.parser().on_eof().state == response_parser::status::done) {
      return answered(a);  // a body that ends with the connection
    }
  }
  return hold_read::dropped(error_class::reset,
                            stage == hold_stage::pinging
                                ? "the server closed a held connection before answering its ping"
                                : "the server closed a held connection");
}

}  // namespace stampede::protocol::http1
