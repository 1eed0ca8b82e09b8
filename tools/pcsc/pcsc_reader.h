// The PC/SC calls of `docval pcsc` (pcsc-lite's winscard API, served by pcscd): the readers and their
// cards, waiting for a change, and one card held exclusively for a session. Thin: decisions live in
// pcsc_options.h and reader_limits.h. Every wait takes a timeout.
//
// pcsc-lite finds pcscd through its socket (default /run/pcscd/pcscd.comm; the environment variable
// PCSCLITE_CSOCK_NAME names another, as the end-to-end tests do for a private pcscd).
#ifndef DOCVAL_TOOLS_PCSC_PCSC_READER_H_
#define DOCVAL_TOOLS_PCSC_PCSC_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/pcsc/pcsc_options.h"
#include "validator/emrtd/bytes.h"

namespace docval::pcsc {

class PcscCard;

// One PC/SC context. kUnavailable from any call means the service is gone (not running, stopped or
// restarted): drop the context and establish a new one.
class PcscContext {
 public:
  static absl::StatusOr<std::unique_ptr<PcscContext>> Establish();
  ~PcscContext();
  PcscContext(const PcscContext&) = delete;
  PcscContext& operator=(const PcscContext&) = delete;

  // The readers and their cards now (empty when there is no reader).
  absl::StatusOr<std::vector<ReaderState>> Readers();
  // Returns when a reader was added or removed, a card state changed since the last Readers(), or
  // `timeout` passed (OK in every case: read Readers() again).
  absl::Status WaitForChange(absl::Duration timeout);
  // Connects to the card in `reader` exclusively (no other program may send APDUs during the
  // session), T=1 or T=0 as the card offers.
  absl::StatusOr<std::unique_ptr<PcscCard>> Connect(const std::string& reader);

 private:
  explicit PcscContext(int64_t handle) : handle_(handle) {}
  int64_t handle_;
  std::vector<std::string> names_;           // as of the last Readers()
  std::vector<unsigned long> event_states_;  // per name, as of the last Readers()
};

class PcscCard {
 public:
  // Resets the card on the way out, so the chip's secure-messaging session ends with the session.
  ~PcscCard();
  PcscCard(const PcscCard&) = delete;
  PcscCard& operator=(const PcscCard&) = delete;

  // One command APDU, the response (data || SW1 SW2). kUnavailable: the card left the reader, was
  // reset by someone else, or the reader is gone — the chip's session is over.
  absl::StatusOr<emrtd::Bytes> Transmit(emrtd::ByteSpan command);
  const emrtd::Bytes& atr() const { return atr_; }
  const std::string& reader() const { return reader_; }
  const char* protocol() const;  // "T=0" or "T=1"
  // dwMaxAPDUDataSize when the reader answers PC/SC part 10 FEATURE_GET_TLV_PROPERTIES.
  std::optional<uint32_t> ReaderMaxApduDataSize();

 private:
  friend class PcscContext;
  PcscCard(int64_t handle, unsigned long protocol, std::string reader, emrtd::Bytes atr)
      : handle_(handle), protocol_(protocol), reader_(std::move(reader)), atr_(std::move(atr)) {}
  int64_t handle_;
  unsigned long protocol_;
  std::string reader_;
  emrtd::Bytes atr_;
};

}  // namespace docval::pcsc

#endif  // DOCVAL_TOOLS_PCSC_PCSC_READER_H_
