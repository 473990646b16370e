// SPDX-License-Identifier: Apache-2.0
// Parsing cost per response: the per-request CPU budget of the generator includes it.
#include <benchmark/benchmark.h>

#include "protocol/http1/response_parser.hpp"

namespace {

using stampede::protocol::http1::response_parser;
using stampede::protocol::http1::response_sink;

struct discard final : response_sink {};

void parse(benchmark::State& state, std::string_view wire) {
  response_parser p;
  discard sink;
  for (auto _ : state) {
    p.reset();
    auto r = p.parse(wire, sink);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}

void BM_SmallContentLength(benchmark::State& state) {
  parse(state,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 16\r\n"
        "Date: Mon, 23 Nov 2026 01:02:03 GMT\r\n\r\nstampede target\n");
}
BENCHMARK(BM_SmallContentLength);

void BM_Chunked(benchmark::State& state) {
  parse(state,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
}
BENCHMARK(BM_Chunked);

}  // namespace
