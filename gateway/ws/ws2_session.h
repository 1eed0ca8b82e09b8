// WebSocket API v2 (docs/protocol.md §3) as a WsProtocol (ws_link.h), without sockets: the order rules
// of gateway/protocol/v2.h's Dialog applied to a live session, and what the server does at each step:
//
//   START        the client id checked (INVALID_CLIENT_ID) and its place claimed (TRY_AGAIN_LATER);
//                ACCEPT with a fresh Active Authentication challenge from the server's random source
//   FILE         kept (each name once, within the core's per-file and per-session caps)
//   CA_HANDOVER  Chip Authentication on a validator over the phone's open secure messaging (a
//                Validator.Session stream with SessionStart.v2_chip_authentication, the v1 core's CA):
//                its command APDUs go to the phone as APDU frames, one response each; then FILE dg1
//                (read under the new keys) when the chip proved its key, and CA_HANDBACK with the
//                result and the keys the phone continues with
//   MONITORING   logged in the diagnostics channel, its size only (free text from the phone)
//   FINISH       the files, our challenge, the phone's signature and our CA result to the validator
//                (V2FileVerifier.Verify, §3.6); its refusal closes with its reason; a result goes
//                to the Result Server through the poster (as v1, §4); delivered: RESULT (camelCase,
//                only when FINISH asked) and CLOSE with 1000
//
// Its own timer: while the server waits for the phone (from ACCEPT to FINISH), each message within
// response_timeout, else TIMEOUT_WHILE_WAITING_FOR_RESPONSE (1001). The connection owns the start
// timeout, the session limit, the frame limits and the caps.
//
// Upstream calls go through Ws2Upstream, so that ws2_session_test.cc drives every state with fakes.
#ifndef DOCVAL_GATEWAY_WS_WS2_SESSION_H_
#define DOCVAL_GATEWAY_WS_WS2_SESSION_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "docval/v1/poster.pb.h"
#include "docval/v1/validator.pb.h"
#include "gateway/protocol/v2.h"
#include "gateway/ws/beast_types.h"
#include "gateway/ws/gateway_context.h"
#include "gateway/ws/session_rules.h"
#include "gateway/ws/session_trace.h"
#include "gateway/ws/ws_connection.h"
#include "gateway/ws/ws_link.h"

namespace docval::gateway {

// A v2 session's calls to the validator and the poster. `done` runs on the session's strand, at most
// once (never when the session is gone first); the returned function cancels the call. `traceparent`
// (W3C Trace Context of the session's span; "" when traces are off) goes into each call's metadata.
class Ws2Upstream {
 public:
  using CancelFn = std::function<void()>;
  using VerifyDone = std::function<void(grpc::Status, v1::V2VerifyResponse)>;
  using DeliverDone = std::function<void(grpc::Status, v1::DeliveryReport)>;
  virtual ~Ws2Upstream() = default;
  virtual CancelFn Verify(v1::V2VerifyRequest request, absl::Time deadline, VerifyDone done,
                          const std::string& traceparent) = 0;
  virtual CancelFn Deliver(v1::DeliveryRequest request, absl::Time deadline, DeliverDone done,
                           const std::string& traceparent) = 0;

  // Chip Authentication: a Validator.Session stream opened with `start`. `on_event` runs for each
  // event and `on_end` once at the end, both on the session's strand (never when it is gone).
  class ChipAuthCall {
   public:
    virtual ~ChipAuthCall() = default;
    virtual void SendResponse(std::string response_apdu) = 0;
    virtual void Cancel() = 0;
  };
  using ChipAuthEvent = std::function<void(v1::SessionEvent)>;
  using ChipAuthEnd = std::function<void(grpc::Status)>;
  virtual std::shared_ptr<ChipAuthCall> ChipAuthentication(v1::SessionRequest start, absl::Time deadline,
                                                           ChipAuthEvent on_event, ChipAuthEnd on_end,
                                                           const std::string& traceparent) = 0;
};

// The Active Authentication challenge: `n` bytes from a cryptographic random generator.
using ChallengeSource = std::function<std::string(size_t n)>;

class Ws2Session final : public WsProtocol {
 public:
  enum class State { kDialog, kVerifying, kPosting, kStopped };

  // `traceparent`: the handshake's header of that name ("" when absent), the parent of the session's
  // span (session_trace.h).
  Ws2Session(WsLink& link, const GatewayOptions& options, DevResultStore* dev, std::unique_ptr<Ws2Upstream> upstream,
             ChallengeSource challenge, HeaderList forwarded, absl::string_view traceparent = "");
  ~Ws2Session() override;

  const char* name() const override { return "v2"; }
  size_t max_message_bytes(bool text) const override;
  SessionClose CloseFor(CloseReason reason) const override;
  void OnMessage(bool text, std::string message) override;
  void Stop() override;
  int64_t apdus() const override { return apdus_; }

  State state() const { return state_; }
  ws2::Dialog::Phase phase() const { return dialog_.phase(); }

  // The close of a v2 session: CLOSE {code, reason}, then the close frame with the same code.
  static SessionClose Render(const ws2::Closing& closing);

 private:
  void Close(const ws2::Closing& closing);
  SessionClose RenderTraced(const ws2::Closing& closing) const;  // Render(), recorded in the trace
  void SendText(std::string frame);
  void SendBinary(std::string frame);
  void OnStart(ws2::StartMessage start);
  void OnHandover(ws2::CaHandover handover);
  void OnChipAuthEvent(v1::SessionEvent event);
  void OnChipAuthEnd(const grpc::Status& status);
  void Handback(v1::CheckResult check, const v1::SecureMessagingState* keys, const std::string* dg1);
  void OnFinish(ws2::FinishMessage finish);
  void ExpectPhone();  // (re)starts the wait for the phone's next message
  void Verify();
  void OnVerified(const grpc::Status& status, v1::V2VerifyResponse response);
  void OnPosted(const grpc::Status& status, const v1::DeliveryReport& report);

  WsLink& link_;
  const GatewayOptions& options_;
  DevResultStore* dev_;
  std::unique_ptr<Ws2Upstream> upstream_;
  ChallengeSource challenge_source_;
  HeaderList forwarded_;
  const std::string session_id_;
  std::unique_ptr<LinkTimer> idle_timer_;
  ws2::Dialog dialog_;
  bool extended_length_ = false;  // START's nfcAdapterSupportsExtendedLength
  std::shared_ptr<Ws2Upstream::ChipAuthCall> ca_call_;  // while Chip Authentication runs
  bool ca_answered_ = false;  // the validator sent an event on the Chip Authentication stream
  State state_ = State::kDialog;
  std::string challenge_;
  std::string client_id_;
  std::string validation_id_;
  bool send_result_ = false;
  std::optional<std::string> aa_signature_;
  v1::CheckResult ca_result_ = v1::UNAVAILABLE;
  bool verify_retried_ = false;
  Ws2Upstream::CancelFn cancel_call_;
  v1::EmrtdResult result_;
  int64_t apdus_ = 0;
  mutable SessionTrace trace_;  // mutable: CloseFor() renders the close, the trace records it
};

// The v2 protocol for an upgrade to /ws2/validate (`req`: its handshake); needs context.v2_verifier().
ProtocolFactory Ws2Protocol(GatewayContext& context, const Request& req, HeaderList forwarded);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_WS_WS2_SESSION_H_
