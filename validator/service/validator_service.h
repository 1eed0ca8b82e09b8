// The gRPC Validator service: one reactor per Session stream (gRPC callback API; session_reactor.h), each driving one
// chip dialog (validator/emrtd/reader.h). All session state lives in the reactor and dies with the
// stream; only immutable things are shared (the trust store snapshot, the reader config, metrics).
//
// Stream contract (proto/docval/v1/validator.proto): the first request must be `start`; then one
// `response_apdu` per `command_apdu` sent. Anything else ends the stream with INVALID_ARGUMENT. The
// dialog's outcome is sent as `result` or `failure`, after which the stream ends with OK. Other
// statuses, all before or instead of an outcome (docs/architecture.md, "The validator's contract"):
//   RESOURCE_EXHAUSTED  refused at once, nothing read or computed: `max_sessions` sessions are
//                       already open on this validator (the gateway closes 1013 TRY_AGAIN_LATER)
//   UNAVAILABLE         refused at once while draining or stopped; or a running session cut by
//                       the end of the drain (Shutdown())
//   CANCELLED           the gateway cancelled the call, hung up, or its deadline passed
//
// Where the work runs: a dialog step (everything the dialog computes between two chip commands:
// Start(), then one CardLink::Respond() per response) runs on the service's WorkerPool, never on
// a gRPC thread; gRPC reactions only queue steps and start reads/writes, and never wait for a step.
// A session has at most one step queued or running at a time, so the pool's queue never holds more
// than `max_sessions` steps. When a session ends (client or gateway gone, cancelled, deadline,
// shutdown) no further step of it runs: a step still queued is dropped without touching the dialog,
// no command is sent after the end, and the dialog is freed once its last step is over. A step that
// is running when the session ends is not interrupted (the eMRTD core has no preemption point
// inside a step; its own budgets bound one step) but its output is discarded.
//
// A session counts against `max_sessions` from its arrival until its reactor is freed (the end of
// the stream and of its running step, if any): the cap bounds the memory and workers held.
#ifndef DOCVAL_VALIDATOR_SERVICE_VALIDATOR_SERVICE_H_
#define DOCVAL_VALIDATOR_SERVICE_VALIDATOR_SERVICE_H_

#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "docval/v1/validator.grpc.pb.h"
#include "validator/emrtd/crypto/key_cache.h"
#include "validator/emrtd/reader.h"

namespace prometheus {
class Registry;
}

namespace docval::validator {

struct ValidatorServiceOptions {
  bool allow_bac_fallback = false;
  // Sessions open at once (validator.max_sessions); over it, RESOURCE_EXHAUSTED.
  int max_sessions = 1000;
  // Worker threads running dialog steps (validator.workers); <= 0: UsableCpus().
  int workers = 0;
  // The session's budget against the chip (validator.limits, docs/limits.md).
  emrtd::SessionLimits limits;
  // Tests only: runs on the worker before each step, before the step checks whether its session
  // is still open.
  std::function<void()> before_step;
};

// Returns the current trust store snapshot (swapped on SIGHUP); may return null (no trust configured).
using TrustStoreProvider = std::function<std::shared_ptr<const emrtd::TrustStore>()>;

class ValidatorService final : public v1::Validator::CallbackService {
 public:
  ValidatorService(ValidatorServiceOptions options, TrustStoreProvider trust, prometheus::Registry& registry);
  ~ValidatorService() override;  // Shutdown()

  grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent>* Session(grpc::CallbackServerContext* context) override;
  // Passive Authentication of files (emrtd::VerifyDocumentFiles) on a worker, never on gRPC's thread;
  // RESOURCE_EXHAUSTED when the workers' queue is full, UNAVAILABLE once accepting stopped.
  grpc::ServerUnaryReactor* VerifyFiles(grpc::CallbackServerContext* context, const v1::VerifyFilesRequest* request,
                                        v1::EmrtdResult* response) override;

  // Admits one bounded computation that is not a dialog (the v2 verdict on a phone's files,
  // FileVerifierService) as a session is admitted: UNAVAILABLE once accepting stopped,
  // RESOURCE_EXHAUSTED when max_sessions sessions and such computations are open or the workers'
  // queue is full (`work` is then dropped unrun). Otherwise `work` runs on a worker and counts
  // against max_sessions (and keeps WaitIdle waiting) until it returns; it must not block.
  grpc::Status RunAdmitted(std::function<void()> work);

  // Draining, as the poster does: from now on Session answers UNAVAILABLE; open sessions go on.
  void StopAccepting();
  // Waits until every session has ended and been freed; false when `deadline` came first.
  bool WaitIdle(absl::Time deadline);
  // StopAccepting(), ends every open session with UNAVAILABLE, then stops the workers (waiting for
  // the steps that are running). Call it before grpc::Server::Shutdown(). Idempotent.
  void Shutdown();
  // StopAccepting(), WaitIdle(now + limit), Shutdown(): true when every session ended by itself.
  bool Drain(absl::Duration limit);

  // Sessions (and admitted computations) counted against max_sessions now; steps waiting for a
  // worker now; the worker count.
  int sessions() const;
  int queued_steps() const;
  int workers() const;
  // The Document Signer keys every dialog and VerifyFiles share (docs/limits.md, "The caches"); for
  // FileVerifierService. Lives as long as the service; thread-safe.
  emrtd::VerificationKeyCache& signer_keys();

  struct Core;

 private:
  std::unique_ptr<Core> core_;
};

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_VALIDATOR_SERVICE_H_
