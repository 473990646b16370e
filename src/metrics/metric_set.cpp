// SPDX-License-Identifier: Apache-2.0
#include "metrics/metric_set.hpp"

#include <algorithm>

namespace stampede::metrics {
namespace {

void merge_counter(std::uint64_t& into, std::uint64_t from, metric_set::rule rule,
                   metric_set::gauges how) {
  switch (rule) {
    case metric_set::rule::sum:
      into += from;
      return;
    case metric_set::rule::gauge:
      into = how == metric_set::gauges::add ? into + from : std::max(into, from);
      return;
    case metric_set::rule::peak:
      into = std::max(into, from);
      return;
    case metric_set::rule::run_total:
      return;
  }
}

void add_vectors(std::vector<std::uint64_t>& into, const std::vector<std::uint64_t>& from) {
  if (into.size() < from.size()) {
    into.resize(from.size());
  }
  for (std::size_t i = 0; i < from.size(); ++i) {
    into[i] += from[i];
  }
}

void merge_histograms(std::vector<histogram>& into, const std::vector<histogram>& from) {
  if (into.size() < from.size()) {
    into.resize(from.size());
  }
  for (std::size_t i = 0; i < from.size(); ++i) {
    into[i].merge(from[i]);
  }
}

}  // namespace

metric_set::metric_set(const metric_layout& layout) {
  for (const auto& v : vector_fields) {
    (this->*v.member).assign((layout.*v.list).size() * v.stride, 0);
  }
  for (const auto& v : histogram_vector_fields) {
    (this->*v.member).resize((layout.*v.list).size());
  }
}

void metric_set::merge(const metric_set& other, gauges how) {
  for (const auto& c : counter_fields) {
    merge_counter(this->*c.member, other.*c.member, c.rule, how);
  }
  for (const auto& h : histogram_fields) {
    (this->*h.member).merge(other.*h.member);
  }
  for (const auto& v : vector_fields) {
    add_vectors(this->*v.member, other.*v.member);
  }
  for (const auto& v : histogram_vector_fields) {
    merge_histograms(this->*v.member, other.*v.member);
  }
  for (std::size_t i = 0; i < status_codes.size(); ++i) {
    status_codes[i] += other.status_codes[i];
  }
  for (std::size_t i = 0; i < errors.size(); ++i) {
    errors[i] += other.errors[i];
    if (error_samples[i].empty() && !other.error_samples[i].empty()) {
      error_samples[i] = other.error_samples[i];
    }
  }
  reasons.merge(other.reasons);
  push_pending.merge(other.push_pending);
  for (std::size_t i = 0; i < push_reach.size(); ++i) {
    push_reach[i].merge(other.push_reach[i]);
  }
}

std::uint64_t metric_set::error_total() const {
  std::uint64_t total = 0;
  for (auto n : errors) {
    total += n;
  }
  return total;
}

}  // namespace stampede::metrics
