#include "tools/pcsc/pcsc_reader.h"

#include <algorithm>
#include <cstring>

#include <PCSC/reader.h>
#include <PCSC/winscard.h>

#include "absl/strings/str_cat.h"
#include "tools/pcsc/reader_limits.h"

namespace docval::pcsc {
namespace {

// pcsc-lite's name of the pseudo reader whose state counts the readers (reader added or removed).
constexpr char kPnpReader[] = "\\\\?PnP?\\Notification";

bool ServiceGone(LONG rv) {
  return rv == static_cast<LONG>(SCARD_E_NO_SERVICE) || rv == static_cast<LONG>(SCARD_E_SERVICE_STOPPED) ||
         rv == static_cast<LONG>(SCARD_E_INVALID_HANDLE) || rv == static_cast<LONG>(SCARD_F_COMM_ERROR);
}

absl::Status Error(const char* what, LONG rv) {
  std::string msg = absl::StrCat(what, ": ", pcsc_stringify_error(rv));
  if (ServiceGone(rv)) return absl::UnavailableError(msg);
  return absl::InternalError(msg);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PcscContext>> PcscContext::Establish() {
  SCARDCONTEXT ctx = 0;
  LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
  if (rv != SCARD_S_SUCCESS) return absl::UnavailableError(absl::StrCat("PC/SC: ", pcsc_stringify_error(rv)));
  return std::unique_ptr<PcscContext>(new PcscContext(ctx));
}

PcscContext::~PcscContext() { SCardReleaseContext(static_cast<SCARDCONTEXT>(handle_)); }

absl::StatusOr<std::vector<ReaderState>> PcscContext::Readers() {
  const SCARDCONTEXT ctx = static_cast<SCARDCONTEXT>(handle_);
  DWORD len = 0;
  LONG rv = SCardListReaders(ctx, nullptr, nullptr, &len);
  names_.clear();
  event_states_.clear();
  if (rv == static_cast<LONG>(SCARD_E_NO_READERS_AVAILABLE)) return std::vector<ReaderState>{};
  if (rv != SCARD_S_SUCCESS) return Error("listing the readers", rv);
  std::string multi(len, '\0');
  rv = SCardListReaders(ctx, nullptr, multi.data(), &len);
  if (rv == static_cast<LONG>(SCARD_E_NO_READERS_AVAILABLE)) return std::vector<ReaderState>{};
  if (rv == static_cast<LONG>(SCARD_E_INSUFFICIENT_BUFFER)) return std::vector<ReaderState>{};  // changed: next round
  if (rv != SCARD_S_SUCCESS) return Error("listing the readers", rv);
  multi.resize(std::min<size_t>(len, multi.size()));
  for (size_t i = 0; i < multi.size() && multi[i] != '\0';) {
    size_t end = multi.find('\0', i);
    if (end == std::string::npos) end = multi.size();
    names_.push_back(multi.substr(i, end - i));
    i = end + 1;
  }
  std::vector<SCARD_READERSTATE> states(names_.size());
  for (size_t i = 0; i < names_.size(); ++i) {
    states[i].szReader = names_[i].c_str();
    states[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  if (!states.empty()) {
    rv = SCardGetStatusChange(ctx, 0, states.data(), static_cast<DWORD>(states.size()));
    if (rv != SCARD_S_SUCCESS && rv != static_cast<LONG>(SCARD_E_TIMEOUT)) return Error("reading the readers", rv);
  }
  std::vector<ReaderState> out;
  for (size_t i = 0; i < names_.size(); ++i) {
    const DWORD ev = states[i].dwEventState;
    event_states_.push_back(ev & ~static_cast<DWORD>(SCARD_STATE_CHANGED));
    ReaderState r;
    r.name = names_[i];
    r.card_present = (ev & SCARD_STATE_PRESENT) != 0;
    r.card_in_use = (ev & SCARD_STATE_EXCLUSIVE) != 0;
    r.mute = (ev & SCARD_STATE_MUTE) != 0;
    const DWORD atr_len = std::min<DWORD>(states[i].cbAtr, sizeof(states[i].rgbAtr));
    if (r.card_present) r.atr.assign(states[i].rgbAtr, states[i].rgbAtr + atr_len);
    out.push_back(std::move(r));
  }
  return out;
}

absl::Status PcscContext::WaitForChange(absl::Duration timeout) {
  std::vector<SCARD_READERSTATE> states(names_.size() + 1);
  for (size_t i = 0; i < names_.size(); ++i) {
    states[i].szReader = names_[i].c_str();
    states[i].dwCurrentState = event_states_[i];
  }
  // The pseudo reader's current state holds the reader count in its upper 16 bits (pcsc-lite).
  states.back().szReader = kPnpReader;
  states.back().dwCurrentState = static_cast<DWORD>(names_.size()) << 16;
  LONG rv = SCardGetStatusChange(static_cast<SCARDCONTEXT>(handle_),
                                 static_cast<DWORD>(std::max<int64_t>(1, absl::ToInt64Milliseconds(timeout))),
                                 states.data(), static_cast<DWORD>(states.size()));
  if (rv == SCARD_S_SUCCESS || rv == static_cast<LONG>(SCARD_E_TIMEOUT)) return absl::OkStatus();
  if (rv == static_cast<LONG>(SCARD_E_UNKNOWN_READER)) return absl::OkStatus();  // a reader went away
  return Error("waiting for a reader or a card", rv);
}

absl::StatusOr<std::unique_ptr<PcscCard>> PcscContext::Connect(const std::string& reader) {
  SCARDHANDLE card = 0;
  DWORD protocol = 0;
  LONG rv = SCardConnect(static_cast<SCARDCONTEXT>(handle_), reader.c_str(), SCARD_SHARE_EXCLUSIVE,
                         SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, &card, &protocol);
  if (rv != SCARD_S_SUCCESS) return Error(absl::StrCat("connecting to the card in ", reader).c_str(), rv);
  uint8_t atr[MAX_ATR_SIZE];
  DWORD atr_len = sizeof(atr);
  DWORD state = 0, active = 0;
  char name[MAX_READERNAME];
  DWORD name_len = sizeof(name);
  rv = SCardStatus(card, name, &name_len, &state, &active, atr, &atr_len);
  if (rv != SCARD_S_SUCCESS) {
    SCardDisconnect(card, SCARD_LEAVE_CARD);
    return Error("reading the card's ATR", rv);
  }
  atr_len = std::min<DWORD>(atr_len, sizeof(atr));
  return std::unique_ptr<PcscCard>(new PcscCard(card, protocol, reader, emrtd::Bytes(atr, atr + atr_len)));
}

PcscCard::~PcscCard() { SCardDisconnect(static_cast<SCARDHANDLE>(handle_), SCARD_RESET_CARD); }

const char* PcscCard::protocol() const { return protocol_ == SCARD_PROTOCOL_T0 ? "T=0" : "T=1"; }

absl::StatusOr<emrtd::Bytes> PcscCard::Transmit(emrtd::ByteSpan command) {
  const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  emrtd::Bytes response(MAX_BUFFER_SIZE_EXTENDED);
  DWORD len = static_cast<DWORD>(response.size());
  LONG rv = SCardTransmit(static_cast<SCARDHANDLE>(handle_), pci, command.data(), static_cast<DWORD>(command.size()),
                          nullptr, response.data(), &len);
  if (rv != SCARD_S_SUCCESS) return absl::UnavailableError(absl::StrCat("PC/SC: ", pcsc_stringify_error(rv)));
  if (len < 2 || len > response.size()) {
    return absl::UnavailableError(absl::StrCat("the reader returned ", len, " bytes, not a response APDU"));
  }
  response.resize(len);
  return response;
}

std::optional<uint32_t> PcscCard::ReaderMaxApduDataSize() {
  const SCARDHANDLE card = static_cast<SCARDHANDLE>(handle_);
  uint8_t buf[256];
  DWORD len = 0;
  if (SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, nullptr, 0, buf, sizeof(buf), &len) != SCARD_S_SUCCESS) {
    return std::nullopt;
  }
  std::optional<uint32_t> code =
      FindFeature(emrtd::ByteSpan(buf, std::min<size_t>(len, sizeof(buf))), kFeatureGetTlvProperties);
  if (!code.has_value()) return std::nullopt;
  len = 0;
  if (SCardControl(card, *code, nullptr, 0, buf, sizeof(buf), &len) != SCARD_S_SUCCESS) return std::nullopt;
  return MaxApduDataSize(emrtd::ByteSpan(buf, std::min<size_t>(len, sizeof(buf))));
}

}  // namespace docval::pcsc
