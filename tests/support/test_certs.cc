#include "tests/support/test_certs.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace docval::testsupport {

absl::StatusOr<std::string> MakeTempDir(absl::string_view prefix) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string templ = absl::StrCat(base != nullptr ? base : "/tmp", "/", prefix, "XXXXXX");
  if (::mkdtemp(templ.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", templ, " failed"));
  }
  return templ;
}

absl::Status RunShell(const std::string& command) {
  std::string full = absl::StrCat("(", command, ") 2>&1");
  FILE* p = ::popen(full.c_str(), "r");
  if (p == nullptr) return absl::InternalError(absl::StrCat("popen failed: ", command));
  std::string output;
  char buf[1024];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) output.append(buf, n);
  int status = ::pclose(p);
  if (status != 0) {
    return absl::InternalError(
        absl::StrCat("command failed (", status, "): ", command, "\n", output));
  }
  return absl::OkStatus();
}

namespace {

const char kEcKey[] = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
const char kRsaKey[] = "-newkey rsa:2048 -nodes";

// Writes `dir`/`name`.{ext,csr,pem,key}: a leaf for `subject_alt_name` signed by `ca`/`ca_key`.
absl::Status SignLeaf(const std::string& dir, absl::string_view name, absl::string_view subject_alt_name,
                      const std::string& ca, const std::string& ca_key, LeafKey key = LeafKey::kEcP256) {
  const std::string base = absl::StrCat(dir, "/", name);
  {
    std::ofstream ext(base + ".ext");
    ext << "basicConstraints=critical,CA:FALSE\n"
        << "keyUsage=critical,digitalSignature\n"
        << "extendedKeyUsage=serverAuth,clientAuth\n"  // also usable as a client certificate (mutual TLS)
        << "subjectKeyIdentifier=hash\n"
        << "authorityKeyIdentifier=keyid\n"
        << "subjectAltName=" << subject_alt_name << "\n";
  }
  for (const std::string& cmd : {
           absl::StrCat("openssl req -new ", key == LeafKey::kRsa2048 ? kRsaKey : kEcKey, " -keyout ", base,
                        ".key -out ", base, ".csr -subj '/CN=docval ", name, "'"),
           absl::StrCat("openssl x509 -req -in ", base, ".csr -CA ", ca, " -CAkey ", ca_key, " -CAcreateserial -out ",
                        base, ".pem -days 2 -extfile ", base, ".ext"),
       }) {
    absl::Status s = RunShell(cmd);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TestCerts> MakeTestCerts(absl::string_view subject_alt_name) {
  absl::StatusOr<std::string> dir = MakeTempDir("docval_certs_");
  if (!dir.ok()) return dir.status();
  TestCerts c;
  c.dir = *dir;
  c.ca_cert = c.dir + "/ca.pem";
  c.server_cert = c.dir + "/server.pem";
  c.server_key = c.dir + "/server.key";
  c.other_ca_cert = c.dir + "/other_ca.pem";
  const std::string& d = c.dir;
  for (const std::string& cmd : {
           absl::StrCat("openssl req -x509 ", kEcKey, " -keyout ", d, "/ca.key -out ", c.ca_cert,
                        " -subj '/CN=DocVal Test CA' -days 2"),
           absl::StrCat("openssl req -x509 ", kEcKey, " -keyout ", d, "/other_ca.key -out ",
                        c.other_ca_cert, " -subj '/CN=DocVal Other CA' -days 2"),
       }) {
    absl::Status s = RunShell(cmd);
    if (!s.ok()) return s;
  }
  absl::Status s = SignLeaf(d, "server", subject_alt_name, c.ca_cert, d + "/ca.key");
  if (!s.ok()) return s;
  return c;
}

namespace {

const TestCerts* MakeOrDie(absl::string_view subject_alt_name) {
  absl::StatusOr<TestCerts> certs = MakeTestCerts(subject_alt_name);
  if (!certs.ok()) {
    std::fprintf(stderr, "test certificates for %s: %s\n", std::string(subject_alt_name).c_str(),
                 certs.status().ToString().c_str());
    std::abort();
  }
  return new TestCerts(*std::move(certs));
}

}  // namespace

const TestCerts& LoopbackCerts() {
  static const TestCerts* certs = MakeOrDie("IP:127.0.0.1,DNS:localhost");
  return *certs;
}

const TestCerts& WrongNameCerts() {
  static const TestCerts* certs = MakeOrDie("DNS:other.example");
  return *certs;
}

absl::StatusOr<LeafCert> MakeLeafCert(const TestCerts& certs, absl::string_view name,
                                      absl::string_view subject_alt_name, bool by_other_ca, LeafKey key) {
  const std::string ca = by_other_ca ? certs.other_ca_cert : certs.ca_cert;
  const std::string ca_key = certs.dir + (by_other_ca ? "/other_ca.key" : "/ca.key");
  absl::Status s = SignLeaf(certs.dir, name, subject_alt_name, ca, ca_key, key);
  if (!s.ok()) return s;
  return LeafCert{absl::StrCat(certs.dir, "/", name, ".pem"), absl::StrCat(certs.dir, "/", name, ".key")};
}

absl::StatusOr<std::string> MakeSystemSizeBundle(const TestCerts& certs) {
  const std::string path = absl::StrCat(certs.dir, "/system-and-test-ca.pem");
  std::ifstream system("/etc/ssl/certs/ca-certificates.crt"), test_ca(certs.ca_cert);
  if (!system || !test_ca) return absl::FailedPreconditionError("cannot read the system CA store or the test CA");
  std::ofstream out(path);
  out << system.rdbuf() << test_ca.rdbuf();
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return path;
}

}  // namespace docval::testsupport
