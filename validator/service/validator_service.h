// The gRPC Validator service: one reactor per Session stream (gRPC callback API), each driving one
// chip dialog (validator/emrtd/reader.h). All session state lives in the reactor and dies with the
// stream; only immutable things are shared (the trust store snapshot, the reader config, metrics).
//
// Stream contract (proto/docval/v1/validator.proto): the first request must be `start`; then one
// `response_apdu` per `command_apdu` sent. Anything else ends the stream with INVALID_ARGUMENT. The
// dialog's outcome is sent as `result` or `failure`, after which the stream ends with OK.
#ifndef DOCVAL_VALIDATOR_SERVICE_VALIDATOR_SERVICE_H_
#define DOCVAL_VALIDATOR_SERVICE_VALIDATOR_SERVICE_H_

#include <functional>
#include <memory>

#include "docval/v1/validator.grpc.pb.h"
#include "validator/emrtd/reader.h"

namespace prometheus {
class Registry;
}

namespace docval::validator {

struct ValidatorServiceOptions {
  bool allow_bac_fallback = false;
};

// Returns the current trust store snapshot (swapped on SIGHUP); may return null (no trust configured).
using TrustStoreProvider = std::function<std::shared_ptr<const emrtd::TrustStore>()>;

class ValidatorService final : public v1::Validator::CallbackService {
 public:
  ValidatorService(ValidatorServiceOptions options, TrustStoreProvider trust, prometheus::Registry& registry);
  ~ValidatorService() override;

  grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent>* Session(grpc::CallbackServerContext* context) override;

  struct Metrics;

 private:
  ValidatorServiceOptions options_;
  TrustStoreProvider trust_;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace docval::validator

#endif  // DOCVAL_VALIDATOR_SERVICE_VALIDATOR_SERVICE_H_
