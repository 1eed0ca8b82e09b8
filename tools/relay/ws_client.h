// A blocking WebSocket client that behaves like the phone: for the end-to-end tests, the
// `docval chip` relay and load tests. Every call takes a timeout; nothing waits forever.
// Supports ws:// and wss:// (TLS with verification against a given CA file, or the system store).
#ifndef DOCVAL_TOOLS_RELAY_WS_CLIENT_H_
#define DOCVAL_TOOLS_RELAY_WS_CLIENT_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace docval::relay {

struct WsClientOptions {
  std::vector<std::pair<std::string, std::string>> headers;  // added to the handshake
  std::string ca_file;            // wss: trust this CA (PEM) instead of the system store
  bool permessage_deflate = false;
  absl::Duration connect_timeout = absl::Seconds(10);
};

struct Frame {
  bool text = false;
  std::string data;
};

struct CloseInfo {
  int code = 0;  // 0: no close frame was received
  std::string reason;
};

class WsClient {
 public:
  // `url`: ws://host:port/path?query or wss://... A refused handshake is kUnauthenticated (401),
  // kPermissionDenied (403) or kFailedPrecondition (other statuses), the HTTP status in the message.
  static absl::StatusOr<std::unique_ptr<WsClient>> Connect(const std::string& url, const WsClientOptions& options = {});
  ~WsClient();

  absl::Status SendText(const std::string& text, absl::Duration timeout = absl::Seconds(10));
  absl::Status SendBinary(const std::string& data, absl::Duration timeout = absl::Seconds(10));
  // The next message. kDeadlineExceeded on timeout (the connection is then unusable);
  // kAborted when the server closed (see close_info()); kUnavailable on a broken connection.
  absl::StatusOr<Frame> Read(absl::Duration timeout);
  // Sends a close frame and waits for the server's.
  absl::Status Close(int code, const std::string& reason, absl::Duration timeout = absl::Seconds(5));
  // Drops the TCP connection without a close handshake (a phone losing its network).
  void Abort();
  // The close frame the server sent (after Read returned kAborted).
  const CloseInfo& close_info() const;

  class Impl;

 private:
  explicit WsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Parsed ws/wss URL.
struct WsUrl {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // path and query, "/" at least
};
absl::StatusOr<WsUrl> ParseWsUrl(const std::string& url);

}  // namespace docval::relay

#endif  // DOCVAL_TOOLS_RELAY_WS_CLIENT_H_
