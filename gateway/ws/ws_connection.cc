#include "gateway/ws/ws_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <deque>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace docval::gateway {
namespace {

namespace websocket = beast::websocket;

constexpr size_t kReadChunk = 4096;
constexpr size_t kMaxQueuedWrites = 64;

std::string NewSessionId() {
  static thread_local absl::BitGen gen;
  return absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(gen), absl::kZeroPad16));
}

// A LinkTimer on the connection's strand; `alive` says whether its session still runs.
class StrandTimer final : public LinkTimer {
 public:
  StrandTimer(net::any_io_executor executor, std::function<bool()> alive)
      : timer_(std::move(executor)), alive_(std::move(alive)) {}
  void Start(absl::Duration after, std::function<void()> fire) override {
    timer_.expires_after(ToChrono(after));
    const uint64_t generation = ++generation_;
    // The timer lives in the protocol, which the connection owns: the handler checks the session
    // through `alive` (a weak reference) before touching anything.
    timer_.async_wait([this, alive = alive_, generation, fire = std::move(fire)](beast::error_code ec) {
      if (ec || !alive() || generation != generation_) return;
      fire();
    });
  }
  void Cancel() override {
    ++generation_;
    timer_.cancel();
  }

 private:
  net::steady_timer timer_;
  std::function<bool()> alive_;
  uint64_t generation_ = 0;
};

template <typename Stream>
class WsConnection final : public WsLink, public std::enable_shared_from_this<WsConnection<Stream>> {
  using std::enable_shared_from_this<WsConnection<Stream>>::shared_from_this;
  using std::enable_shared_from_this<WsConnection<Stream>>::weak_from_this;

 public:
  WsConnection(Stream&& stream, ConnectionSlot slot, GatewayContext& context)
      : ws_(std::move(stream)),
        slot_(std::move(slot)),
        context_(context),
        options_(context.options()),
        start_timer_(ws_.get_executor()),
        session_timer_(ws_.get_executor()),
        write_timer_(ws_.get_executor()),
        close_timer_(ws_.get_executor()),
        session_id_(NewSessionId()),
        opened_at_(absl::Now()) {}

  ~WsConnection() override {
    if (protocol_ && !protocol_stopped_) {  // an I/O context torn down under a running session
      protocol_stopped_ = true;
      protocol_->Stop();
    }
    Ended();
  }

  void Accept(Request req, const ProtocolFactory& make_protocol) {
    protocol_ = make_protocol(*this);
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
    ws_.async_accept(req, beast::bind_front_handler(&WsConnection::OnAccept, shared_from_this()));
  }

  // ---- WsLink ----
  const std::string& session_id() const override { return session_id_; }
  absl::Time opened_at() const override { return opened_at_; }
  void SendText(std::string frame) override { Send(Outgoing::kText, std::move(frame)); }
  void SendBinary(std::string frame) override { Send(Outgoing::kBinary, std::move(frame)); }
  bool ending() const override { return state_ != State::kOpen; }
  void BeginBatch() override { hold_writes_ = true; }
  void EndBatch() override {
    hold_writes_ = false;
    WriteNext();
  }
  void StartMessageReceived() override {
    start_received_ = true;
    start_timer_.cancel();
  }
  bool ClaimClient(const std::string& client_id) override {
    if (!client_id_.empty() || ending() || !context_.TryAddClientSession(client_id)) return false;
    client_id_ = client_id;
    return true;
  }
  std::unique_ptr<LinkTimer> NewTimer() override {
    return std::make_unique<StrandTimer>(ws_.get_executor(), [weak = weak_from_this()] {
      auto self = weak.lock();
      return self != nullptr && self->state_ != State::kClosed;
    });
  }
  StrandPoster Strand() override {
    return [weak = weak_from_this(), executor = ws_.get_executor()](std::function<void()> task) {
      net::post(executor, [weak, task = std::move(task)] {
        auto self = weak.lock();
        if (self && self->state_ != State::kClosed) task();
      });
    };
  }

  // Sends the close notice and then the close frame; the socket is closed close_timeout later at the
  // latest, whatever is pending.
  void Close(SessionClose close) override {
    if (ending()) return;
    state_ = State::kClosing;
    outcome_ = close.outcome;
    close_code_ = close.code;
    StopDialog();
    Arm(close_timer_, options_.close_timeout,
        [](WsConnection& s) { s.Drop("close_timeout", beast::error_code(net::error::timed_out)); });
    Send(Outgoing::kText, std::move(close.notice));
    queue_.push_back(Outgoing{Outgoing::kClose, "", close.code, std::move(close.phrase)});
    WriteNext();
  }

 private:
  enum class State { kOpen, kClosing, kClosed };
  struct Outgoing {
    enum Kind { kText, kBinary, kClose } kind;
    std::string data;
    uint16_t code = 1000;
    std::string phrase;
  };

