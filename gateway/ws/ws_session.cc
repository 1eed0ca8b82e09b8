#include "gateway/ws/ws_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <deque>
#include <memory>
#include <string>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "gateway/dev/dev_result_store.h"
#include "gateway/protocol/secret.h"
#include "gateway/upstream/poster_client.h"
#include "gateway/upstream/validator_stream.h"
#include "validator/result_json/result_json.h"

namespace docval::gateway {
namespace {

namespace websocket = beast::websocket;

constexpr size_t kReadChunk = 4096;
constexpr size_t kMaxQueuedWrites = 64;

std::string NewSessionId() {
  static thread_local absl::BitGen gen;
  return absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(gen), absl::kZeroPad16));
}

template <typename Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
  using std::enable_shared_from_this<WsSession<Stream>>::shared_from_this;

 public:
  WsSession(Stream&& stream, ConnectionSlot slot, GatewayContext& context, HeaderList forwarded)
      : ws_(std::move(stream)),
        slot_(std::move(slot)),
        context_(context),
        options_(context.options()),
        forwarded_(std::move(forwarded)),
        start_timer_(ws_.get_executor()),
        response_timer_(ws_.get_executor()),
        session_timer_(ws_.get_executor()),
        write_timer_(ws_.get_executor()),
        close_timer_(ws_.get_executor()),
        session_id_(NewSessionId()),
        opened_at_(absl::Now()) {}

  ~WsSession() { Ended(); }

  void Accept(Request req) {
    query_ = ws1::ParseHandshakeQuery(absl::string_view(req.target().data(), req.target().size()));
    websocket::stream_base::timeout t{};
    t.handshake_timeout = ToChrono(options_.close_timeout);  // the upgrade's answer and the close handshake
    t.idle_timeout = websocket::stream_base::none();         // our own timers govern the dialog
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [name = options_.server_name](websocket::response_type& res) { res.set(http::field::server, name); }));
    websocket::permessage_deflate pmd;
    pmd.server_enable = true;
    ws_.set_option(pmd);
    ws_.read_message_max(0);  // frame limits are enforced per message type in OnRead
    ws_.auto_fragment(false);
    ws_.async_accept(req, beast::bind_front_handler(&WsSession::OnAccept, shared_from_this()));
  }

 private:
  enum class State { kAwaitStart, kRelaying, kPosting, kClosing, kClosed };
  struct Outgoing {
    enum Kind { kText, kBinary, kClose } kind;
    std::string data;
    CloseReason reason = CloseReason::kSuccess;
  };

  bool ending() const { return state_ == State::kClosing || state_ == State::kClosed; }

  void OnAccept(beast::error_code ec) {
    if (ec) {
      outcome_ = "handshake_failed";
      state_ = State::kClosed;
      Ended();
      return;
    }
    counted_ = context_.TryAddSession();
    registration_ = context_.RegisterSession([weak = this->weak_from_this(), executor = ws_.get_executor()] {
      net::post(executor, [weak] {
        if (auto self = weak.lock()) self->Drop("shutting_down", net::error::shut_down);
      });
    });
    Arm(session_timer_, options_.session_timeout, [](WsSession& s) {
      if (!s.ending()) s.Close(CloseReason::kMaxSessionTimeExceeded);
    });
    DoRead();
    if (!counted_ || context_.draining()) return Close(CloseReason::kTryAgainLater);
    Arm(start_timer_, options_.start_message_timeout, [](WsSession& s) {
      if (s.state_ == State::kAwaitStart) s.Close(CloseReason::kTimeoutWaitingForStartMessage);
    });
  }

  // Runs `on_expiry` on the strand when `timer` expires, unless the session is over by then.
  template <typename F>
  void Arm(net::steady_timer& timer, absl::Duration d, F on_expiry) {
    timer.expires_after(ToChrono(d));
    timer.async_wait([self = shared_from_this(), on_expiry](beast::error_code ec) {
      if (ec || self->state_ == State::kClosed) return;
      on_expiry(*self);
    });
  }

  void DoRead() {
    ws_.async_read_some(buffer_, kReadChunk, beast::bind_front_handler(&WsSession::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) {
      if (state_ == State::kClosed) return;
      if (ec == websocket::error::closed) return OnClientClosed();
      return Drop("communication_failed", ec);
    }
    if (ending()) {
      buffer_.consume(buffer_.size());
      return DoRead();
    }
    const bool text = ws_.got_text();
    const size_t limit = text ? ws1::kMaxTextFrameBytes : ws1::kMaxBinaryFrameBytes;
    if (buffer_.size() > limit) {
      buffer_.consume(buffer_.size());
      Close(CloseReason::kMessageTooBig);
      return DoRead();
    }
    if (!ws_.is_message_done()) return DoRead();
    std::string message = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    OnMessage(text, std::move(message));
    DoRead();
  }

  void OnMessage(bool text, std::string message) {
    switch (state_) {
      case State::kAwaitStart:
        if (!text) return Close(CloseReason::kInvalidStartMessage);
        return HandleStart(message);
      case State::kRelaying:
        if (text || !awaiting_response_) return Close(CloseReason::kUnexpectedMessage);
        awaiting_response_ = false;
        response_timer_.cancel();
        if (diagnostics_) {
          LogDiagnostic(session_id_, "response",
                        {{"bytes", static_cast<int64_t>(message.size())},
                         {"sw", message.size() >= 2 ? HexPrefix(message.substr(message.size() - 2), 2) : ""},
                         {"ms", absl::ToDoubleMilliseconds(absl::Now() - command_sent_at_)}});
        }
        validator_->SendResponse(std::move(message));
        return;
      case State::kPosting: return Close(CloseReason::kUnexpectedMessage);
      case State::kClosing:
      case State::kClosed: return;
    }
  }

  void HandleStart(const std::string& text) {
    start_timer_.cancel();
    ws1::StartMessageResult parsed = ws1::ParseStartMessage(text);
    if (!parsed.message) {
      LogInfo("start message refused", {{"session_id", session_id_}, {"detail", parsed.detail}});
      return Close(parsed.reason);
    }
    ws1::StartMessage& m = *parsed.message;
    if (!SecretIn(m.client_id, options_.client_ids)) {
      m.access_key.Wipe();
      return Close(CloseReason::kInvalidClientId);
    }
    if (!context_.TryAddClientSession(m.client_id)) {
      m.access_key.Wipe();
      return Close(CloseReason::kTryAgainLater);
    }
    client_id_ = m.client_id;
    validation_id_ = m.validation_id;
    if (context_.dev()) context_.dev()->SessionStarted(m.validation_id);  // the results page's timings
    diagnostics_ = m.enable_diagnostics;
    start_request_ = BuildSessionStart(m, session_id_, options_.include_binary_files);
    m.access_key.Wipe();
    state_ = State::kRelaying;
    LogInfo("session started", {{"session_id", session_id_},
                                {"platform", m.platform},
                                {"extended_length", m.nfc_adapter_supports_extended_length}});
    OpenValidator();
  }

  // Opens the validator stream. The start request is kept until the validator answers, so a
  // session whose validator is unreachable can be retried once on another replica. The stream's
  // deadline is the session's hard end, later than the session timer: the gateway decides
  // MAX_SESSION_TIME_EXCEEDED, never a race with the stream's deadline.
  void OpenValidator() {
    auto self = shared_from_this();
    auto executor = ws_.get_executor();
    GatewayContext* context = &context_;
    validator_done_ = false;
    context_.UpstreamCallStarted();
    validator_ = ValidatorStream::Open(
        context_.validator(), absl::ToChronoTime(opened_at_ + options_.session_timeout + options_.close_timeout),
        start_request_,
        [self, executor](v1::SessionEvent e) {
          net::post(executor, [self, e = std::move(e)]() mutable { self->OnValidatorEvent(std::move(e)); });
        },
        [self, executor, context](grpc::Status status) {
          net::post(executor, [self, status]() { self->OnValidatorEnd(status); });
          context->UpstreamCallEnded();
        });
  }

  // One event of the validator: its status frames (progress_before) and its own frame are queued
  // together and written as one batch (see WriteNext).
  void OnValidatorEvent(v1::SessionEvent e) {
    if (state_ != State::kRelaying) return;
    if (!validator_answered_) {
      validator_answered_ = true;
      start_request_.Clear();  // holds the access key
    }
    hold_writes_ = true;
    for (int step : e.progress_before()) SendStatus(static_cast<v1::Step>(step));
    HandleValidatorEvent(e);
    hold_writes_ = false;
    WriteNext();
  }

  void SendStatus(v1::Step step) {
    if (!v1::Step_IsValid(step)) return Close(CloseReason::kServerError);
    if (diagnostics_) LogDiagnostic(session_id_, "status", {{"status", v1::Step_Name(step)}});
    Send(Outgoing::kText, ws1::StatusFrame(v1::Step_Name(step)));
  }

  void HandleValidatorEvent(v1::SessionEvent& e) {
    if (state_ != State::kRelaying) return;
    switch (e.kind_case()) {
      case v1::SessionEvent::kCommandApdu:
        ++apdus_;
        awaiting_response_ = true;
        if (diagnostics_) {
          // Header and size only: the data of a protected command is ciphertext anyway.
          LogDiagnostic(
              session_id_, "command",
              {{"header", HexPrefix(e.command_apdu(), 4)}, {"bytes", static_cast<int64_t>(e.command_apdu().size())}});
          command_sent_at_ = absl::Now();
        }
        Send(Outgoing::kBinary, std::move(*e.mutable_command_apdu()));
        Arm(response_timer_, options_.response_timeout, [](WsSession& s) {
          if (s.awaiting_response_ && !s.ending()) s.Close(CloseReason::kTimeoutWaitingForResponse);
        });
        return;
      case v1::SessionEvent::kProgress: return SendStatus(e.progress());  // a validator without batching
      case v1::SessionEvent::kResult:
        state_ = State::kPosting;
        result_ = std::move(*e.mutable_result());
        return Post();
      case v1::SessionEvent::kFailure:
        LogInfo("dialog failed", {{"session_id", session_id_},
                                  {"reason", v1::FailureReason_Name(e.failure().reason())},
                                  {"detail", e.failure().detail()}});
        return Close(CloseReasonForFailure(e.failure().reason()));
      case v1::SessionEvent::KIND_NOT_SET: return Close(CloseReason::kServerError);
    }
  }

  void OnValidatorEnd(const grpc::Status& status) {
    validator_done_ = true;
    if (state_ != State::kRelaying) {
      start_request_.Clear();
      return;
    }
    ValidatorEnd end = DecideValidatorEnd(status, validator_answered_, validator_retried_);
    if (end.retry) {
      LogWarning("validator unreachable before the first APDU; retrying once",
                 {{"session_id", session_id_}, {"grpc_message", status.error_message()}});
      validator_retried_ = true;
      return OpenValidator();
    }
    start_request_.Clear();
    LogWarning("validator stream ended without an outcome", {{"session_id", session_id_},
                                                             {"grpc_code", static_cast<int>(status.error_code())},
                                                             {"grpc_message", status.error_message()}});
    Close(end.reason);
  }

  // The poster's deadline is the session limit itself: it answers DEADLINE_REACHED just before it.
  void Post() {
    auto self = shared_from_this();
    auto executor = ws_.get_executor();
    GatewayContext* context = &context_;
    context_.UpstreamCallStarted();
    delivery_ = DeliverAsync(
        context_.poster(), BuildDeliveryRequest(session_id_, client_id_, validation_id_, result_, forwarded_),
        absl::ToChronoTime(opened_at_ + options_.session_timeout),
        [self, executor, context](grpc::Status status, v1::DeliveryReport report) {
          net::post(executor, [self, status, report = std::move(report)]() { self->OnPosted(status, report); });
          context->UpstreamCallEnded();
        });
  }

  void OnPosted(const grpc::Status& status, const v1::DeliveryReport& report) {
    delivery_.reset();
    if (state_ != State::kPosting) return;
    CloseReason reason = CloseReasonForDelivery(status, report);
    if (reason != CloseReason::kSuccess) {
      LogWarning("result not delivered", {{"session_id", session_id_},
                                          {"grpc_code", static_cast<int>(status.error_code())},
                                          {"outcome", v1::DeliveryOutcome_Name(report.outcome())},
                                          {"attempts", static_cast<int64_t>(report.attempts())},
                                          {"last_http_status", report.last_http_status()},
                                          {"error", status.ok() ? report.error() : status.error_message()}});
      return Close(reason);
    }
    if (query_.return_result) Send(Outgoing::kText, ResultFrameV1(result_));
    Close(CloseReason::kSuccess);
  }

  // The dialog is over: stops the timers of the dialog, the validator stream and the delivery, drops
  // passport data and gives the client's slot back.
  void StopDialog() {
    start_timer_.cancel();
    response_timer_.cancel();
    session_timer_.cancel();
    if (validator_ && !validator_done_) validator_->Cancel();
    if (delivery_) delivery_->Cancel();
    result_.Clear();
    start_request_.Clear();
    ReleaseClient();
  }

  // Sends the close notice and then the close frame; the socket is closed close_timeout later at the
  // latest, whatever is pending.
  void Close(CloseReason reason) {
    if (ending()) return;
    state_ = State::kClosing;
    outcome_ = CloseReasonLabel(reason);
    close_code_ = CloseCode(reason);
    StopDialog();
    Arm(close_timer_, options_.close_timeout,
        [](WsSession& s) { s.Drop("close_timeout", beast::error_code(net::error::timed_out)); });
    Send(Outgoing::kText, ws1::CloseNoticeFrame(reason));
    queue_.push_back(Outgoing{Outgoing::kClose, "", reason});
    WriteNext();
  }

  void OnClientClosed() {
    if (state_ == State::kAwaitStart || state_ == State::kRelaying || state_ == State::kPosting) {
      outcome_ = "client_closed";
      close_code_ = ws_.reason().code;
    }
    Finish();
  }

  // Ends the session without (more of) the close handshake: a broken connection, a write past its
  // deadline, a close that did not finish in time. The outcome of a close already begun stays.
  void Drop(const char* outcome, beast::error_code ec) {
    if (state_ == State::kClosed) return;
    LogInfo("connection dropped", {{"session_id", session_id_}, {"cause", outcome}, {"error", ec.message()}});
    if (state_ != State::kClosing) outcome_ = outcome;
    Finish();
  }

  // The session is over: everything stops, the socket closes.
  void Finish() {
    state_ = State::kClosed;
    StopDialog();
    write_timer_.cancel();
    close_timer_.cancel();
    // A write in progress still reads its frame until its handler runs.
    if (writing_ && !queue_.empty()) {
      queue_.erase(queue_.begin() + 1, queue_.end());
    } else {
      queue_.clear();
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    Ended();
  }

  void ReleaseClient() {
    if (!client_id_.empty()) context_.RemoveClientSession(client_id_);
    client_id_.clear();
  }

  // Accounting and the log line, once.
  void Ended() {
    if (ended_) return;
    ended_ = true;
    if (registration_ != 0) context_.UnregisterSession(registration_);
    ReleaseClient();
    if (counted_) context_.RemoveSession();
    counted_ = false;
    const absl::Duration d = absl::Now() - opened_at_;
    context_.RecordSession(outcome_, d);
    LogInfo("session ended", {{"session_id", session_id_},
                              {"outcome", outcome_},
                              {"close_code", static_cast<int>(close_code_)},
                              {"duration_s", absl::ToDoubleSeconds(d)},
                              {"apdus", apdus_}});
  }

  void Send(Outgoing::Kind kind, std::string data) {
    if (queue_.size() >= kMaxQueuedWrites) {
      // The validator produces at most a few frames per response: a long queue is a bug.
      return Drop("server_error", net::error::no_buffer_space);
    }
    queue_.push_back(Outgoing{kind, std::move(data)});
    WriteNext();
  }

  // Writes the next frame under its own deadline (write_timeout): a client that stops reading is
  // dropped then, and its slots freed, instead of holding them behind a write that never ends.
  // Frames queued together (status frames and the command after them) are written with the socket
  // corked and leave in one segment when the last is written: the phone's stack gets them at once
  // instead of acknowledging the first alone.
  void WriteNext() {
    if (hold_writes_ || writing_ || queue_.empty() || state_ == State::kClosed) return;
    if (queue_.front().kind == Outgoing::kClose) {
      Cork(false);  // the close handshake waits for the client: nothing may stay corked behind it
    } else if (queue_.size() > 1) {
      Cork(true);
    }
    writing_ = true;
    const uint64_t generation = ++write_generation_;
    Arm(write_timer_, options_.write_timeout, [generation](WsSession& s) {
      if (s.writing_ && s.write_generation_ == generation) {
        s.Drop("communication_failed", beast::error_code(net::error::timed_out));
      }
    });
    Outgoing& o = queue_.front();
    if (o.kind == Outgoing::kClose) {
      websocket::close_reason cr(CloseCode(o.reason));
      if (o.reason != CloseReason::kSuccess) cr.reason = std::string(CloseReasonName(o.reason));
      ws_.async_close(cr, beast::bind_front_handler(&WsSession::OnCloseSent, shared_from_this()));
      return;
    }
    ws_.text(o.kind == Outgoing::kText);
    ws_.async_write(net::buffer(o.data), beast::bind_front_handler(&WsSession::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    writing_ = false;
    write_timer_.cancel();
    if (!queue_.empty()) queue_.pop_front();
    if (ec) return Drop("communication_failed", ec);
    if (queue_.empty()) Cork(false);
    WriteNext();
  }

  // TCP_CORK on Linux; elsewhere frames leave one by one (TCP_NODELAY is set on every session).
  void Cork(bool on) {
    if (corked_ == on) return;
    corked_ = on;
#ifdef TCP_CORK
    int value = on ? 1 : 0;
    (void)setsockopt(beast::get_lowest_layer(ws_).socket().native_handle(), IPPROTO_TCP, TCP_CORK, &value,
                     sizeof(value));
#endif
  }

  void OnCloseSent(beast::error_code) {
    writing_ = false;
    Finish();
  }

  websocket::stream<Stream> ws_;
  ConnectionSlot slot_;
  GatewayContext& context_;
  const GatewayOptions& options_;
  ws1::HandshakeQuery query_;
  HeaderList forwarded_;
  beast::flat_buffer buffer_;
  net::steady_timer start_timer_;
  net::steady_timer response_timer_;
  net::steady_timer session_timer_;
  net::steady_timer write_timer_;
  net::steady_timer close_timer_;
  std::string session_id_;
  absl::Time opened_at_;
  State state_ = State::kAwaitStart;
  bool counted_ = false;
  bool ended_ = false;
  uint64_t registration_ = 0;  // with the context, for shutdown
  bool awaiting_response_ = false;
  bool writing_ = false;
  bool hold_writes_ = false;  // queueing one validator event's frames
  bool corked_ = false;
  uint64_t write_generation_ = 0;
  bool validator_done_ = false;
  bool validator_answered_ = false;
  bool validator_retried_ = false;
  bool diagnostics_ = false;
  absl::Time command_sent_at_;
  v1::SessionRequest start_request_;
  std::deque<Outgoing> queue_;
  std::shared_ptr<ValidatorStream> validator_;
  std::shared_ptr<DeliveryCall> delivery_;
  std::string client_id_;
  std::string validation_id_;
  v1::EmrtdResult result_;
  std::string outcome_ = "client_closed";
  uint16_t close_code_ = 0;
  int64_t apdus_ = 0;
};

template <typename Stream>
void Run(Stream&& stream, ConnectionSlot slot, GatewayContext& context, Request req, HeaderList forwarded) {
  std::make_shared<WsSession<Stream>>(std::move(stream), std::move(slot), context, std::move(forwarded))
      ->Accept(std::move(req));
}

}  // namespace

void RunWsSession(beast::tcp_stream&& stream, ConnectionSlot slot, GatewayContext& context, Request req,
                  HeaderList forwarded) {
  Run(std::move(stream), std::move(slot), context, std::move(req), std::move(forwarded));
}

void RunWsSession(TlsStream&& stream, ConnectionSlot slot, GatewayContext& context, Request req, HeaderList forwarded) {
  Run(std::move(stream), std::move(slot), context, std::move(req), std::move(forwarded));
}

}  // namespace docval::gateway
