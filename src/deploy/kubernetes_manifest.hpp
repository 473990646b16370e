// SPDX-License-Identifier: Apache-2.0
// `stampede agents manifest --kubernetes`: the Kubernetes objects that run agents for one
// controller: a Secret with its token and CA, and a Deployment of agents that mount it.
#pragma once

#include <cstdint>
#include <string>

namespace stampede::deploy {

struct kubernetes_agents {
  std::string controller;  ///< HOST:PORT as the pods reach it (e.g. a Service name)
  std::string token;
  std::string ca_pem;
  std::uint32_t replicas = 1;
  std::string image = "stampede:0.1.0";
  std::string name = "stampede-agent";  ///< prefix of the objects' names
  std::string namespace_;               ///< empty: the current one
};

/// Two YAML documents (Secret, Deployment), ready for `kubectl apply -f -`.
std::string kubernetes_agents_manifest(const kubernetes_agents& spec);

}  // namespace stampede::deploy
