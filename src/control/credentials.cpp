// SPDX-License-Identifier: Apache-2.0
#include "control/credentials.hpp"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>

namespace stampede::control {
namespace {

namespace fs = std::filesystem;

template <typename T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

constexpr long ten_years = 10L * 365 * 24 * 3600;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what);
}

pkey_ptr new_key() {
  pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key) {
    fail("cannot generate a key");
  }
  return key;
}

std::string pem_of(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string pem_of(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

pkey_ptr key_from(const std::string& pem, const std::string& path) {
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    fail(path + ": not a PEM private key");
  }
  return key;
}

x509_ptr cert_from(const std::string& pem, const std::string& path) {
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    fail(path + ": not a PEM certificate");
  }
  return cert;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) {
    fail(fmt::format("cannot add certificate extension {}", value));
  }
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

/// A certificate for `key`, signed by `issuer_key` (self-signed when issuer is null).
x509_ptr make_cert(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                   EVP_PKEY* issuer_key, bool is_ca, const std::string& alt_names) {
  x509_ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  BIGNUM* serial = BN_new();
  BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), ten_years);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("stampede"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (is_ca) {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), signer, NID_subject_alt_name, alt_names.c_str());
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    fail("cannot sign a certificate");
  }
  return cert;
}

void write_file(const fs::path& path, const std::string& data, bool secret) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, secret ? 0600 : 0644);
  if (fd < 0) {
    fail(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
  const auto written = ::write(fd, data.data(), data.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(data.size())) {
    fail(fmt::format("cannot write {}", path.string()));
  }
}

std::string random_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    fail("no randomness for the token");
  }
  std::string out;
  for (auto b : bytes) {
    out += fmt::format("{:02x}", b);
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(fmt::format("cannot read {}", path));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string read_token(const std::string& path) {
  return trim(read_file(path));
}

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

controller_credentials load_or_create_credentials(const std::string& data_dir) {
  const fs::path dir(data_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    fail(fmt::format("cannot create {}: {}", data_dir, ec.message()));
  }
  ::chmod(dir.c_str(), 0700);
  const auto ca_path = dir / "ca.pem";
  const auto ca_key_path = dir / "ca-key.pem";
  const auto cert_path = dir / "server.pem";
  const auto key_path = dir / "server-key.pem";
  const auto token_path = dir / "token";

  controller_credentials c;
  pkey_ptr ca_key;
  x509_ptr ca;
  if (fs::exists(ca_path) && fs::exists(ca_key_path)) {
    c.ca_pem = read_file(ca_path);
    ca = cert_from(c.ca_pem, ca_path);
    ca_key = key_from(read_file(ca_key_path), ca_key_path);
  } else {
    ca_key = new_key();
    ca = make_cert(ca_key.get(), "stampede controller CA", nullptr, nullptr, true, "");
    c.ca_pem = pem_of(ca.get());
    write_file(ca_key_path, pem_of(ca_key.get()), true);
    write_file(ca_path, c.ca_pem, false);
  }
  if (fs::exists(cert_path) && fs::exists(key_path)) {
    c.server_cert_pem = read_file(cert_path);
    c.server_key_pem = read_file(key_path);
  } else {
    auto key = new_key();
    const auto cert =
        make_cert(key.get(), controller_tls_name, ca.get(), ca_key.get(), false,
                  fmt::format("DNS:{},DNS:localhost,IP:127.0.0.1,IP:::1", controller_tls_name));
    c.server_cert_pem = pem_of(cert.get());
    c.server_key_pem = pem_of(key.get());
    write_file(key_path, c.server_key_pem, true);
    write_file(cert_path, c.server_cert_pem, false);
  }
  const auto token_of = [](const fs::path& path) {
    if (!fs::exists(path)) {
      auto token = random_token();
      write_file(path, token + "\n", true);
      return token;
    }
    auto token = read_token(path);
    if (token.size() < 32) {
      fail(fmt::format("{}: the token is too short (at least 32 characters)", path.string()));
    }
    return token;
  };
  c.token = token_of(token_path);
  c.monitor_token = token_of(dir / "monitor-token");
  if (same_secret(c.token, c.monitor_token)) {
    fail(fmt::format("{}: the monitor token must differ from the access token",
                     (dir / "monitor-token").string()));
  }
  return c;
}

web_certificate issue_web_certificate(const std::string& data_dir, const std::string& host) {
  const fs::path dir(data_dir);
  const auto ca = cert_from(read_file(dir / "ca.pem"), (dir / "ca.pem").string());
  const auto ca_key = key_from(read_file(dir / "ca-key.pem"), (dir / "ca-key.pem").string());
  std::string names = "DNS:localhost,IP:127.0.0.1,IP:::1";
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) {
    names += ",DNS:" + host;
  } else if (address.is_unspecified()) {
    char here[256] = {};
    if (::gethostname(here, sizeof here - 1) == 0 && here[0] != '\0') {
      names += fmt::format(",DNS:{}", here);
    }
  } else if (!address.is_loopback()) {
    names += ",IP:" + address.to_string();
  }
  auto key = new_key();
  const auto cert = make_cert(key.get(), host, ca.get(), ca_key.get(), false, names);
  web_certificate out{pem_of(cert.get()), pem_of(key.get())};
  write_file(dir / "http-key.pem", out.key_pem, true);
  write_file(dir / "http.pem", out.cert_pem, false);
  return out;
}

}  // namespace stampede::control
