// The phone of WebSocket API v2 (docs/protocol.md §3), for the end-to-end tests: it opens a virtual
// passport itself (BAC with the MRZ, or PACE with the CAN or the MRZ), reads EF.COM, EF.SOD and every
// data group EF.COM lists, answers the server's Active Authentication challenge with INTERNAL
// AUTHENTICATE, and speaks the v2 messages.
//
// Written from the protocol's description, not from the server's code: the frames and messages are
// built here (no gateway/protocol), the chip is opened with the virtual passport's own test terminal
// (tools/vchip/test_terminal.h), not with DocVal's reader. So a misreading of the description on the
// server side is not mirrored here.
//
// A script can make the phone lie (change a file after reading it, send a signature from another
// session) or break the protocol (send raw frames), so tests can check the verdict each deserves.
#ifndef DOCVAL_TOOLS_PHONE2_V2_PHONE_H_
#define DOCVAL_TOOLS_PHONE2_V2_PHONE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tools/relay/ws_client.h"
#include "tools/vchip/chip_profile.h"
#include "tools/vchip/virtual_chip.h"

namespace docval::phone2 {

// ---- Frames and messages of the phone (docs/protocol.md §3.1, §3.2) ----
// 0x01 | name length | name | bytes
std::string FileFrame(absl::string_view name, absl::string_view bytes);
// 0x02 | raw APDU
std::string ApduFrame(absl::string_view raw);
nlohmann::json StartMessage(const std::string& client_id, const std::string& validation_id,
                            const std::string& platform = "android", bool extended_length = true);
nlohmann::json FinishMessage(bool send_result, const std::optional<std::string>& aa_signature);

// The files a phone read, in read order; names as FILE frames carry them ("com", "sod", "dg1"...).
struct Document {
  std::vector<std::pair<std::string, std::string>> files;
  std::string* Find(absl::string_view name);
  const std::string* Find(absl::string_view name) const;
  void Remove(absl::string_view name);
};

// The phone's own access to the chip.
class PhoneChip {
 public:
  // Opens the chip: PACE when the profile offers it and (`prefer_pace` or it has no BAC), with the CAN
  // when the profile gives the phone one, else the MRZ; BAC otherwise. Uses the access key the
  // profile gives the phone (`client_access_key`), else the chip's own.
  static absl::StatusOr<std::unique_ptr<PhoneChip>> Open(vchip::VirtualChip& chip, const vchip::ChipProfile& profile,
                                                         bool prefer_pace = true);
  ~PhoneChip();

  // EF.COM, EF.SOD and each data group EF.COM lists.
  absl::StatusOr<Document> ReadFiles();
  // INTERNAL AUTHENTICATE over `challenge`: the chip's signature.
  absl::StatusOr<std::string> InternalAuthenticate(const std::string& challenge);
  // The current secure-messaging state as CA_HANDOVER carries it ({algorithm, encKey, macKey, ssc}).
  nlohmann::json SecureMessagingInfo() const;
  // Continues under the keys CA_HANDBACK handed back.
  absl::Status TakeSecureMessaging(const nlohmann::json& info);
  // One raw command to the chip (the server's APDU during Chip Authentication): data || SW.
  absl::StatusOr<std::string> Transmit(const std::string& command);
  int transmitted() const;  // raw commands relayed so far
  // Opens the chip again (after the server's Chip Authentication broke secure messaging).
  absl::Status Reopen();

  struct State;

 private:
  explicit PhoneChip(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

// ---- What the server said ----
struct ServerSaid {
  std::optional<nlohmann::json> accept;
  std::string challenge;                     // ACCEPT's, decoded
  std::optional<nlohmann::json> handback;
  std::vector<std::string> server_files;     // names of the FILE frames the server sent
  std::optional<nlohmann::json> result;      // the whole RESULT message
  std::optional<nlohmann::json> close_message;  // CLOSE {code, reason}
  std::vector<std::string> other;            // anything else, for the test's failure message
  relay::CloseInfo close;                    // the close frame (code 0: none)
};

// Reads until the server's close frame: every message into `said`. An error only for a transport
// failure or `timeout` before the close.
absl::Status ReadUntilClose(relay::WsClient& client, ServerSaid& said, absl::Duration timeout = absl::Seconds(30));

// ---- One session ----
struct Script {
  std::string client_id;
  std::string validation_id = "v2-validation-1";
  std::string platform = "android";
  bool send_result = true;
  bool send_com = true;
  bool hand_over = true;  // CA_HANDOVER after DG14, when the document has DG14
  // A lying phone: changes the files after reading them, before sending.
  std::function<void(Document&)> tamper;
  // A replaying phone: this signature instead of the chip's answer to ACCEPT's challenge.
  std::optional<std::string> replayed_signature;
  // Changes CA_HANDOVER before it is sent (a phone handing over keys that are not the chip's).
  std::function<void(nlohmann::json&)> edit_handover;
  absl::Duration timeout = absl::Seconds(30);
};

struct Session {
  ServerSaid said;
  std::optional<std::string> sent_signature;  // the AA signature FINISH carried
};

// START, ACCEPT, the files (EF.COM, EF.SOD, DG14 and CA_HANDOVER first when there is a DG14, relaying
// the server's APDUs until CA_HANDBACK, then continuing under the keys handed back, or opening the
// chip again when none came back after the server used the chip), the rest of the files (DG1 only
// when the server did not send it), FINISH with the chip's signature over
// ACCEPT's challenge when the document has DG15, then what the server says until it closes. A server
// that closes early ends the session there, with what it said.
absl::StatusOr<Session> RunSession(relay::WsClient& client, PhoneChip& chip, Document document, const Script& script);

}  // namespace docval::phone2

#endif  // DOCVAL_TOOLS_PHONE2_V2_PHONE_H_