  void CloseFor(CloseReason reason) { Close(protocol_->CloseFor(reason)); }

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
        // The drain is over: the close notice and the close frame, then the socket at the latest
        // close_timeout later (a close already begun keeps its own reason and timer).
        if (auto self = weak.lock(); self && !self->ending()) self->CloseFor(CloseReason::kServerShuttingDown);
      });
    });
    Arm(session_timer_, options_.session_timeout, [](WsConnection& s) {
      if (!s.ending()) s.CloseFor(CloseReason::kMaxSessionTimeExceeded);
    });
    DoRead();
    if (!counted_ || context_.draining()) return CloseFor(CloseReason::kTryAgainLater);
    Arm(start_timer_, options_.start_message_timeout, [](WsConnection& s) {
      if (!s.start_received_ && !s.ending()) s.CloseFor(CloseReason::kTimeoutWaitingForStartMessage);
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
    ws_.async_read_some(buffer_, kReadChunk, beast::bind_front_handler(&WsConnection::OnRead, shared_from_this()));
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
    if (buffer_.size() > protocol_->max_message_bytes(text)) {
      buffer_.consume(buffer_.size());
      CloseFor(CloseReason::kMessageTooBig);
      return DoRead();
    }
    if (!ws_.is_message_done()) return DoRead();
    std::string message = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    protocol_->OnMessage(text, std::move(message));
    DoRead();
  }

  // The dialog is over: stops the connection's dialog timers and the protocol, and gives the
  // client's place back.
  void StopDialog() {
    start_timer_.cancel();
    session_timer_.cancel();
    if (protocol_ && !protocol_stopped_) {
      protocol_stopped_ = true;
      protocol_->Stop();
    }
    ReleaseClient();
  }

  void OnClientClosed() {
    if (!ending()) {
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
    const char* protocol = protocol_ ? protocol_->name() : "";
    context_.RecordSession(protocol, outcome_, d);
    LogInfo("session ended", {{"session_id", session_id_},
                              {"protocol", protocol},
                              {"outcome", outcome_},
                              {"close_code", static_cast<int>(close_code_)},
                              {"duration_s", absl::ToDoubleSeconds(d)},
                              {"apdus", protocol_ ? protocol_->apdus() : 0}});
  }

  void Send(typename Outgoing::Kind kind, std::string data) {
    if (state_ == State::kClosed) return;
    if (queue_.size() >= kMaxQueuedWrites) {
      // A protocol writes at most a few frames per message it receives: a long queue is a bug.
      return Drop("server_error", net::error::no_buffer_space);
    }
    queue_.push_back(Outgoing{kind, std::move(data)});
    WriteNext();
  }

  // Writes the next frame under its own deadline (write_timeout): a client that stops reading is
  // dropped then, and its slots freed, instead of holding them behind a write that never ends.
  // Frames queued together (a batch: status frames and the command after them) are written with the
  // socket corked and leave in one segment when the last is written: the phone's stack gets them at
  // once instead of acknowledging the first alone.
  void WriteNext() {
    if (hold_writes_ || writing_ || queue_.empty() || state_ == State::kClosed) return;
    if (queue_.front().kind == Outgoing::kClose) {
      Cork(false);  // the close handshake waits for the client: nothing may stay corked behind it
    } else if (queue_.size() > 1) {
      Cork(true);
    }
    writing_ = true;
    const uint64_t generation = ++write_generation_;
    Arm(write_timer_, options_.write_timeout, [generation](WsConnection& s) {
      if (s.writing_ && s.write_generation_ == generation) {
        s.Drop("communication_failed", beast::error_code(net::error::timed_out));
      }
    });
    Outgoing& o = queue_.front();
    if (o.kind == Outgoing::kClose) {
      websocket::close_reason cr(o.code);
      cr.reason = o.phrase;
      ws_.async_close(cr, beast::bind_front_handler(&WsConnection::OnCloseSent, shared_from_this()));
      return;
    }
    ws_.text(o.kind == Outgoing::kText);
    ws_.async_write(net::buffer(o.data), beast::bind_front_handler(&WsConnection::OnWrite, shared_from_this()));
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
  beast::flat_buffer buffer_;
  net::steady_timer start_timer_;
  net::steady_timer session_timer_;
  net::steady_timer write_timer_;
  net::steady_timer close_timer_;
  std::string session_id_;
  absl::Time opened_at_;
  State state_ = State::kOpen;
  bool start_received_ = false;
  bool counted_ = false;
  bool ended_ = false;
  bool protocol_stopped_ = false;
  uint64_t registration_ = 0;  // with the context, for shutdown
  bool writing_ = false;
  bool hold_writes_ = false;  // queueing one batch of frames
  bool corked_ = false;
  uint64_t write_generation_ = 0;
  std::deque<Outgoing> queue_;
  std::string client_id_;
  std::string outcome_ = "client_closed";
  uint16_t close_code_ = 0;
  // Last: destroyed first, while the connection's members its timers and tasks refer to still exist.
  std::unique_ptr<WsProtocol> protocol_;
};

template <typename Stream>
void Run(Stream&& stream, ConnectionSlot slot, GatewayContext& context, Request req, const ProtocolFactory& make) {
  std::make_shared<WsConnection<Stream>>(std::move(stream), std::move(slot), context)->Accept(std::move(req), make);
}

}  // namespace

void RunWsConnection(beast::tcp_stream&& stream, ConnectionSlot slot, GatewayContext& context, Request req,
                     ProtocolFactory make_protocol) {
  Run(std::move(stream), std::move(slot), context, std::move(req), make_protocol);
}

void RunWsConnection(TlsStream&& stream, ConnectionSlot slot, GatewayContext& context, Request req,
                     ProtocolFactory make_protocol) {
  Run(std::move(stream), std::move(slot), context, std::move(req), make_protocol);
}

}  // namespace docval::gateway
