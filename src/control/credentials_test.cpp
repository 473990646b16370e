// SPDX-License-Identifier: Apache-2.0
#include "control/credentials.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace stampede::control {
namespace {

namespace fs = std::filesystem;

class Credentials : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stampede-cred-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

X509* parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return cert;
}

TEST_F(Credentials, CreatedOnceThenReused) {
  const auto first = load_or_create_credentials(dir_.string());
  EXPECT_EQ(first.token.size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "ca-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto again = load_or_create_credentials(dir_.string());
  EXPECT_EQ(again.token, first.token);
  // The monitor's token is its own, kept beside the access token with the same care.
  EXPECT_EQ(first.monitor_token.size(), 64u);
  EXPECT_NE(first.monitor_token, first.token);
  EXPECT_EQ(again.monitor_token, first.monitor_token);
  ASSERT_EQ(::stat((dir_ / "monitor-token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(again.ca_pem, first.ca_pem);
  EXPECT_EQ(again.server_cert_pem, first.server_cert_pem);
}

TEST_F(Credentials, ServerCertificateIsSignedByTheCaForTheFixedName) {
  const auto c = load_or_create_credentials(dir_.string());
  X509* ca = parse(c.ca_pem);
  X509* server = parse(c.server_cert_pem);
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(server, nullptr);
  EVP_PKEY* ca_key = X509_get0_pubkey(ca);
  EXPECT_EQ(X509_verify(server, ca_key), 1);
  EXPECT_EQ(X509_check_host(server, controller_tls_name, 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(server, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(server, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_host(server, "example.com", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ca(ca), 1);
  X509_free(ca);
  X509_free(server);
}

TEST_F(Credentials, ShortTokenIsRefused) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "token") << "short\n";
  try {
    load_or_create_credentials(dir_.string());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("token is too short"), std::string::npos) << e.what();
  }
}

TEST(Secrets, CompareWholeValues) {
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_FALSE(same_secret("abc", "abd"));
  EXPECT_FALSE(same_secret("abc", "abcd"));
}

}  // namespace
}  // namespace stampede::control
