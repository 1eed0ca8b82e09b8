// The core's one ASN.1 toolkit, on top of the BER-TLV reader (validator/emrtd/tlv.h): universal
// tags, OBJECT IDENTIFIERs, INTEGERs, OCTET and BIT STRINGs, times and AlgorithmIdentifiers, for
// every structure the core parses (CMS SignedData, X.509 fragments, the LDS security object, master
// lists, SecurityInfos) or builds (MSE:Set AT's protocol, DigestInfo). Pure: no Botan.
//
// Everything here reads untrusted bytes: every read is bounded by its input, and malformed input is
// a kInvalidArgument status that says what was expected. BER is accepted where CMS allows it
// (indefinite lengths, constructed OCTET STRINGs); DER is a special case of it.
#ifndef DOCVAL_VALIDATOR_EMRTD_CRYPTO_ASN1_UTIL_H_
#define DOCVAL_VALIDATOR_EMRTD_CRYPTO_ASN1_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "validator/emrtd/bytes.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd::asn1 {

// Universal tags as they appear in the first octet (constructed bit included where it is always set).
inline constexpr uint32_t kBoolean = 0x01;
inline constexpr uint32_t kInteger = 0x02;
inline constexpr uint32_t kBitString = 0x03;
inline constexpr uint32_t kOctetString = 0x04;
inline constexpr uint32_t kOctetStringConstructed = 0x24;  // BER only
inline constexpr uint32_t kNull = 0x05;
inline constexpr uint32_t kOid = 0x06;
inline constexpr uint32_t kUtf8String = 0x0C;
inline constexpr uint32_t kPrintableString = 0x13;
inline constexpr uint32_t kUtcTime = 0x17;
inline constexpr uint32_t kGeneralizedTime = 0x18;
inline constexpr uint32_t kSequence = 0x30;
inline constexpr uint32_t kSet = 0x31;
// Context-specific constructed [n] (EXPLICIT tags and IMPLICIT constructed types).
constexpr uint32_t ContextConstructed(int n) { return 0xA0u | static_cast<uint32_t>(n); }
// Context-specific primitive [n] (IMPLICIT primitive types).
constexpr uint32_t ContextPrimitive(int n) { return 0x80u | static_cast<uint32_t>(n); }

// BER options used for CMS: indefinite lengths allowed.
inline TlvOptions BerOptions() { return TlvOptions{.allow_indefinite = true}; }

// The direct children of a constructed value (BER), in order. `what` names the parent in errors.
absl::StatusOr<std::vector<Tlv>> Children(const Tlv& parent, absl::string_view what);

// Parses `input` as exactly one TLV of `tag` (BER), nothing after it.
absl::StatusOr<Tlv> ParseOne(ByteSpan input, uint32_t tag, absl::string_view what);

// Checks that `t` has `tag`.
absl::Status ExpectTag(const Tlv& t, uint32_t tag, absl::string_view what);

// The next element of `r`, which must have `tag`: for reading a constructed value's fields in order
// (`what` names the field). The end of `r` ("<what>: missing"), a malformed element or another tag
// is kInvalidArgument, and then `r` has not moved; on success `r` is past the element. The reader's
// own options apply (DER unless it was made with BerOptions()).
absl::StatusOr<Tlv> NextElement(TlvReader& r, uint32_t tag, absl::string_view what);

// OBJECT IDENTIFIERs are dotted text ("2.23.136.1.1.1") everywhere in the core. "Contents" is the
// value without tag and length ("2A864886F70D010702"); "TLV" is the whole encoding (06 09 ...).
//
// Dotted text of the contents octets, strict DER: at least one octet, every arc minimal (no leading
// 0x80 octet), the last octet ends an arc, every arc fits in 64 bits. The first subidentifier v
// gives "0.v" below 40, "1.(v-40)" below 80, "2.(v-80)" from 80. Anything else is kInvalidArgument.
// For every OID it accepts, EncodeOidContents gives back the same octets.
absl::StatusOr<std::string> DecodeOidContents(ByteSpan contents);
// The OID in `t`, which must have the OBJECT IDENTIFIER tag; contents as DecodeOidContents. Errors
// are prefixed with `what`.
absl::StatusOr<std::string> OidOf(const Tlv& t, absl::string_view what);
// Contents octets of a dotted OID: at least two arcs, each decimal digits fitting in 64 bits, the
// first 0, 1 or 2, the second below 40 unless the first is 2 (and the first subidentifier,
// 80 + second, fitting in 64 bits). Anything else is kInvalidArgument: the text may come from the
// chip (a parsed SecurityInfo) or the configuration.
absl::StatusOr<Bytes> EncodeOidContents(absl::string_view dotted);
// The whole OBJECT IDENTIFIER TLV of a compiled-in constant: a malformed one is a broken invariant.
Bytes EncodeOidTlv(absl::string_view dotted);

// A non-negative INTEGER that fits in int64_t (versions, data-group numbers, salt lengths).
absl::StatusOr<int64_t> SmallIntegerOf(const Tlv& t, absl::string_view what);
// The magnitude of a non-negative INTEGER, big-endian, without leading zero bytes ("0" is {}).
// A negative INTEGER is an error.
absl::StatusOr<Bytes> UnsignedIntegerOf(const Tlv& t, absl::string_view what);
// The octets of an INTEGER holding a cryptographic parameter (a prime, an order, a public value),
// read as unsigned: a set top bit is not a sign, because some chips' encoders leave out the 00 that
// DER needs before it. Leading zero octets are stripped but the last is kept ("0" is {0x00}); only
// an empty INTEGER (or another tag) is an error.
absl::StatusOr<Bytes> ParameterIntegerOf(const Tlv& t, absl::string_view what);

// The contents of an OCTET STRING: primitive, or constructed (BER) with its segments concatenated.
absl::StatusOr<Bytes> OctetStringOf(const Tlv& t, absl::string_view what);

// The bits of a BIT STRING with no unused bits (keys, signatures): the contents without the first
// (unused-bits) octet.
absl::StatusOr<Bytes> BitStringBytesOf(const Tlv& t, absl::string_view what);

// UTCTime (YYMMDDhhmm[ss]Z, years 50-99 are 19xx) or GeneralizedTime (YYYYMMDDhhmmss[.f]Z) as
// seconds since the Unix epoch.
absl::StatusOr<int64_t> TimeOf(const Tlv& t, absl::string_view what);

// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
struct AlgorithmIdentifier {
  std::string oid;
  // The whole parameters TLV, when present (a NULL counts as present).
  std::optional<Bytes> parameters;
  // The whole AlgorithmIdentifier TLV.
  Bytes raw;

  bool parameters_absent_or_null() const {
    return !parameters.has_value() || (parameters->size() == 2 && (*parameters)[0] == kNull && (*parameters)[1] == 0);
  }
};
absl::StatusOr<AlgorithmIdentifier> AlgorithmIdentifierOf(const Tlv& t, absl::string_view what);
// Encodes an AlgorithmIdentifier (for tests and key reconstruction).
Bytes EncodeAlgorithmIdentifier(absl::string_view dotted_oid, std::optional<ByteSpan> parameters);

}  // namespace docval::emrtd::asn1

#endif  // DOCVAL_VALIDATOR_EMRTD_CRYPTO_ASN1_UTIL_H_
