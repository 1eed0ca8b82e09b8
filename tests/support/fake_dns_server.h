// A DNS server for tests: answers A queries for names it was given, on UDP 127.0.0.1 with an ephemeral
// port, so a test can point gRPC's resolver at it (`dns://127.0.0.1:PORT/name:port`) and change what a
// name resolves to while the processes run — as a Kubernetes headless Service does when the autoscaler
// adds a pod.
//
// Only what a stub resolver asks is understood: one question per query, class IN. An A query for a
// known name gets its addresses (TTL 0); any other type for a known name gets an empty NOERROR answer
// (so AAAA, TXT and SRV lookups end at once); an unknown name gets NXDOMAIN; a datagram that is not a
// query is dropped. Every query is counted by name and type. Stop() (and the destructor) wake the
// serving thread at once.
#ifndef DOCVAL_TESTS_SUPPORT_FAKE_DNS_SERVER_H_
#define DOCVAL_TESTS_SUPPORT_FAKE_DNS_SERVER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace docval::testsupport {

class FakeDnsServer {
 public:
  // Binds 127.0.0.1:0 (UDP) and starts serving.
  static absl::StatusOr<std::unique_ptr<FakeDnsServer>> Start();
  ~FakeDnsServer();
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  int port() const { return port_; }
  // What an A query for `name` (case-insensitive, without the final dot) answers from now on: dotted
  // IPv4 addresses. Dies on an address that does not parse (a broken test).
  void SetA(const std::string& name, const std::vector<std::string>& ipv4);
  // Queries received so far for `name` with query type `qtype` (1 = A, 28 = AAAA, ...).
  int queries(const std::string& name, uint16_t qtype) const;
  void Stop();

 private:
  FakeDnsServer() = default;
  void Serve();
  // The answer to one datagram; empty: drop it.
  std::string Answer(const std::string& query);

  int fd_ = -1;
  int wake_[2] = {-1, -1};  // a pipe: Stop() writes, Serve() polls
  int port_ = 0;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::vector<uint32_t>> a_ ABSL_GUARDED_BY(mu_);  // name -> addresses (network order)
  std::map<std::pair<std::string, uint16_t>, int> counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace docval::testsupport

#endif  // DOCVAL_TESTS_SUPPORT_FAKE_DNS_SERVER_H_
