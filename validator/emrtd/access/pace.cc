#include "validator/emrtd/access/pace.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "validator/emrtd/chip_error.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/crypto/kdf.h"
#include "validator/emrtd/crypto/mac.h"
#include "validator/emrtd/crypto/pace_mapping.h"
#include "validator/emrtd/lds/domain_group.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

absl::Status Refused(absl::string_view msg) {
  return MakeChipError(ChipErrorKind::kPacePasswordRefused, absl::StrCat("PACE: ", msg));
}
absl::Status NotSupported(absl::string_view msg) {
  return MakeChipError(ChipErrorKind::kPaceNotSupported, absl::StrCat("PACE: ", msg));
}
absl::Status Malformed(absl::string_view msg) {
  return MakeChipError(ChipErrorKind::kPaceMalformedChipData, absl::StrCat("PACE: ", msg));
}
absl::Status Internal(absl::string_view what, const absl::Status& cause) {
  return MakeChipError(ChipErrorKind::kPaceInternal, absl::StrCat("PACE: ", what, ": ", cause.message()));
}
// A crypto error caused by chip data: malformed, unless the chip chose something we cannot do.
absl::Status FromChipData(absl::string_view what, const absl::Status& cause) {
  if (cause.code() == absl::StatusCode::kUnimplemented) return NotSupported(absl::StrCat(what, ": ", cause.message()));
  return Malformed(absl::StrCat(what, ": ", cause.message()));
}

std::string Sw(uint16_t sw) { return absl::StrFormat("%04X", sw); }

// A GENERAL AUTHENTICATE status word other than 9000.
absl::Status StepStatusWordError(int step, uint16_t sw) {
  const bool retry_counter = (sw & 0xFFF0) == 0x63C0;
  if (sw == sw::kAuthMethodBlocked || retry_counter ||
      (step == 4 && (sw == 0x6300 || sw == sw::kSecurityStatusNotSatisfied))) {
    return Refused(
        absl::StrCat("the chip refused the password (GENERAL AUTHENTICATE step ", step, ", SW ", Sw(sw), ")"));
  }
  return NotSupported(absl::StrCat("GENERAL AUTHENTICATE step ", step, " failed with SW ", Sw(sw)));
}

Bytes MinimalUnsigned(uint64_t v) {
  Bytes out;
  do {
    out.insert(out.begin(), static_cast<uint8_t>(v & 0xFF));
    v >>= 8;
  } while (v != 0);
  return out;
}

// One GENERAL AUTHENTICATE: steps 1-3 chained (CLA 0x10), step 4 last (CLA 0x00). One extended APDU
// when the data or the longest possible answer does not fit a short one and the link takes it; else
// short APDUs, chained and completed with GET RESPONSE as the link requires.
Task<absl::StatusOr<DynamicAuthenticationData>> GeneralAuthenticate(ChipChannel& channel, int step, Bytes data,
                                                                    size_t max_response_data) {
  CommandApdu command;
  command.cla = step < 4 ? 0x10 : 0x00;
  command.ins = 0x86;
  command.data = std::move(data);
  command.ne = kMaxShortNe;
  const LinkLimits& limits = channel.link().limits();
  const bool beyond_short = command.data.size() > MaxShortCommandData(channel, true) || max_response_data > kMaxShortNe;
  const bool extended_fits = 4 + 3 + command.data.size() + 2 <= limits.CommandBytes();
  absl::StatusOr<ResponseApdu> response;
  if (beyond_short && limits.extended_length && extended_fits) {
    command.extended = true;
    command.ne = kMaxExtendedNe;
    response = co_await channel.Transmit(command);
  } else {
    response = co_await TransmitShortChained(channel, command);
  }
  if (!response.ok()) co_return response.status();
  if (response->sw != sw::kOk) co_return StepStatusWordError(step, response->sw);
  absl::StatusOr<DynamicAuthenticationData> parsed = ParseDynamicAuthenticationData(response->data);
  if (!parsed.ok()) {
    co_return Malformed(absl::StrCat("GENERAL AUTHENTICATE step ", step, ": ", parsed.status().message()));
  }
  for (const auto& [tag, value] : parsed->objects) {
    const bool expected = (step == 1 && tag == 0x80) || (step == 2 && tag == 0x82) || (step == 3 && tag == 0x84) ||
                          (step == 4 && (tag == 0x86 || tag == 0x87 || tag == 0x88 || tag == 0x8A));
    if (!expected) {
      co_return Malformed(absl::StrFormat("unexpected data object %02X in GENERAL AUTHENTICATE step %d", tag, step));
    }
  }
  co_return parsed;
}

