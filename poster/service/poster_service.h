// The docval.v1.Poster gRPC service (callback API): delivers one result per Deliver call to the
// client's Result Server and answers with a DeliveryReport. It stores nothing.
//
// Contract of Deliver:
//   - The POST goes to the URL configured for request.client_id, Content-Type application/json,
//     the body made by the injected BodyBuilder ({"emrtd_passport": ..., "client_validation_id":
//     ...}), the request's forwarded headers (see ForwardableHeaders), Content-Digest (RFC 9530)
//     and, when a signing key is configured, Signature-Input/Signature (RFC 9421).
//   - Retries follow RetryPolicy (poster/delivery/retry_policy.h). Everything ends before the
//     call's deadline minus `reply_margin` (so the report reaches the gateway in time), and
//     never later than `max_delivery_time` after the call arrived.
//   - gRPC status OK with a DeliveryReport whenever delivery was tried or refused for a reason of
//     the request (unknown client id, body not buildable): `delivered` tells the outcome.
//     RESOURCE_EXHAUSTED: the worker queue is full (nothing was tried). UNAVAILABLE: the service
//     is shutting down. CANCELLED: the caller cancelled.
//   - Blocking HTTP runs on a bounded worker pool, never on gRPC's callback threads.
//   - Logs: one JSON object per line (stderr by default) with `session_id`; never the body, the
//     result, header values, client ids or URLs.
//   - Metrics (prometheus-cpp, in the given registry), no personal data or URLs in labels:
//       docval_result_deliveries_total{outcome="delivered|rejected|failed|unknown_client|
//                                               bad_result|overloaded|cancelled|unavailable"}
//       docval_result_delivery_attempts_total{result="1xx|2xx|3xx|4xx|5xx|network|timeout|error"}
//       docval_result_delivery_duration_seconds (histogram; from call arrival to report)
#ifndef DOCVAL_POSTER_SERVICE_POSTER_SERVICE_H_
#define DOCVAL_POSTER_SERVICE_POSTER_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "docval/v1/poster.grpc.pb.h"
#include "poster/delivery/message_signature.h"
#include "poster/delivery/retry_policy.h"
#include "poster/http/http_client.h"
#include "poster/service/deliverer.h"
#include "common/worker_pool.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Histogram;
}  // namespace prometheus

namespace docval::poster {

struct PosterOptions {
  // client_id → Result Server URL (http or https).
  absl::flat_hash_map<std::string, std::string> result_server_urls;
  // PEM private key (Ed25519 or EC P-256, PKCS#8) for RFC 9421 signatures; empty: unsigned.
  std::string signing_key_path;
  // The `keyid` to announce; empty: the RFC 7638 JWK thumbprint of the public key.
  std::string signing_key_id;
  // PEM CA bundle trusted for https Result Servers; empty: the system store.
  std::string ca_bundle_path;
  // Attempts, per-attempt timeout (3 s), backoff.
  RetryPolicyOptions retry;
  int worker_count = 4;
  size_t queue_size = 64;  // deliveries waiting for a worker; beyond → RESOURCE_EXHAUSTED
  absl::Duration reply_margin = absl::Milliseconds(200);
  absl::Duration max_delivery_time = absl::Seconds(30);  // also used when the call has no deadline
  size_t max_response_body_bytes = 64 << 10;
};

// Produces the POST body from the request (the result JSON serializer is injected).
using BodyBuilder = std::function<absl::StatusOr<std::string>(const docval::v1::DeliveryRequest&)>;

// Optional collaborators, for tests.
struct PosterDeps {
  std::shared_ptr<HttpClient> http;   // default: CurlHttpClient from the options
  std::function<double()> random01;   // default: absl::BitGen per thread
  std::function<void(absl::string_view line)> log;  // default: one line to stderr
};

// The forwarded headers that may be sent: valid names and values only, and never Content-Type,
// Content-Length, Content-Digest, Signature, Signature-Input, Host, or hop-by-hop headers
// (Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade, Expect, Proxy-*).
// `dropped` (optional) receives the names that were left out.
HeaderList ForwardableHeaders(
    const google::protobuf::RepeatedPtrField<docval::v1::Header>& headers,
    std::vector<std::string>* dropped = nullptr);

class PosterService final : public docval::v1::Poster::CallbackService {
 public:
  // Errors: an invalid URL in the map, an unreadable or unsupported signing key (the message names
  // the path), an unreadable CA bundle, nonsensical options.
  static absl::StatusOr<std::unique_ptr<PosterService>> Create(PosterOptions options,
                                                               BodyBuilder body_builder,
                                                               prometheus::Registry& registry,
                                                               PosterDeps deps = {});
  ~PosterService() override;  // Shutdown()

  grpc::ServerUnaryReactor* Deliver(grpc::CallbackServerContext* context,
                                    const docval::v1::DeliveryRequest* request,
                                    docval::v1::DeliveryReport* report) override;

  // Refuses new calls (UNAVAILABLE), cancels waiting and running deliveries and joins the
  // workers. Call it before (or while) the gRPC server shuts down so that the server does not
  // wait for deliveries in progress. Idempotent.
  void Shutdown();

  // The key id announced in signatures ("" when unsigned), for logs at startup.
  std::string signing_key_id() const;

  class CancelToken;
  class Reactor;

 private:
  struct Metrics;
  PosterService(PosterOptions options, BodyBuilder body_builder, PosterDeps deps,
                std::unique_ptr<SigningKey> key, absl::flat_hash_map<std::string, std::string> urls,
                std::unique_ptr<Metrics> metrics);

  void Run(Reactor* reactor, const docval::v1::DeliveryRequest* request,
           docval::v1::DeliveryReport* report, std::string url, absl::Time deadline,
           absl::Time arrived);
  void Finish(Reactor* reactor, const docval::v1::DeliveryRequest& request,
              const docval::v1::DeliveryReport& report, absl::string_view outcome,
              absl::Time arrived, grpc::Status status);
  bool Register(CancelToken* token);
  void Unregister(CancelToken* token);

  const PosterOptions options_;
  const BodyBuilder body_builder_;
  const PosterDeps deps_;
  const std::unique_ptr<SigningKey> key_;
  const absl::flat_hash_map<std::string, std::string> urls_;  // normalized
  const std::unique_ptr<Metrics> metrics_;
  const Deliverer deliverer_;

  absl::Mutex mu_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<CancelToken*> active_ ABSL_GUARDED_BY(mu_);

  WorkerPool pool_;  // last: its threads stop first
};

}  // namespace docval::poster

#endif  // DOCVAL_POSTER_SERVICE_POSTER_SERVICE_H_
