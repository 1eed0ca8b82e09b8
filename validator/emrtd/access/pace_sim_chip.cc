#include "validator/emrtd/access/pace_sim_chip.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/kdf.h"
#include "validator/emrtd/crypto/mac.h"
#include "validator/emrtd/crypto/pace_mapping.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd::testing {

ResponseApdu PaceSimChip::Refuse(uint16_t sw, std::string why) {
  complaint_ = std::move(why);
  return ResponseApdu{{}, sw};
}

absl::StatusOr<Bytes> PaceSimChip::operator()(ByteSpan raw) {
  ASSIGN_OR_RETURN(CommandApdu command, CommandApdu::Parse(raw));
  if (step_ == 5) {
    ++commands_after_pace_;
    ASSIGN_OR_RETURN(CommandApdu plain, sm_->UnwrapCommand(command));
    ResponseApdu answer = config_.after_pace ? config_.after_pace(plain) : ResponseApdu{{}, 0x9000};
    ASSIGN_OR_RETURN(ResponseApdu wrapped, sm_->WrapResponse(answer));
    return wrapped.Encode();
  }
  ASSIGN_OR_RETURN(ResponseApdu response, Handle(command));
  return response.Encode();
}

absl::StatusOr<ResponseApdu> PaceSimChip::Handle(const CommandApdu& c) {
  const PaceParameters& params = config_.params;
  const KeyAlgorithm alg = params.protocol.cipher;
  const CipherFamily family = FamilyOf(alg);
  const size_t block = BlockSize(family);

  // A new MSE:Set AT before the protocol is through starts it again (the reader abandons a run whose
  // DH values would encode ambiguously, docs/pace.md).
  if (step_ == 0 || (step_ < 5 && c.cla == 0x00 && c.ins == 0x22)) {
    if (c.cla != 0x00 || c.ins != 0x22 || c.p1 != 0xC1 || c.p2 != 0xA4) return Refuse(0x6D00, "expected MSE:Set AT");
    if (c.ne != 0) return Refuse(0x6700, "MSE:Set AT with Le");
    ASSIGN_OR_RETURN(Bytes oid, EncodeOid(params.protocol_oid));
    const Bytes* oid_do = nullptr;
    const Bytes* password_do = nullptr;
    const Bytes* id_do = nullptr;
    std::vector<std::pair<uint32_t, Bytes>> dos;
    TlvReader r(c.data);
    while (!r.AtEnd()) {
      absl::StatusOr<Tlv> t = r.Next();
      if (!t.ok()) return Refuse(0x6A80, "malformed MSE data");
      dos.emplace_back(t->tag, Bytes(t->value.begin(), t->value.end()));
    }
    for (const auto& [tag, value] : dos) {
      if (tag == 0x80) oid_do = &value;
      if (tag == 0x83) password_do = &value;
      if (tag == 0x84) id_do = &value;
    }
    if (oid_do == nullptr || *oid_do != oid) return Refuse(0x6A80, "protocol OID");
    if (password_do == nullptr || password_do->size() != 1 ||
        (*password_do)[0] != static_cast<uint8_t>(config_.password.type)) {
      return Refuse(0x6A88, "password reference");
    }
    if (params.parameter_id.has_value()) {
      if (id_do == nullptr) {
        if (config_.require_parameter_id) return Refuse(0x6A80, "no parameter id");
      } else if (id_do->size() != 1 || (*id_do)[0] != *params.parameter_id) {
        return Refuse(0x6A88, "parameter id");
      }
    }
    if (config_.mse_status != 0x9000 && (config_.mse_status & 0xFFF0) != 0x63C0) {
      return Refuse(config_.mse_status, "configured MSE status");
    }
    step_ = 1;
    return ResponseApdu{{}, config_.mse_status};
  }

  // GENERAL AUTHENTICATE.
  if (c.ins != 0x86 || c.p1 != 0 || c.p2 != 0) return Refuse(0x6D00, "expected GENERAL AUTHENTICATE");
  if (c.cla != (step_ < 4 ? 0x10 : 0x00)) return Refuse(0x6883, "command chaining");
  if (c.ne == 0) return Refuse(0x6700, "GENERAL AUTHENTICATE without Le");
  absl::StatusOr<DynamicAuthenticationData> in = ParseDynamicAuthenticationData(c.data);
  if (!in.ok()) return Refuse(0x6A80, "malformed 7C");

  if (step_ == 1) {
    if (!in->objects.empty()) return Refuse(0x6A80, "step 1 data");
    size_t length = config_.nonce_length;
    if (length == 0) {
      length = block;
      if (params.protocol.mapping == PaceMapping::kIntegrated) {
        while (length < KeyLength(alg)) length += block;
      }
    }
    ASSIGN_OR_RETURN(nonce_, config_.rng->Bytes("chip.nonce", length));
    const SecureBytes k_pi = PacePasswordKey(alg, config_.password);
    ASSIGN_OR_RETURN(Bytes z, CbcEncrypt(family, k_pi, Bytes(block, 0), nonce_));
    step_ = 2;
    return ResponseApdu{EncodeDynamicAuthenticationData({{0x80, z}}), 0x9000};
  }

  if (step_ == 2) {
    const Bytes* m = in->Find(0x81);
    if (m == nullptr) return Refuse(0x6A80, "no 81");
    if (params.protocol.mapping == PaceMapping::kIntegrated) {
      absl::StatusOr<KeyAgreementGroup> g = MapIntegrated(params.domain, alg, nonce_, *m);
      if (!g.ok()) return Refuse(0x6A80, std::string(g.status().message()));
      mapped_ = *std::move(g);
      step_ = 3;
      return ResponseApdu{EncodeDynamicAuthenticationData({{0x82, {}}}), 0x9000};
    }
    ASSIGN_OR_RETURN(KeyAgreementKeyPair kp, params.domain.GenerateKeyPair(*config_.rng, "chip.mapping_key"));
    absl::StatusOr<GenericMappingResult> g = MapGeneric(params.domain, nonce_, kp.private_key, *m);
    if (!g.ok()) return Refuse(0x6A80, std::string(g.status().message()));
    mapping_private_ = kp.private_key;
    chip_mapping_public_ = kp.public_key;
    mapped_ = std::move(g->mapped);
    step_ = 3;
    return ResponseApdu{EncodeDynamicAuthenticationData({{0x82, kp.public_key}}), 0x9000};
  }

  if (step_ == 3) {
    const Bytes* pk = in->Find(0x83);
    if (pk == nullptr) return Refuse(0x6A80, "no 83");
    ASSIGN_OR_RETURN(KeyAgreementKeyPair kp, mapped_->GenerateKeyPair(*config_.rng, "chip.ephemeral_key"));
    absl::StatusOr<Bytes> terminal = mapped_->ValidatePublic(*pk);
    if (!terminal.ok()) return Refuse(0x6A80, "terminal ephemeral key");
    absl::StatusOr<SecureBytes> k = mapped_->SharedSecret(kp.private_key, *terminal);
    if (!k.ok()) return Refuse(0x6A80, "key agreement");
    ephemeral_private_ = kp.private_key;
    ephemeral_public_ = kp.public_key;
    terminal_ephemeral_public_ = *terminal;
    ks_enc_ = Kdf(alg, *k, kKdfCounterEnc);
    ks_mac_ = Kdf(alg, *k, kKdfCounterMac);
    step_ = 4;
    const Bytes& answer = config_.echo_terminal_ephemeral ? *terminal : kp.public_key;
    return ResponseApdu{EncodeDynamicAuthenticationData({{0x84, answer}}), 0x9000};
  }

  if (step_ == 4) {
    const Bytes* t = in->Find(0x85);
    if (t == nullptr) return Refuse(0x6A80, "no 85");
    const uint8_t tag = params.domain.public_key_tag();
    ASSIGN_OR_RETURN(Bytes input_for_terminal_token, PublicKeyDataObject(params.protocol_oid, tag, ephemeral_public_));
    ASSIGN_OR_RETURN(Bytes expected, AuthenticationToken(alg, ks_mac_, input_for_terminal_token));
    if (!ConstantTimeEqual(*t, expected)) return Refuse(0x6300, "terminal token");
    ASSIGN_OR_RETURN(Bytes input_for_chip_token,
                     PublicKeyDataObject(params.protocol_oid, tag, terminal_ephemeral_public_));
    ASSIGN_OR_RETURN(Bytes t_ic, AuthenticationToken(alg, ks_mac_, input_for_chip_token));
    if (config_.corrupt_chip_token) t_ic[0] ^= 0x01;
    std::vector<std::pair<uint8_t, Bytes>> out = {{0x86, t_ic}};
    if (!config_.cars.empty()) out.emplace_back(0x87, config_.cars[0]);
    if (config_.cars.size() > 1) out.emplace_back(0x88, config_.cars[1]);
    if (params.protocol.mapping == PaceMapping::kChipAuthentication && !config_.omit_cam_data) {
      ASSIGN_OR_RETURN(SecureBytes ca, ComputeChipAuthenticationData(params.domain.ec(), config_.cam_static_private,
                                                                     mapping_private_));
      ASSIGN_OR_RETURN(Bytes iv, EncryptBlock(CipherFamily::kAes, ks_enc_, Bytes(16, 0xFF)));
      ASSIGN_OR_RETURN(Bytes a_ic, CbcEncrypt(CipherFamily::kAes, ks_enc_, iv, PadIso9797M2(ca, 16)));
      out.emplace_back(0x8A, a_ic);
    }
    SessionKeys keys{family, ks_enc_, ks_mac_, SecureBytes(block, 0)};
    ASSIGN_OR_RETURN(ChipSideSm sm, ChipSideSm::Create(keys));
    sm_.emplace(std::move(sm));
    keys_ = keys;
    step_ = 5;
    return ResponseApdu{EncodeDynamicAuthenticationData(out), 0x9000};
  }
  return absl::FailedPreconditionError("simulated chip in an impossible state");
}

}  // namespace docval::emrtd::testing