// Bytes of an encoded public key: 04 || X || Y, or the DH value.
size_t PublicKeySize(const KeyAgreementGroup& g) { return g.is_ec() ? 1 + 2 * g.secret_size() : g.secret_size(); }

Bytes Encode7C(uint8_t tag, ByteSpan value) {
  return EncodeDynamicAuthenticationData({{tag, Bytes(value.begin(), value.end())}});
}

}  // namespace

PaceFailure PaceFailureOf(const absl::Status& status) {
  std::optional<ChipError> e = ChipErrorOf(status);
  if (!e.has_value()) return PaceFailure::kTransport;
  switch (e->kind) {
    case ChipErrorKind::kPacePasswordRefused: return PaceFailure::kPasswordRefused;
    case ChipErrorKind::kPaceNotSupported: return PaceFailure::kNotSupported;
    case ChipErrorKind::kPaceMalformedChipData: return PaceFailure::kMalformedChipData;
    case ChipErrorKind::kPaceInternal: return PaceFailure::kInternal;
    default: return PaceFailure::kTransport;  // the channel's own error, passed through
  }
}

const char* PaceFailureName(PaceFailure failure) {
  switch (failure) {
    case PaceFailure::kPasswordRefused: return "password refused";
    case PaceFailure::kNotSupported: return "not supported by the chip";
    case PaceFailure::kMalformedChipData: return "malformed chip data";
    case PaceFailure::kInternal: return "internal";
    case PaceFailure::kTransport: return "transport";
  }
  return "?";
}

// ---- Long commands and answers ---------------------------------------------------------------------

size_t MaxShortCommandData(ChipChannel& channel, bool with_le) {
  const size_t command_bytes = channel.link().limits().CommandBytes();
  const SecureMessaging* sm = channel.sm();
  if (sm == nullptr) {
    const size_t fixed = 4 + 1 + (with_le ? 1 : 0);  // header, Lc, Le
    return command_bytes > fixed ? std::min(command_bytes - fixed, kMaxShortNc) : 0;
  }
  const size_t fixed = 4 + 1 + 1;  // header, Lc, the outer Le '00'
  if (command_bytes <= fixed) return 0;
  const size_t room = std::min(command_bytes - fixed, kMaxShortNc);
  // CommandOverhead() counts a one-byte DO'97' (3 bytes); a part without Le has none.
  const size_t no_le = with_le ? 0 : 3;
  for (size_t n = room; n > 0; --n) {
    if (n + sm->CommandOverhead(n, false) - no_le <= room) return n;
  }
  return 0;
}

size_t MaxShortResponseData(ChipChannel& channel) {
  const size_t response_bytes = channel.link().limits().ResponseBytes();
  if (response_bytes < 3) return 0;
  const size_t room = std::min(response_bytes - 2, kMaxShortNe);
  const SecureMessaging* sm = channel.sm();
  return sm == nullptr ? room : sm->MaxPlainResponse(room);
}

