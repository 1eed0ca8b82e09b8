#include "validator/emrtd/auth/active_auth.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "validator/emrtd/access/pace.h"
#include "validator/emrtd/crypto/iso9796.h"
#include "validator/emrtd/crypto/signature.h"

namespace docval::emrtd {
namespace {

std::string SwText(uint16_t sw) { return ToHex(Bytes{static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)}); }

using Status = ActiveAuthOutcome::Status;

constexpr size_t kChallengeSize = 8;

ActiveAuthOutcome Outcome(Status s, std::string detail) {
  ActiveAuthOutcome o;
  o.status = s;
  o.detail = std::move(detail);
  return o;
}

}  // namespace

std::optional<HashAlgorithm> ActiveAuthHashOf(absl::string_view oid) {
  struct Entry {
    const char* oid;
    HashAlgorithm hash;
  };
  static constexpr Entry kTable[] = {
      {"0.4.0.127.0.7.1.1.4.1.1", HashAlgorithm::kSha1},   {"0.4.0.127.0.7.1.1.4.1.2", HashAlgorithm::kSha224},
      {"0.4.0.127.0.7.1.1.4.1.3", HashAlgorithm::kSha256}, {"0.4.0.127.0.7.1.1.4.1.4", HashAlgorithm::kSha384},
      {"0.4.0.127.0.7.1.1.4.1.5", HashAlgorithm::kSha512}, {"1.2.840.10045.4.1", HashAlgorithm::kSha1},
      {"1.2.840.10045.4.3.1", HashAlgorithm::kSha224},     {"1.2.840.10045.4.3.2", HashAlgorithm::kSha256},
      {"1.2.840.10045.4.3.3", HashAlgorithm::kSha384},     {"1.2.840.10045.4.3.4", HashAlgorithm::kSha512},
  };
  for (const Entry& e : kTable) {
    if (oid == e.oid) return e.hash;
  }
  return std::nullopt;
}

ActiveAuthOutcome VerifyActiveAuthentication(ByteSpan spki, ByteSpan challenge, ByteSpan signature,
                                             absl::string_view aa_signature_algorithm) {
  ActiveAuthOutcome o;
  o.challenge.assign(challenge.begin(), challenge.end());
  o.signature.assign(signature.begin(), signature.end());
  auto done = [&o](Status s, std::string detail) {
    o.status = s;
    o.detail = std::move(detail);
    return o;
  };
  absl::StatusOr<PublicKeyInfo> key = DescribePublicKey(spki);
  if (!key.ok()) return done(Status::kFailed, absl::StrCat("DG15 key: ", key.status().message()));
  std::optional<HashAlgorithm> named = ActiveAuthHashOf(aa_signature_algorithm);
  if (key->type == PublicKeyInfo::Type::kRsa) {
    absl::StatusOr<Iso9796Recovery> r = VerifyIso9796Scheme1(spki, signature, challenge, named);
    if (!r.ok()) return done(Status::kFailed, std::string(r.status().message()));
    return done(Status::kVerified, "");
  }
  std::vector<HashAlgorithm> hashes;
  if (named) {
    hashes.push_back(*named);
  } else {
    hashes = {HashAlgorithm::kSha256, HashAlgorithm::kSha384, HashAlgorithm::kSha512, HashAlgorithm::kSha224,
              HashAlgorithm::kSha1};
  }
  const EcdsaSignatureFormat format =
      signature.size() == 2 * key->size_bytes ? EcdsaSignatureFormat::kPlain : EcdsaSignatureFormat::kDer;
  for (HashAlgorithm h : hashes) {
    absl::StatusOr<bool> ok = VerifyEcdsa(spki, h, challenge, signature, format);
    if (!ok.ok()) return done(Status::kFailed, std::string(ok.status().message()));
    if (*ok) return done(Status::kVerified, "");
  }
  return done(Status::kFailed, "ECDSA signature does not verify with the DG15 key");
}

Task<absl::StatusOr<ActiveAuthOutcome>> PerformActiveAuthentication(ChipChannel& channel, Bytes spki,
                                                                    std::string aa_signature_algorithm,
                                                                    RandomSource& rng) {
  absl::StatusOr<PublicKeyInfo> key = DescribePublicKey(spki);
  if (!key.ok()) co_return Outcome(Status::kFailed, absl::StrCat("DG15 key: ", key.status().message()));
  // RSA answers k bytes; ECDSA 2n plain or up to 2n + 9 as DER.
  const size_t expected =
      key->type == PublicKeyInfo::Type::kRsa ? key->size_bytes : 2 * key->size_bytes + 9;
  const size_t on_the_wire = expected + (channel.sm() ? channel.sm()->ResponseOverhead(expected) : 0) + 2;
  CommandApdu cmd{.cla = 0x00, .ins = 0x88, .p1 = 0x00, .p2 = 0x00};
  absl::StatusOr<SecureBytes> challenge = rng.Bytes("aa.challenge", kChallengeSize);
  if (!challenge.ok()) co_return challenge.status();
  cmd.data.assign(challenge->begin(), challenge->end());
  const LinkLimits& limits = channel.link().limits();
  absl::StatusOr<ResponseApdu> r;
  if (on_the_wire > kMaxShortNe + 2 && limits.extended_length && limits.ResponseBytes() >= on_the_wire) {
    // One extended APDU with Ne = the expected size.
    cmd.ne = expected;
    cmd.extended = true;
    r = co_await channel.Transmit(cmd);
  } else {
    // Le '00' (or, on a link that takes less than a short response, the most whose protected answer
    // fits): an answer that does not fit one short response comes in parts, 61xx and GET RESPONSE.
    cmd.ne = limits.ResponseBytes() >= kMaxShortNe + 2 ? kMaxShortNe : MaxShortResponseData(channel);
    if (cmd.ne == 0) co_return Outcome(Status::kUnavailable, "the link's response limit leaves no room for data");
    r = co_await TransmitShortChained(channel, cmd);
  }
  if (!r.ok()) co_return r.status();
  switch (r->sw) {
    case sw::kOk:
      break;
    case sw::kReferencedDataNotFound:
    case sw::kFunctionNotSupported:
    case sw::kInsNotSupported:
    case sw::kClaNotSupported:
      co_return Outcome(Status::kUnavailable,
                        absl::StrCat("INTERNAL AUTHENTICATE not supported (SW ", SwText(r->sw), ")"));
    default:
      co_return Outcome(Status::kFailed,
                        absl::StrCat("INTERNAL AUTHENTICATE refused (SW ", SwText(r->sw), ")"));
  }
  co_return VerifyActiveAuthentication(spki, cmd.data, r->data, aa_signature_algorithm);
}

CheckResult ActiveAuthenticationResult(const ActiveAuthOutcome& outcome, bool key_bound) {
  switch (outcome.status) {
    case Status::kVerified: return key_bound ? CheckResult::kSuccess : CheckResult::kFailed;
    case Status::kFailed: return CheckResult::kFailed;
    case Status::kUnavailable: return CheckResult::kUnavailable;
  }
  return CheckResult::kFailed;
}

}  // namespace docval::emrtd
