#include "validator/emrtd/crypto/key_agreement.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/status_macros.h"
#include "validator/emrtd/crypto/bigint_codec.h"

namespace docval::emrtd {

absl::StatusOr<KeyAgreementGroup> KeyAgreementGroup::FromParameterId(int id) {
  if (DhGroup::IsStandardParameterId(id)) {
    ASSIGN_OR_RETURN(DhGroup g, DhGroup::FromParameterId(id));
    return KeyAgreementGroup(std::move(g));
  }
  if (EcGroup::IsStandardParameterId(id)) {
    ASSIGN_OR_RETURN(EcGroup g, EcGroup::FromParameterId(id));
    return KeyAgreementGroup(std::move(g));
  }
  return absl::NotFoundError(absl::StrCat("no standardized domain parameters with id ", id));
}

const EcGroup& KeyAgreementGroup::ec() const {
  DOCVAL_CHECK(is_ec());
  return std::get<EcGroup>(group_);
}

const DhGroup& KeyAgreementGroup::dh() const {
  DOCVAL_CHECK(!is_ec());
  return std::get<DhGroup>(group_);
}

std::optional<int> KeyAgreementGroup::parameter_id() const {
  return is_ec() ? ec().parameter_id() : dh().parameter_id();
}

size_t KeyAgreementGroup::secret_size() const { return is_ec() ? ec().field_size() : dh().modulus_size(); }

size_t KeyAgreementGroup::order_size() const {
  if (is_ec()) return ec().order_size();
  return dh().has_q() ? dh().order_size() : dh().modulus_size();
}

Bytes KeyAgreementGroup::order() const {
  if (is_ec()) return ec().parameters().order;
  if (dh().has_q()) return dh().q();
  Botan::BigInt p_minus_1 = crypto_internal::ToBigInt(dh().p()) - 1;
  return crypto_internal::FixedBytes(p_minus_1, dh().modulus_size());
}

absl::StatusOr<Bytes> KeyAgreementGroup::ValidatePublic(ByteSpan encoded) const {
  if (is_ec()) {
    ASSIGN_OR_RETURN(EcPoint p, ec().DecodePoint(encoded));
    return p.Encode();
  }
  return dh().ValidatePublic(encoded);
}

absl::StatusOr<KeyAgreementKeyPair> KeyAgreementGroup::GenerateKeyPair(RandomSource& rng,
                                                                       absl::string_view purpose) const {
  if (is_ec()) {
    ASSIGN_OR_RETURN(EcKeyPair kp, ec().GenerateKeyPair(rng, purpose));
    return KeyAgreementKeyPair{std::move(kp.private_key), kp.public_key.Encode()};
  }
  ASSIGN_OR_RETURN(DhKeyPair kp, dh().GenerateKeyPair(rng, purpose));
  return KeyAgreementKeyPair{std::move(kp.private_key), std::move(kp.public_key)};
}

absl::StatusOr<KeyAgreementKeyPair> KeyAgreementGroup::GenerateUnambiguousKeyPair(RandomSource& rng,
                                                                                  absl::string_view purpose,
                                                                                  ByteSpan peer_public) const {
  ASSIGN_OR_RETURN(KeyAgreementKeyPair pair, GenerateKeyPair(rng, purpose));
  if (is_ec()) return pair;
  auto ambiguous = [&](const KeyAgreementKeyPair& kp) {
    if (kp.public_key.empty() || kp.public_key[0] == 0) return true;
    if (peer_public.empty()) return false;
    absl::StatusOr<SecureBytes> k = dh().SharedSecret(kp.private_key, peer_public);
    return k.ok() && !k->empty() && (*k)[0] == 0;  // a bad peer key is the caller's error to find
  };
  for (int draw = 1; draw < kUnambiguousDraws && ambiguous(pair); ++draw) {
    absl::StatusOr<KeyAgreementKeyPair> again = GenerateKeyPair(rng, purpose);
    if (!again.ok()) break;
    pair = *std::move(again);
  }
  return pair;
}

absl::StatusOr<KeyAgreementKeyPair> KeyAgreementGroup::KeyPairFromPrivate(ByteSpan private_key) const {
  if (is_ec()) {
    ASSIGN_OR_RETURN(EcKeyPair kp, ec().KeyPairFromPrivate(private_key));
    return KeyAgreementKeyPair{std::move(kp.private_key), kp.public_key.Encode()};
  }
  ASSIGN_OR_RETURN(DhKeyPair kp, dh().KeyPairFromPrivate(private_key));
  return KeyAgreementKeyPair{std::move(kp.private_key), std::move(kp.public_key)};
}

absl::StatusOr<SecureBytes> KeyAgreementGroup::SharedSecret(ByteSpan private_key, ByteSpan peer_public) const {
  if (is_ec()) {
    ASSIGN_OR_RETURN(EcPoint peer, ec().DecodePoint(peer_public));
    return ec().SharedSecret(private_key, peer);
  }
  return dh().SharedSecret(private_key, peer_public);
}

}  // namespace docval::emrtd