Task<absl::StatusOr<ResponseApdu>> TransmitShortChained(ChipChannel& channel, CommandApdu command) {
  constexpr size_t kMaxJoinedResponse = 65536;
  const LinkLimits& limits = channel.link().limits();
  const size_t response_room = limits.ResponseBytes() >= 3 ? std::min(limits.ResponseBytes() - 2, kMaxShortNe) : 1;
  if (!channel.secure() && command.ne > response_room) command.ne = response_room;
  command.extended = false;

  const size_t part = MaxShortCommandData(channel, command.ne > 0);
  if (part == 0) co_return absl::FailedPreconditionError("the link leaves no room for command data");
  size_t pos = 0;
  while (command.data.size() - pos > part) {
    CommandApdu piece;
    piece.cla = static_cast<uint8_t>(command.cla | 0x10);
    piece.ins = command.ins;
    piece.p1 = command.p1;
    piece.p2 = command.p2;
    piece.data.assign(command.data.begin() + static_cast<ptrdiff_t>(pos),
                      command.data.begin() + static_cast<ptrdiff_t>(pos + part));
    absl::StatusOr<ResponseApdu> r = co_await channel.Transmit(piece);
    if (!r.ok() || r->sw != sw::kOk) co_return r;
    pos += part;
  }
  command.data.erase(command.data.begin(), command.data.begin() + static_cast<ptrdiff_t>(pos));
  absl::StatusOr<ResponseApdu> response = co_await channel.Transmit(command);
  if (!response.ok()) co_return response;

  // 61xx: xx (00: 256 or more) bytes wait for GET RESPONSE.
  Bytes joined;
  for (size_t rounds = 0; (response->sw & 0xFF00) == 0x6100; ++rounds) {
    joined.insert(joined.end(), response->data.begin(), response->data.end());
    if (joined.size() > kMaxJoinedResponse || rounds > kMaxJoinedResponse / response_room + 1) {
      co_return MakeChipError(ChipErrorKind::kAnswerTooLong, "the chip's answer goes on beyond 65536 bytes (61xx)");
    }
    const size_t announced = (response->sw & 0xFF) == 0 ? kMaxShortNe : (response->sw & 0xFF);
    CommandApdu get_response;
    get_response.cla = 0x00;
    get_response.ins = 0xC0;
    get_response.ne = std::min(announced, channel.secure() ? std::max<size_t>(MaxShortResponseData(channel), 1)
                                                           : response_room);
    response = co_await channel.Transmit(get_response);
    if (!response.ok()) co_return response;
  }
  if (!joined.empty()) response->data.insert(response->data.begin(), joined.begin(), joined.end());
  co_return response;
}

// ---- Building blocks -----------------------------------------------------------------------------

const Bytes* DynamicAuthenticationData::Find(uint8_t tag) const {
  for (const auto& [t, v] : objects) {
    if (t == tag) return &v;
  }
  return nullptr;
}

absl::StatusOr<DynamicAuthenticationData> ParseDynamicAuthenticationData(ByteSpan data) {
  size_t consumed = 0;
  absl::StatusOr<Tlv> top = ParseTlv(data, &consumed);
  if (!top.ok())
    return absl::InvalidArgumentError(absl::StrCat("dynamic authentication data: ", top.status().message()));
  if (top->tag != 0x7C) return absl::InvalidArgumentError("dynamic authentication data: not a '7C' template");
  if (consumed != data.size()) return absl::InvalidArgumentError("dynamic authentication data: bytes after '7C'");
  DynamicAuthenticationData out;
  TlvReader reader(top->value);
  while (!reader.AtEnd()) {
    absl::StatusOr<Tlv> t = reader.Next();
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("dynamic authentication data: ", t.status().message()));
    if (t->tag < 0x80 || t->tag > 0x8F || t->constructed) {
      return absl::InvalidArgumentError(absl::StrFormat("dynamic authentication data: unexpected tag %X", t->tag));
    }
    const uint8_t tag = static_cast<uint8_t>(t->tag);
    if (out.Find(tag) != nullptr) {
      return absl::InvalidArgumentError(absl::StrFormat("dynamic authentication data: tag %02X twice", tag));
    }
    out.objects.emplace_back(tag, Bytes(t->value.begin(), t->value.end()));
  }
  return out;
}

Bytes EncodeDynamicAuthenticationData(const std::vector<std::pair<uint8_t, Bytes>>& objects) {
  Bytes inner;
  for (const auto& [tag, value] : objects) {
    Bytes tlv = EncodeTlv(tag, value);
    inner.insert(inner.end(), tlv.begin(), tlv.end());
  }
  return EncodeTlv(0x7C, inner);
}

