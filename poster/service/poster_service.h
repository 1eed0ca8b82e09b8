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
//     never later than `max_delivery_time` after the call arrived (time spent waiting included).
//   - Deliveries wait and run per destination (the Result Server host, http::UrlDestination()) in a
//     DestinationScheduler: each destination has its own concurrency and queue bound, so a slow
//     Result Server delays only its own deliveries.
//   - gRPC OK with a DeliveryReport whose `outcome` says why the delivery stopped, whenever the
//     poster accepted the call (DELIVERED, REJECTED, RETRIES_EXHAUSTED, DEADLINE_REACHED,
//     SHUTTING_DOWN, NOT_CONFIGURED). A gRPC error only when nothing was attempted for a reason
//     of the poster, or the caller is gone:
//       RESOURCE_EXHAUSTED  the destination's or the poster's queue is full (nothing was sent)
//       UNAVAILABLE         draining or stopped: nothing was sent, another poster may take it
//       CANCELLED           the caller cancelled (report outcome CANCELLED, for logs/metrics)
//       DEADLINE_EXCEEDED   the call's deadline passed before the report could be sent
//     Cancellation stops the delivery at once: no further attempt, and the HTTP transfer in
//     progress is aborted within 50 ms (its connection closed).
//   - Blocking HTTP runs on the scheduler's workers, never on gRPC's callback threads.
//   - Logs: one JSON object per line (stderr by default) with `session_id`; never the body, the
//     result, header values, client ids or URLs (the destination host is logged).
//   - Metrics: poster/service/poster_metrics.h (per destination host).
#ifndef DOCVAL_POSTER_SERVICE_POSTER_SERVICE_H_
#define DOCVAL_POSTER_SERVICE_POSTER_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "docval/v1/poster.grpc.pb.h"
#include "poster/delivery/message_signature.h"
#include "poster/delivery/retry_policy.h"
#include "common/http/http_client.h"
#include "poster/service/deliverer.h"
#include "poster/service/destination_scheduler.h"
#include "poster/service/poster_metrics.h"

namespace docval::poster {

struct PosterOptions {
  // client_id → Result Server URL (http or https).
  absl::flat_hash_map<std::string, std::string> result_server_urls;
  // Private key (Ed25519 or EC P-256; PEM or DER) for RFC 9421 signatures; empty: unsigned.
  std::string signing_key_path;
  // The `keyid` to announce; empty: the RFC 7638 JWK thumbprint of the public key.
  std::string signing_key_id;
  // PEM CA bundle trusted for https Result Servers; empty: the system store.
  std::string ca_bundle_path;
  // Attempts, per-attempt timeout (3 s), backoff.
  RetryPolicyOptions retry;
  // Workers, queue bounds and per-destination limits; `scheduling.destinations` is keyed by
  // http::UrlDestination() of a configured URL (an override for no configured URL is an error).
  SchedulerOptions scheduling;
  absl::Duration reply_margin = absl::Milliseconds(200);
  absl::Duration max_delivery_time = absl::Seconds(30);  // also used when the call has no deadline
  size_t max_response_body_bytes = 64 << 10;
};

// Produces the POST body from the request (the result JSON serializer is injected).
using BodyBuilder = std::function<absl::StatusOr<std::string>(const docval::v1::DeliveryRequest&)>;

// Optional collaborators, for tests.
struct PosterDeps {
  std::shared_ptr<http::HttpClient> http;   // default: http::CurlHttpClient from the options
  std::function<double()> random01;   // default: absl::BitGen per thread
  std::function<void(absl::string_view line)> log;  // default: one line to stderr
};

// The forwarded headers that may be sent: valid names and values only, and never Content-Type,
// Content-Length, Content-Digest, Signature, Signature-Input, Host, or hop-by-hop headers
// (Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade, Expect, Proxy-*).
// `dropped` (optional) receives the names that were left out.
http::HeaderList ForwardableHeaders(
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

  // Draining (docs/poster.md): from now on Deliver answers UNAVAILABLE; deliveries already
  // accepted (waiting or running) go on.
  void StopAccepting();
  // Waits until every accepted delivery has been answered; false when `deadline` came first.
  bool WaitIdle(absl::Time deadline);
  // StopAccepting(), then stops whatever is still waiting or running (their reports say
  // SHUTTING_DOWN, gRPC OK), and joins the workers. Call it before grpc::Server::Shutdown(),
  // which waits for calls in progress. Idempotent.
  void Shutdown();
  // StopAccepting(), WaitIdle(now + limit), Shutdown(): true when every accepted delivery ended
  // by itself within `limit`.
  bool Drain(absl::Duration limit);

  // The key id announced in signatures ("" when unsigned), for logs at startup.
  std::string signing_key_id() const;

  class CancelToken;
  class Reactor;
  struct Call;
  struct Target {
    std::string url;          // normalized
    std::string destination;  // http::UrlDestination(url)
  };

 private:
  PosterService(PosterOptions options, BodyBuilder body_builder, PosterDeps deps,
                std::unique_ptr<SigningKey> key, absl::flat_hash_map<std::string, Target> targets,
                std::unique_ptr<PosterMetrics> metrics);

  void Run(const std::shared_ptr<Call>& call);
  void Dropped(const std::shared_ptr<Call>& call, DestinationScheduler::Drop why);
  // Sets report->outcome (and the status it implies), logs, counts and finishes the call.
  void Complete(const Call& call, docval::v1::DeliveryOutcome outcome) ABSL_LOCKS_EXCLUDED(mu_);
  // gRPC may run the reactor's OnDone inline: never called with `mu_` held.
  void Finish(Reactor* reactor, const docval::v1::DeliveryRequest& request, const docval::v1::DeliveryReport& report,
              const std::string& destination, absl::string_view outcome_label, absl::Time arrived, grpc::Status status)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Unregister(CancelToken* token) ABSL_LOCKS_EXCLUDED(mu_);

  const PosterOptions options_;
  const BodyBuilder body_builder_;
  const PosterDeps deps_;
  const std::unique_ptr<SigningKey> key_;
  const absl::flat_hash_map<std::string, Target> targets_;  // by client id
  const std::unique_ptr<PosterMetrics> metrics_;
  const Deliverer deliverer_;

  absl::Mutex mu_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<CancelToken*> active_ ABSL_GUARDED_BY(mu_);

  DestinationScheduler scheduler_;  // last: its threads stop first
};

}  // namespace docval::poster

#endif  // DOCVAL_POSTER_SERVICE_POSTER_SERVICE_H_
