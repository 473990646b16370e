// SPDX-License-Identifier: Apache-2.0
#include "deploy/kubernetes_manifest.hpp"

#include <nlohmann/json.hpp>

namespace stampede::deploy {
namespace {

/// Kubernetes reads JSON as YAML; dumping through nlohmann quotes every string correctly
/// (a PEM block, a token) where hand-written YAML would have to get indentation right.
std::string document(const nlohmann::ordered_json& object) {
  return "---\n" + object.dump(2) + "\n";
}

nlohmann::ordered_json metadata(const kubernetes_agents& spec, const std::string& name) {
  nlohmann::ordered_json m = {
      {"name", name},
      {"labels",
       {{"app.kubernetes.io/name", "stampede"}, {"app.kubernetes.io/component", "agent"}}}};
  if (!spec.namespace_.empty()) {
    m["namespace"] = spec.namespace_;
  }
  return m;
}

}  // namespace

std::string kubernetes_agents_manifest(const kubernetes_agents& spec) {
  const auto secret_name = spec.name + "-credentials";
  const nlohmann::ordered_json secret = {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata", metadata(spec, secret_name)},
      {"type", "Opaque"},
      {"stringData", {{"token", spec.token}, {"ca.pem", spec.ca_pem}}},
  };
  const nlohmann::ordered_json labels = {{"app.kubernetes.io/name", "stampede"},
                                         {"app.kubernetes.io/component", "agent"}};
  const nlohmann::ordered_json container = {
      {"name", "agent"},
      {"image", spec.image},
      // $(POD_NAME) is expanded by Kubernetes: every agent registers under its pod's name.
      {"args",
       {"agent", "--controller", spec.controller, "--token-file", "/etc/stampede/token", "--ca",
        "/etc/stampede/ca.pem", "--name", "$(POD_NAME)", "--spool", "/var/spool/stampede"}},
      {"env",
       {{{"name", "POD_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}}}},
      {"volumeMounts",
       {{{"name", "credentials"}, {"mountPath", "/etc/stampede"}, {"readOnly", true}},
        {{"name", "spool"}, {"mountPath", "/var/spool/stampede"}}}},
  };
  const nlohmann::ordered_json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", metadata(spec, spec.name)},
      {"spec",
       {{"replicas", spec.replicas},
        {"selector", {{"matchLabels", labels}}},
        {"template",
         {{"metadata", {{"labels", labels}}},
          {"spec",
           {{"containers", {container}},
            {"volumes",
             {{{"name", "credentials"}, {"secret", {{"secretName", secret_name}}}},
              {{"name", "spool"}, {"emptyDir", nlohmann::ordered_json::object()}}}}}}}}}},
  };
  return document(secret) + document(deployment);
}

}  // namespace stampede::deploy