absl::StatusOr<Bytes> PublicKeyDataObject(absl::string_view protocol_oid, uint8_t public_key_tag,
                                          ByteSpan public_key) {
  ASSIGN_OR_RETURN(Bytes oid, asn1::EncodeOidContents(protocol_oid));
  if (public_key_tag == 0x84) {
    size_t zeros = 0;
    while (zeros + 1 < public_key.size() && public_key[zeros] == 0) ++zeros;
    public_key = public_key.subspan(zeros);
  }
  return EncodeTlv(0x7F49, Concat({EncodeTlv(0x06, oid), EncodeTlv(public_key_tag, public_key)}));
}

absl::StatusOr<Bytes> AuthenticationToken(KeyAlgorithm alg, ByteSpan ks_mac, ByteSpan input) {
  const CipherFamily family = FamilyOf(alg);
  if (family == CipherFamily::k3Des) return Mac8(family, ks_mac, PadIso9797M2(input, BlockSize(family)));
  return Mac8(family, ks_mac, input);
}

SecureBytes PacePasswordKey(KeyAlgorithm alg, const PacePassword& password) {
  return Kdf(alg, password.key, kKdfCounterPace);
}

// ---- Parameters ----------------------------------------------------------------------------------

absl::StatusOr<PaceParameters> ResolvePaceInfo(const PaceInfo& info,
                                               const std::vector<PaceDomainParameterInfo>& domain_parameters,
                                               const DhGroupOptions& dh) {
  std::optional<PaceProtocol> protocol = PaceProtocolFromOid(info.protocol);
  if (!protocol.has_value()) return absl::UnimplementedError(absl::StrCat("unknown PACE protocol ", info.protocol));
  const bool ecdh = protocol->agreement == KeyAgreement::kEcdh;
  auto group_for_id = [&](int64_t id) -> absl::StatusOr<KeyAgreementGroup> {
    absl::StatusOr<KeyAgreementGroup> g = absl::NotFoundError("");
    if (id >= 0 && id <= 31) g = KeyAgreementGroup::FromParameterId(static_cast<int>(id));
    if (!g.ok()) return absl::UnimplementedError(absl::StrCat("unsupported PACE parameter id ", id));
    return g;
  };

  std::optional<KeyAgreementGroup> domain;
  const bool standardized = info.parameter_id.has_value() && *info.parameter_id >= 0 && *info.parameter_id <= 31;
  if (standardized) {
    ASSIGN_OR_RETURN(KeyAgreementGroup g, group_for_id(*info.parameter_id));
    domain = std::move(g);
  } else {
    // Proprietary parameters: the PACEDomainParameterInfo with the same id (or the only one when
    // neither names an id).
    const PaceDomainParameterInfo* match = nullptr;
    for (const PaceDomainParameterInfo& d : domain_parameters) {
      if (d.parameter_id == info.parameter_id) {
        match = &d;
        break;
      }
    }
    if (match == nullptr && !info.parameter_id.has_value() && domain_parameters.size() == 1) {
      match = &domain_parameters[0];
    }
    if (match == nullptr) return absl::UnimplementedError("PACEInfo without usable domain parameters");
    ASSIGN_OR_RETURN(
        KeyAgreementGroup g,
        DomainGroupOf(match->domain_parameter,
                      {.dh = dh, .group_for_id = group_for_id, .dh_needs_q = true, .ec_under_other_oids = true}));
    domain = std::move(g);
  }
  if (domain->is_ec() != ecdh) {
    return absl::UnimplementedError("PACE protocol and domain parameters disagree on ECDH / DH");
  }
  return PaceParameters{info.protocol, *protocol, *std::move(domain), info.parameter_id};
}

// ---- The protocol --------------------------------------------------------------------------------

