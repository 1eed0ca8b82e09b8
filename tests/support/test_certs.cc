#include "tests/support/test_certs.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
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

absl::StatusOr<TestCerts> MakeTestCerts(absl::string_view subject_alt_name) {
  absl::StatusOr<std::string> dir = MakeTempDir("docval_certs_");
  if (!dir.ok()) return dir.status();
  TestCerts c;
  c.dir = *dir;
  c.ca_cert = c.dir + "/ca.pem";
  c.server_cert = c.dir + "/server.pem";
  c.server_key = c.dir + "/server.key";
  c.other_ca_cert = c.dir + "/other_ca.pem";
  {
    std::ofstream ext(c.dir + "/server.ext");
    ext << "basicConstraints=critical,CA:FALSE\n"
        << "keyUsage=critical,digitalSignature\n"
        << "extendedKeyUsage=serverAuth,clientAuth\n"  // also usable as a client certificate (mutual TLS)
        << "subjectKeyIdentifier=hash\n"
        << "authorityKeyIdentifier=keyid\n"
        << "subjectAltName=" << subject_alt_name << "\n";
  }
  const std::string& d = c.dir;
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  for (const std::string& cmd : {
           absl::StrCat("openssl req -x509 ", ec, " -keyout ", d, "/ca.key -out ", c.ca_cert,
                        " -subj '/CN=DocVal Test CA' -days 2"),
           absl::StrCat("openssl req -x509 ", ec, " -keyout ", d, "/other_ca.key -out ",
                        c.other_ca_cert, " -subj '/CN=DocVal Other CA' -days 2"),
           absl::StrCat("openssl req -new ", ec, " -keyout ", c.server_key, " -out ", d,
                        "/server.csr -subj '/CN=docval test server'"),
           absl::StrCat("openssl x509 -req -in ", d, "/server.csr -CA ", c.ca_cert, " -CAkey ", d,
                        "/ca.key -CAcreateserial -out ", c.server_cert, " -days 2 -extfile ", d,
                        "/server.ext"),
       }) {
    absl::Status s = RunShell(cmd);
    if (!s.ok()) return s;
  }
  return c;
}

}  // namespace docval::testsupport
