// `docval chip --vpcd HOST:PORT`: the virtual passport as a card in a PC/SC reader, through the
// virtual smart card reader driver vpcd (vsmartcard; Debian package `vsmartcard-vpcd`). pcscd loads
// vpcd as the driver of a configured reader; vpcd listens on a TCP port per reader slot, and the card
// is "in the reader" while a program (here: the virtual passport) is connected to that port. So
// `docval pcsc` — or any PC/SC program — talks to the virtual passport through the real PC/SC stack.
//
// The vpcd socket protocol, both directions: a message is a 2-byte big-endian length and that many
// bytes. From vpcd, a 1-byte message is a control code — 0 power off, 1 power on, 2 reset, 4 "send the
// ATR" — and anything longer is a command APDU. The card answers the ATR request with its ATR and a
// command with its response APDU (data || SW1 SW2); power and reset codes get no answer. vpcd asks for
// the ATR every few hundred milliseconds to see whether the card is still there; the card leaves the
// reader by closing the connection.
#ifndef DOCVAL_TOOLS_CHIP_CLI_VPCD_CARD_H_
#define DOCVAL_TOOLS_CHIP_CLI_VPCD_CARD_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tools/vchip/virtual_chip.h"

namespace docval::chip_cli {

using emrtd::Bytes;
using emrtd::ByteSpan;

// vpcd control codes (1-byte messages).
inline constexpr uint8_t kVpcdPowerOff = 0;
inline constexpr uint8_t kVpcdPowerOn = 1;
inline constexpr uint8_t kVpcdReset = 2;
inline constexpr uint8_t kVpcdGetAtr = 4;

// The ATR a PC/SC reader reports for an ISO/IEC 14443-4 type A card (PC/SC part 3 §3.1.3.2.3.1:
// 3B 8n 80 01, the historical bytes, TCK). The historical bytes are a compact-TLV card-capabilities
// object (ISO/IEC 7816-4 §12.1.1.9) whose third byte announces command chaining and, when
// `extended_length`, extended Lc/Le fields.
Bytes ContactlessAtr(bool extended_length);

// One vpcd message in, what the card does about it. Pure: no sockets, no sleeping.
class VpcdCard {
 public:
  VpcdCard(vchip::VirtualChip& chip, Bytes atr) : chip_(chip), atr_(std::move(atr)) {}

  struct Reaction {
    std::optional<Bytes> reply;  // the message to send back (without the length prefix), if any
    int64_t delay_ms = 0;        // how long a real chip would have taken (the caller waits)
    bool left_field = false;     // the chip stopped answering: the card leaves the reader
    std::string event;           // for the log: "power on", "reset", ... ("" for ATR polls and APDUs)
  };
  // `message` is one vpcd message without its length prefix. An empty message or an unknown control
  // code gets no reply (and is named in `event`).
  Reaction Handle(ByteSpan message);

  int64_t commands() const { return commands_; }
  bool powered() const { return powered_; }

 private:
  vchip::VirtualChip& chip_;
  Bytes atr_;
  bool powered_ = false;
  int64_t commands_ = 0;
};

struct VpcdOptions {
  // How long to keep trying to reach vpcd (pcscd may still be starting), and how long a silence
  // from vpcd may last (it polls for the card several times a second while the reader is in use).
  absl::Duration connect_timeout = absl::Seconds(30);
  absl::Duration idle_timeout = absl::Seconds(60);
  std::function<void(const std::string&)> on_event;  // one line per power event, and at the end
};

// Connects to vpcd at `host`:`port` (the card enters the reader) and answers it until vpcd closes the
// connection (OK), the chip leaves the field (OK: the connection is closed, the card is removed), or
// an error: vpcd unreachable within connect_timeout, silent for idle_timeout, or a broken connection.
absl::Status ServeVpcd(const std::string& host, int port, vchip::VirtualChip& chip, const VpcdOptions& options);

// "HOST:PORT" (or "[v6]:PORT") as given to --vpcd.
absl::Status ParseHostPort(const std::string& text, std::string* host, int* port);

}  // namespace docval::chip_cli

#endif  // DOCVAL_TOOLS_CHIP_CLI_VPCD_CARD_H_