Task<absl::StatusOr<PaceResult>> RunPace(ChipChannel& channel, PaceParameters params, PacePassword password,
                                         RandomSource& rng, PaceTrace* trace) {
  PaceTrace local_trace;
  PaceTrace& tr = trace != nullptr ? *trace : local_trace;
  const PaceProtocol& protocol = params.protocol;
  const KeyAlgorithm alg = protocol.cipher;
  const CipherFamily family = FamilyOf(alg);
  const KeyAgreementGroup& domain = params.domain;

  if (domain.is_ec() != (protocol.agreement == KeyAgreement::kEcdh)) {
    co_return NotSupported("protocol and domain parameters disagree on ECDH / DH");
  }
  if (protocol.mapping == PaceMapping::kChipAuthentication && (!domain.is_ec() || family != CipherFamily::kAes)) {
    co_return NotSupported("Chip Authentication Mapping needs ECDH and AES");
  }
  absl::StatusOr<Bytes> oid = asn1::EncodeOidContents(params.protocol_oid);
  if (!oid.ok()) co_return NotSupported(absl::StrCat("bad protocol OID: ", oid.status().message()));

  // MSE:Set AT to the key agreement; DH runs again when a value is ambiguous (pace.h).
  std::optional<KeyAgreementGroup> mapped;
  Bytes chip_mapping_public;
  std::optional<KeyAgreementKeyPair> ephemeral;
  Bytes chip_ephemeral;
  for (int run = 1;; ++run) {
    // MSE:Set AT.
    tr.mse_set_at = Concat({EncodeTlv(0x80, *oid), EncodeTlv(0x83, {static_cast<uint8_t>(password.type)})});
    if (params.parameter_id.has_value()) {
      if (*params.parameter_id < 0) co_return NotSupported("negative parameter id");
      const Bytes id_do = EncodeTlv(0x84, MinimalUnsigned(static_cast<uint64_t>(*params.parameter_id)));
      tr.mse_set_at.insert(tr.mse_set_at.end(), id_do.begin(), id_do.end());
    }
    CommandApdu mse;
    mse.cla = 0x00;
    mse.ins = 0x22;
    mse.p1 = 0xC1;
    mse.p2 = 0xA4;
    mse.data = tr.mse_set_at;
    mse.ne = 0;
    absl::StatusOr<ResponseApdu> mse_response = co_await channel.Transmit(mse);
    if (!mse_response.ok()) co_return mse_response.status();
    const uint16_t mse_sw = mse_response->sw;
    // 63Cx: a retry counter (x > 0) is a warning and processing goes on; 63C0 / 6983: blocked.
    if (mse_sw == 0x63C0 || mse_sw == sw::kAuthMethodBlocked) {
      co_return Refused(absl::StrCat("the password is blocked (MSE:Set AT SW ", Sw(mse_sw), ")"));
    }
    if (mse_sw != sw::kOk && (mse_sw & 0xFFF0) != 0x63C0) {
      co_return NotSupported(absl::StrCat("MSE:Set AT failed with SW ", Sw(mse_sw)));
    }

    // Step 1: the encrypted nonce.
    tr.k_pi = PacePasswordKey(alg, password);
    CO_ASSIGN_OR_RETURN(DynamicAuthenticationData d1,
                        co_await GeneralAuthenticate(channel, 1, EncodeDynamicAuthenticationData({}), 64));
    const Bytes* z = d1.Find(0x80);
    if (z == nullptr) co_return Malformed("no encrypted nonce (80) in step 1");
    const size_t block = BlockSize(family);
    if (z->empty() || z->size() % block != 0 || z->size() > 64) {
      co_return Malformed(absl::StrCat("encrypted nonce of ", z->size(), " bytes"));
    }
    tr.encrypted_nonce = *z;
    const Bytes zero_iv(block, 0);
    absl::StatusOr<SecureBytes> s = CbcDecrypt(family, tr.k_pi, zero_iv, *z);
    if (!s.ok()) co_return Malformed(absl::StrCat("nonce decryption: ", s.status().message()));
    tr.nonce = *s;

    // Step 2: mapping.
    mapped.reset();
    chip_mapping_public.clear();
    if (protocol.mapping == PaceMapping::kIntegrated) {
      absl::StatusOr<SecureBytes> t = rng.Bytes("pace.im_nonce_t", KeyLength(alg));
      if (!t.ok()) co_return Internal("randomness for the nonce t", t.status());
      tr.terminal_mapping_data = FromSecure(*t);
      CO_ASSIGN_OR_RETURN(DynamicAuthenticationData d2,
                          co_await GeneralAuthenticate(channel, 2, Encode7C(0x81, tr.terminal_mapping_data), 64));
      const Bytes* r2 = d2.Find(0x82);
      if (r2 != nullptr && !r2->empty()) co_return Malformed("Integrated Mapping: 82 must be empty");
      absl::StatusOr<KeyAgreementGroup> m = MapIntegrated(domain, alg, tr.nonce, *t);
      if (!m.ok()) co_return FromChipData("Integrated Mapping", m.status());
      mapped = *std::move(m);
    } else {
      absl::StatusOr<KeyAgreementKeyPair> mapping_key = domain.GenerateKeyPair(rng, "pace.mapping_key");
      if (!mapping_key.ok()) co_return Internal("mapping key", mapping_key.status());
      tr.terminal_mapping_private = mapping_key->private_key;
      tr.terminal_mapping_data = mapping_key->public_key;
      CO_ASSIGN_OR_RETURN(DynamicAuthenticationData d2,
                          co_await GeneralAuthenticate(channel, 2, Encode7C(0x81, mapping_key->public_key),
                                                       PublicKeySize(domain) + 8));
      const Bytes* r2 = d2.Find(0x82);
      if (r2 == nullptr) co_return Malformed("no mapping data (82) in step 2");
      tr.chip_mapping_data = *r2;
      absl::StatusOr<Bytes> chip_public = domain.ValidatePublic(*r2);
      if (!chip_public.ok()) co_return FromChipData("chip mapping key", chip_public.status());
      chip_mapping_public = *chip_public;
      absl::StatusOr<GenericMappingResult> m =
          MapGeneric(domain, tr.nonce, mapping_key->private_key, chip_mapping_public);
      if (!m.ok()) co_return FromChipData("Generic Mapping", m.status());
      tr.mapping_shared = m->shared;
      mapped = std::move(m->mapped);
    }
    tr.mapped_generator = mapped->is_ec() ? mapped->ec().generator().Encode() : mapped->dh().g();

    // Step 3: key agreement on the mapped group.
    // DH: a public value whose first byte is not zero reads the same padded or minimal (see pace.h).
    absl::StatusOr<KeyAgreementKeyPair> drawn = mapped->GenerateUnambiguousKeyPair(rng, "pace.ephemeral_key");
    if (!drawn.ok()) co_return Internal("ephemeral key", drawn.status());
    ephemeral = *std::move(drawn);
    tr.terminal_ephemeral_private = ephemeral->private_key;
    tr.terminal_ephemeral_public = ephemeral->public_key;
    CO_ASSIGN_OR_RETURN(DynamicAuthenticationData d3,
                        co_await GeneralAuthenticate(channel, 3, Encode7C(0x83, ephemeral->public_key),
                                                     PublicKeySize(*mapped) + 8));
    const Bytes* r3 = d3.Find(0x84);
    if (r3 == nullptr) co_return Malformed("no ephemeral public key (84) in step 3");
    absl::StatusOr<Bytes> validated = mapped->ValidatePublic(*r3);
    if (!validated.ok()) co_return FromChipData("chip ephemeral key", validated.status());
    chip_ephemeral = *std::move(validated);
    tr.chip_ephemeral_public = chip_ephemeral;
    if (chip_ephemeral == ephemeral->public_key) co_return Malformed("the chip returned our own ephemeral key");
    absl::StatusOr<SecureBytes> k = mapped->SharedSecret(ephemeral->private_key, chip_ephemeral);
    if (!k.ok()) co_return FromChipData("key agreement", k.status());
    tr.shared_secret = *k;
    tr.ks_enc = Kdf(alg, *k, kKdfCounterEnc);
    tr.ks_mac = Kdf(alg, *k, kKdfCounterMac);
    if (domain.is_ec() || run == kPaceDhRuns) break;
    if ((*k)[0] == 0) {
      tr.abandoned_runs.push_back("shared secret");
    } else if (chip_ephemeral[0] == 0) {
      tr.abandoned_runs.push_back("chip ephemeral key");
    } else {
      break;
    }

  }

  // Step 4: mutual authentication.
  const uint8_t pk_tag = domain.public_key_tag();
  absl::StatusOr<Bytes> input_terminal = PublicKeyDataObject(params.protocol_oid, pk_tag, chip_ephemeral);
  absl::StatusOr<Bytes> input_chip = PublicKeyDataObject(params.protocol_oid, pk_tag, ephemeral->public_key);
  if (!input_terminal.ok() || !input_chip.ok()) co_return NotSupported("bad protocol OID");
  tr.token_input_terminal = *input_terminal;
  tr.token_input_chip = *input_chip;
  absl::StatusOr<Bytes> t_ifd = AuthenticationToken(alg, tr.ks_mac, *input_terminal);
  absl::StatusOr<Bytes> t_ic_expected = AuthenticationToken(alg, tr.ks_mac, *input_chip);
  if (!t_ifd.ok() || !t_ic_expected.ok())
    co_return Internal("token", t_ifd.ok() ? t_ic_expected.status() : t_ifd.status());
  tr.token_terminal = *t_ifd;
  CO_ASSIGN_OR_RETURN(DynamicAuthenticationData d4,
                      co_await GeneralAuthenticate(channel, 4, Encode7C(0x85, *t_ifd), 256));
  const Bytes* t_ic = d4.Find(0x86);
  if (t_ic == nullptr) co_return Malformed("no authentication token (86) in step 4");
  tr.token_chip = *t_ic;
  if (!ConstantTimeEqual(*t_ic, *t_ic_expected)) {
    co_return Refused("the chip's authentication token is wrong");
  }

  PaceResult result;
  result.protocol_oid = params.protocol_oid;
  result.protocol = protocol;
  result.password_type = password.type;
  result.parameter_id = params.parameter_id;
  result.chip_mapping_public_key = chip_mapping_public;
  result.chip_ephemeral_public_key = chip_ephemeral;
  for (uint8_t tag : {0x87, 0x88}) {
    if (const Bytes* car = d4.Find(tag)) result.certification_authority_references.push_back(*car);
  }
  if (protocol.mapping == PaceMapping::kChipAuthentication) {
    const Bytes* a_ic = d4.Find(0x8A);
    if (a_ic == nullptr) co_return Malformed("PACE-CAM without encrypted chip authentication data (8A)");
    if (a_ic->empty() || a_ic->size() % 16 != 0) co_return Malformed("encrypted chip authentication data length");
    result.encrypted_chip_authentication_data = *a_ic;
    absl::StatusOr<Bytes> iv = EncryptBlock(CipherFamily::kAes, tr.ks_enc, Bytes(16, 0xFF));
    if (!iv.ok()) co_return Internal("CAM IV", iv.status());
    absl::StatusOr<SecureBytes> padded = CbcDecrypt(CipherFamily::kAes, tr.ks_enc, *iv, *a_ic);
    if (!padded.ok()) co_return Malformed(absl::StrCat("chip authentication data: ", padded.status().message()));
    absl::StatusOr<size_t> length = UnpaddedLength(*padded, 16);
    if (!length.ok()) co_return Malformed("chip authentication data: bad padding");
    result.chip_authentication_data = SecureBytes(padded->begin(), padded->begin() + *length);
  }

  result.keys.cipher = family;
  result.keys.ks_enc = tr.ks_enc;
  result.keys.ks_mac = tr.ks_mac;
  result.keys.ssc = SecureBytes(BlockSize(family), 0);
  channel.StartSecureMessaging(result.keys);
  co_return result;
}

absl::Status VerifyCamBinding(const PaceResult& result, const KeyAgreementGroup& domain,
                              ByteSpan chip_static_public_key) {
  if (result.protocol.mapping != PaceMapping::kChipAuthentication || result.chip_authentication_data.empty()) {
    return absl::FailedPreconditionError("PACE-CAM was not performed");
  }
  if (!domain.is_ec()) return absl::FailedPreconditionError("PACE-CAM needs ECDH domain parameters");
  return VerifyChipAuthenticationMapping(domain.ec(), chip_static_public_key, result.chip_authentication_data,
                                         result.chip_mapping_public_key);
}

}  // namespace docval::emrtd
