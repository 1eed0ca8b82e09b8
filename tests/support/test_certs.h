// Test PKI for TLS tests, made with the `openssl` command line (Debian package `openssl`):
// a CA, a server certificate it signs, and a second, unrelated CA.
#ifndef DOCVAL_TESTS_SUPPORT_TEST_CERTS_H_
#define DOCVAL_TESTS_SUPPORT_TEST_CERTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace docval::testsupport {

struct TestCerts {
  std::string dir;              // holds all files below
  std::string ca_cert;          // PEM: the CA that signed server_cert
  std::string server_cert;      // PEM: leaf certificate, subjectAltName as requested
  std::string server_key;       // PEM (PKCS#8): its key
  std::string other_ca_cert;    // PEM: a CA that signed nothing here
};

// Creates a fresh temporary directory (under $TEST_TMPDIR or /tmp) and the files in it.
// `subject_alt_name` is an OpenSSL subjectAltName value, e.g. "IP:127.0.0.1,DNS:localhost".
absl::StatusOr<TestCerts> MakeTestCerts(absl::string_view subject_alt_name);

// The key of a leaf certificate.
enum class LeafKey { kEcP256, kRsa2048 };

// Test PKIs made on first use and kept for the rest of the process, for the suites that share
// them: a server certificate for "IP:127.0.0.1,DNS:localhost", and one for "DNS:other.example" only
// (a host-name mismatch on loopback). Thread-safe. The process ends (abort, the reason on stderr)
// when they cannot be made: a TLS test without them cannot run.
const TestCerts& LoopbackCerts();
const TestCerts& WrongNameCerts();

// One more leaf certificate (usable for server and client authentication) in `certs.dir`, named
// `name`.pem / `name`.key, signed by certs.ca_cert — or by certs.other_ca_cert when `by_other_ca`.
struct LeafCert {
  std::string cert;  // PEM
  std::string key;   // PEM (PKCS#8)
};
absl::StatusOr<LeafCert> MakeLeafCert(const TestCerts& certs, absl::string_view name,
                                      absl::string_view subject_alt_name, bool by_other_ca = false,
                                      LeafKey key = LeafKey::kEcP256);

// A CA bundle the size of a real trust store: Debian's system store
// (/etc/ssl/certs/ca-certificates.crt, package ca-certificates) followed by certs.ca_cert, written to
// `certs.dir`; returns its path. What a TLS client without a configured CA file loads, and still
// trusting the test CA.
absl::StatusOr<std::string> MakeSystemSizeBundle(const TestCerts& certs);

// Runs `command` with /bin/sh; kInternal with the exit status and captured stderr on failure.
absl::Status RunShell(const std::string& command);

// A fresh temporary directory.
absl::StatusOr<std::string> MakeTempDir(absl::string_view prefix);

}  // namespace docval::testsupport

#endif  // DOCVAL_TESTS_SUPPORT_TEST_CERTS_H_
