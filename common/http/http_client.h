// The poster's HTTP client: one POST per call, no retries (the retry policy lives in
// poster/delivery/retry_policy.h), no redirects.
//
// CurlHttpClient is built on libcurl (OpenSSL flavour); docs/poster.md explains the choice. It is
// thread-safe: any number of threads may call Post() at once (each call owns its curl handles).
//
// Connections are kept alive between calls (docs/poster.md, "Connections"): a call borrows one of
// the client's connection pools (a curl multi handle, with its idle connections and its loaded CA
// bundle, and a share of its TLS sessions) for its duration, so a delivery to a Result Server that
// answered the previous one reuses that connection and pays no TCP or TLS handshake and no parsing
// of the CA bundle; a new connection to a server seen before resumes its TLS session. A pool keeps at
// most kMaxIdleConnections idle connections, none idle longer than kMaxIdleSeconds, and its loaded
// CA bundle at most kCaCacheSeconds (a changed bundle file is read again after that). A call that
// does not end with a complete response (error, timeout, abort, oversized body) closes its pool's
// connections, so the next attempt starts on a fresh connection.
//
// Security defaults (not switchable): TLS peer verification and host name verification (SNI is
// sent), http and https only, redirects are returned as final statuses, proxies from the
// environment are ignored (an explicit proxy may be configured).
//
// Errors (absl::StatusCode) — this distinction drives the retry policy:
//   kDeadlineExceeded   the attempt ran out of time (connect included)          → retryable
//   kUnavailable        network/connection error: refused, reset, DNS failure,
//                       closed without an answer, TLS handshake failure          → retryable
//   kFailedPrecondition TLS verification failed (untrusted certificate, host
//                       name mismatch, unreadable CA bundle)                     → final
//   kInvalidArgument    bad URL, unsupported scheme, header with CR/LF           → final
//   kInternal           protocol error (malformed HTTP answer) or other failure  → final
//   kCancelled          `should_abort` returned true                              → final
// Once a final status line and headers have arrived, Post() returns the response even if reading
// the body then fails or exceeds the size limit (`body_complete` is false): the status is the
// server's answer.
#ifndef DOCVAL_COMMON_HTTP_HTTP_CLIENT_H_
#define DOCVAL_COMMON_HTTP_HTTP_CLIENT_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace docval::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string url;  // absolute http:// or https:// URL; see NormalizeUrl
  // Sent as given, in order. The client itself adds Host, Content-Length, User-Agent and Accept;
  // it suppresses "Expect: 100-continue".
  HeaderList headers;
  std::string body;
  absl::Duration timeout = absl::Seconds(3);  // the whole attempt, connect included
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;  // of the final response, names as sent
  std::string body;    // at most HttpClientOptions::max_response_body_bytes
  bool body_complete = true;

  // The first header named `name` (ASCII case-insensitive), or "" when absent.
  std::string Header(absl::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one POST. `should_abort` (optional) is polled during the transfer (CurlHttpClient: at
  // least every 50 ms, whatever the server does); when it returns true the attempt ends with
  // kCancelled and its connection is closed.
  virtual absl::StatusOr<HttpResponse> Post(const HttpRequest& request,
                                            const std::function<bool()>& should_abort) = 0;
};

struct HttpClientOptions {
  // PEM file of trusted CA certificates. Empty: the system store. When set, only this bundle is
  // trusted (the system store is not consulted).
  std::string ca_bundle_path;
  // Explicit proxy URL; empty: direct connections (environment proxy variables are ignored).
  std::string proxy;
  size_t max_response_body_bytes = 64 << 10;
  std::string user_agent = "docval-poster";
};

class CurlHttpClient : public HttpClient {
 public:
  static constexpr long kMaxIdleConnections = 4;  // per pool
  static constexpr long kMaxIdleSeconds = 30;     // under common server and load balancer idle timeouts
  static constexpr long kCaCacheSeconds = 600;
  // Pools kept while no call uses them; more are made while more calls run at once.
  static constexpr size_t kMaxIdlePools = 64;

  // Errors: kFailedPrecondition when the CA bundle is set but cannot be read (the message names
  // the path).
  static absl::StatusOr<std::unique_ptr<CurlHttpClient>> Create(HttpClientOptions options);
  ~CurlHttpClient() override;

  absl::StatusOr<HttpResponse> Post(const HttpRequest& request,
                                    const std::function<bool()>& should_abort) override;

 private:
  struct Pool;
  explicit CurlHttpClient(HttpClientOptions options);
  std::unique_ptr<Pool> TakePool();
  void ReturnPool(std::unique_ptr<Pool> pool);

  const HttpClientOptions options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Pool>> idle_pools_ ABSL_GUARDED_BY(mu_);
};

// Parses and normalizes an absolute http/https URL into the exact form the client sends (lower-case
// scheme and host, "/" for an empty path, no fragment). The RFC 9421 "@target-uri" is this string.
// kInvalidArgument for anything else (relative, other schemes, no host, unparsable).
absl::StatusOr<std::string> NormalizeUrl(absl::string_view url);

// The destination of an absolute http/https URL, the unit of fair delivery and of the poster's
// metrics: the lower-case host, plus ":<port>" when the URL names a port other than its scheme's
// default ("results.example.com", "10.0.0.7:8443", "[::1]:9000"). Never user info, path or query.
// kInvalidArgument as NormalizeUrl.
absl::StatusOr<std::string> UrlDestination(absl::string_view url);

// True when `name` is an RFC 9110 token and `value` has no CR, LF or NUL.
bool IsValidHeader(absl::string_view name, absl::string_view value);

}  // namespace docval::http

#endif  // DOCVAL_COMMON_HTTP_HTTP_CLIENT_H_
