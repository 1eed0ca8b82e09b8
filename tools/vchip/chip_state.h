// VirtualChip::State: the virtual chip's configuration, its session state and the command handlers.
//
// Internal to the virtual chip: only virtual_chip.cc and chip_auth.cc include this header; everything
// else uses VirtualChip (virtual_chip.h). The handlers are split by responsibility:
//   virtual_chip.cc  the public API, file access (SELECT, READ BINARY even/odd), BAC (GET CHALLENGE,
//                    EXTERNAL AUTHENTICATE), command chaining, GET RESPONSE, dispatch and the secure
//                    messaging wrapping of answers.
//   chip_auth.cc     MSE (Set AT for PACE and CA, Set KAT), GENERAL AUTHENTICATE (PACE GM / IM / CAM
//                    and Chip Authentication) and INTERNAL AUTHENTICATE (Active Authentication).
// Each handler answers one plain (already unwrapped, already de-chained) command with data and a
// status word. Handlers that agree new session keys stage them in pending_sm / pending_access /
// pending_chip_authenticated; CommitPending() installs them after the answer was protected with the
// old keys. Not thread-safe (one chip per session).
#ifndef DOCVAL_TOOLS_VCHIP_CHIP_STATE_H_
#define DOCVAL_TOOLS_VCHIP_CHIP_STATE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <botan/bigint.h>
#include <botan/pk_keys.h>

#include "tools/vchip/chip_apdu.h"
#include "tools/vchip/chip_keys.h"
#include "tools/vchip/chip_params.h"
#include "tools/vchip/chip_profile.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/chip_sm.h"
#include "tools/vchip/chip_tlv.h"
#include "tools/vchip/virtual_chip.h"

namespace docval::vchip {

// A handler's answer before secure messaging: the response data and the status word.
struct Answer {
  Bytes data;
  uint16_t sw = kSwOk;
};

// A PACE setting of the profile with its parsed protocol and standardized domain parameters.
struct LoadedPace {
  PaceSetting setting;
  PaceProtocol protocol;
  ChipGroup group;
};

// A Chip Authentication key of the profile with its parsed protocol and loaded key.
struct LoadedCaKey {
  std::string oid;
  CaProtocol protocol;
  std::optional<int> key_id;
  KeyAgreementKey key;
};

// Where a PACE attempt stands: after MSE:Set AT, after the encrypted nonce went out, after the
// mapping, after the key agreement (waiting for the terminal's authentication token).
enum class PaceStep { kIdle, kSetAt, kNonceSent, kMapped, kAgreed };

struct PaceSession {
  PaceStep step = PaceStep::kIdle;
  const LoadedPace* pace = nullptr;
  Bytes password;  // f(pi): SHA-1 of the MRZ information, or the CAN
  Bytes nonce;
  Bytes pk_map_ifd;
  Botan::BigInt sk_map;
  ChipGroup mapped;
  Bytes pk_ifd;
  Bytes pk_ic;
  Bytes ks_enc, ks_mac;
};

struct VirtualChip::State {
  static Answer Status(uint16_t sw) { return Answer{{}, sw}; }
  static Answer Ok(Bytes data) { return Answer{std::move(data), kSwOk}; }

  // Configuration, fixed by VirtualChip::Create().
  ChipProfile profile;
  std::unique_ptr<ChipRandom> rng;
  std::vector<LoadedPace> pace;
  std::vector<LoadedCaKey> ca_keys;
  std::unique_ptr<Botan::Private_Key> aa_key;
  std::function<void(const ChipCommand&)> observer;  // VirtualChip::set_command_observer

  // Session state.
  int64_t commands = 0;
  bool in_app = false;
  const ChipFile* current_ef = nullptr;
  std::optional<Bytes> challenge;
  std::optional<ChipSecureChannel> sm;
  std::optional<ChipSecureChannel> pending_sm;  // installed after the current answer went out
  ChipAccess access = ChipAccess::kNone;
  ChipAccess pending_access = ChipAccess::kNone;
  bool chip_authenticated = false;
  bool pending_chip_authenticated = false;
  PaceSession pace_session;
  const LoadedCaKey* ca_selected = nullptr;
  enum class LastMse { kNone, kPace, kCa } last_mse = LastMse::kNone;
  Bytes chain_data;
  std::optional<uint8_t> chain_ins;
  Bytes pending_response;

  // Drops the secure session (keys, access, CA); EndSession() plus selection and protocol state.
  void EndSession();
  void ResetAll();

  // --- virtual_chip.cc: files ------------------------------------------------------------------
  const ChipFile* FindByFid(uint16_t fid, bool mf) const;
  const ChipFile* FindBySfi(uint8_t sfi) const;
  bool MayRead(const ChipFile& f) const;
  Answer Select(const ChipCommand& c);
  // Up to Ne bytes of `f` from `offset`; `odd`: wrapped in DO'53' (READ BINARY with odd INS).
  Answer ReadFrom(const ChipFile& f, size_t offset, const ChipCommand& c, bool odd);
  Answer ReadBinary(const ChipCommand& c);
  Answer ReadBinaryOdd(const ChipCommand& c);

  // --- virtual_chip.cc: BAC --------------------------------------------------------------------
  Answer GetChallenge(const ChipCommand& c);
  Answer ExternalAuthenticate(const ChipCommand& c);

  // --- chip_auth.cc ----------------------------------------------------------------------------
  // MSE: C1A4 starts a PACE attempt, 41A4 selects a CA key, 41A6 (Set KAT) runs CA with 3DES.
  Answer Mse(const ChipCommand& c);
  // Chip Authentication with `k` and the terminal's ephemeral public key; stages the new keys.
  Answer ChipAuthenticate(const LoadedCaKey& k, ByteSpan pk_ifd_encoded);
  // CA after MSE:Set AT for CA, otherwise the next PACE step; a failed PACE step ends the attempt.
  Answer GeneralAuthenticate(const ChipCommand& c);
  Answer PaceStepAnswer(const std::vector<TlvObject>& dos);
  // The CA key PACE-CAM uses with `lp`: an ECDH key on the PACE curve, or nullptr.
  const LoadedCaKey* CamKey(const LoadedPace& lp) const;
  Answer InternalAuthenticate(const ChipCommand& c);

  // --- virtual_chip.cc: dispatch ---------------------------------------------------------------
  // Command chaining: a command with CLA b5 set whose data object is not complete is kept and
  // answered 9000; the next commands with the same INS add to it until it is complete. (PACE's own use
  // of CLA 10 — one complete GENERAL AUTHENTICATE per step — passes straight through.)
  Answer Dispatch(const ChipCommand& in);
  // GET RESPONSE: the rest of a plain answer that did not fit the short Le.
  Bytes GetResponse(const ChipCommand& c);
  // 9000, or 61xx while a part of a plain answer waits for GET RESPONSE.
  uint16_t MoreData() const;
  // Under SM: the rest of the answer that GET RESPONSE asks for (Answer1 cuts it to size).
  Answer NextPart();
  // The most plain bytes whose protected response fits a short response (256 data bytes).
  static size_t MaxPlainInShortProtected(size_t block, bool odd_ins);
  Answer DispatchOne(const ChipCommand& c);
  // Installs the keys staged by the handler that just answered.
  void CommitPending();
  // One command APDU in, one response APDU out (secure messaging, chaining, GET RESPONSE).
  Bytes Answer1(ByteSpan raw);
};

}  // namespace docval::vchip

#endif  // DOCVAL_TOOLS_VCHIP_CHIP_STATE_H_
