// SPDX-License-Identifier: Apache-2.0
#include "deploy/kubernetes_manifest.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

namespace stampede::deploy {
namespace {

std::vector<std::string> strings(const YAML::Node& list) {
  std::vector<std::string> out;
  for (const auto& n : list) {
    out.push_back(n.as<std::string>());
  }
  return out;
}

/// The value after `flag` in an argument list, or "" when absent.
std::string flag_value(const std::vector<std::string>& args, const std::string& flag) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) {
      return args[i + 1];
    }
  }
  return "";
}

TEST(KubernetesManifest, SecretAndDeploymentCarryTheControllerAndItsCredentials) {
  kubernetes_agents spec;
  spec.controller = "stampede-controller.load.svc:7700";
  spec.token = "0123abcd";
  spec.ca_pem =
      "-----BEGIN CERTIFICATE-----\nMIIB: \"quoted\" #not a comment\n"
      "-----END CERTIFICATE-----\n";
  spec.replicas = 12;
  spec.image = "registry.test/stampede:0.1.0";
  spec.namespace_ = "load";
  const auto docs = YAML::LoadAll(kubernetes_agents_manifest(spec));
  ASSERT_EQ(docs.size(), 2u);

  const auto& secret = docs[0];
  EXPECT_EQ(secret["kind"].as<std::string>(), "Secret");
  EXPECT_EQ(secret["metadata"]["name"].as<std::string>(), "stampede-agent-credentials");
  EXPECT_EQ(secret["metadata"]["namespace"].as<std::string>(), "load");
  EXPECT_EQ(secret["stringData"]["token"].as<std::string>(), spec.token);
  EXPECT_EQ(secret["stringData"]["ca.pem"].as<std::string>(), spec.ca_pem);  // byte for byte

  const auto& deployment = docs[1];
  EXPECT_EQ(deployment["kind"].as<std::string>(), "Deployment");
  EXPECT_EQ(deployment["apiVersion"].as<std::string>(), "apps/v1");
  EXPECT_EQ(deployment["spec"]["replicas"].as<int>(), 12);
  const auto pod = deployment["spec"]["template"]["spec"];
  const auto container = pod["containers"][0];
  EXPECT_EQ(container["image"].as<std::string>(), spec.image);
  const auto args = strings(container["args"]);
  ASSERT_FALSE(args.empty());
  EXPECT_EQ(args[0], "agent");
  EXPECT_EQ(flag_value(args, "--controller"), spec.controller);
  EXPECT_EQ(flag_value(args, "--token-file"), "/etc/stampede/token");
  EXPECT_EQ(flag_value(args, "--ca"), "/etc/stampede/ca.pem");
  EXPECT_EQ(flag_value(args, "--name"), "$(POD_NAME)");
  EXPECT_EQ(container["env"][0]["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>(),
            "metadata.name");
  EXPECT_EQ(pod["volumes"][0]["secret"]["secretName"].as<std::string>(),
            secret["metadata"]["name"].as<std::string>());
  EXPECT_EQ(container["volumeMounts"][0]["mountPath"].as<std::string>(), "/etc/stampede");
  // The selector matches the pods it manages.
  EXPECT_EQ(deployment["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
                .as<std::string>(),
            deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
                .as<std::string>());
}

std::filesystem::path deploy_dir() {
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "deploy" / "kubernetes";
}

TEST(KubernetesFiles, ControllerRunsWithItsDataOnAVolumeBehindAService) {
  const auto docs = YAML::LoadAllFromFile((deploy_dir() / "controller.yaml").string());
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0]["kind"].as<std::string>(), "PersistentVolumeClaim");
  const auto& deployment = docs[1];
  EXPECT_EQ(deployment["kind"].as<std::string>(), "Deployment");
  EXPECT_EQ(deployment["spec"]["replicas"].as<int>(), 1);
  const auto container = deployment["spec"]["template"]["spec"]["containers"][0];
  const auto args = strings(container["args"]);
  EXPECT_EQ(args[0], "controller");
  EXPECT_EQ(flag_value(args, "--listen"), "0.0.0.0:7700");
  EXPECT_EQ(flag_value(args, "--data"),
            container["volumeMounts"][0]["mountPath"].as<std::string>());
  EXPECT_EQ(docs[2]["kind"].as<std::string>(), "Service");
  EXPECT_EQ(docs[2]["spec"]["ports"][0]["port"].as<int>(), 7700);
}

TEST(KubernetesFiles, AgentsReachTheControllerServiceWithTheSecret) {
  const auto docs = YAML::LoadAllFromFile((deploy_dir() / "agents.yaml").string());
  ASSERT_EQ(docs.size(), 1u);
  const auto pod = docs[0]["spec"]["template"]["spec"];
  const auto args = strings(pod["containers"][0]["args"]);
  EXPECT_EQ(args[0], "agent");
  EXPECT_EQ(flag_value(args, "--controller"), "stampede-controller:7700");
  EXPECT_EQ(pod["volumes"][0]["secret"]["secretName"].as<std::string>(),
            "stampede-agent-credentials");
  // The generated manifest and the file describe the same agent.
  kubernetes_agents spec;
  spec.controller = "stampede-controller:7700";
  const auto generated = YAML::LoadAll(kubernetes_agents_manifest(spec));
  EXPECT_EQ(strings(generated[1]["spec"]["template"]["spec"]["containers"][0]["args"]), args);
}

}  // namespace
}  // namespace stampede::deploy
