#include "validator/emrtd/crypto/asn1_util.h"

#include <limits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/check.h"

namespace docval::emrtd::asn1 {
namespace {

absl::Status Bad(absl::string_view what, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", why));
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(absl::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

absl::Status ExpectTag(const Tlv& t, uint32_t tag, absl::string_view what) {
  if (t.tag != tag) {
    return Bad(what, absl::StrCat("expected tag ", absl::Hex(tag, absl::kZeroPad2), ", found ",
                                  absl::Hex(t.tag, absl::kZeroPad2)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Tlv> NextElement(TlvReader& r, uint32_t tag, absl::string_view what) {
  if (r.AtEnd()) return Bad(what, "missing");
  TlvReader ahead = r;
  absl::StatusOr<Tlv> t = ahead.Next();
  if (!t.ok()) return Bad(what, t.status().message());
  if (absl::Status s = ExpectTag(*t, tag, what); !s.ok()) return s;
  r = ahead;
  return t;
}

absl::StatusOr<std::vector<Tlv>> Children(const Tlv& parent, absl::string_view what) {
  if (!parent.constructed) return Bad(what, "expected a constructed value");
  std::vector<Tlv> out;
  TlvReader r(parent.value, BerOptions());
  while (!r.AtEnd()) {
    absl::StatusOr<Tlv> t = r.Next();
    if (!t.ok()) return Bad(what, t.status().message());
    out.push_back(*t);
  }
  return out;
}

absl::StatusOr<Tlv> ParseOne(ByteSpan input, uint32_t tag, absl::string_view what) {
  absl::StatusOr<Tlv> t = ParseSingleTlv(input, tag, BerOptions());
  if (!t.ok()) return Bad(what, t.status().message());
  return t;
}

absl::StatusOr<std::string> DecodeOidContents(ByteSpan contents) {
  constexpr absl::string_view kWhat = "OBJECT IDENTIFIER";
  if (contents.empty()) return Bad(kWhat, "empty");
  if (contents.back() & 0x80) return Bad(kWhat, "truncated arc");
  std::string out;
  uint64_t v = 0;
  bool arc_start = true;
  bool first = true;
  for (uint8_t b : contents) {
    if (arc_start && b == 0x80) return Bad(kWhat, "non-minimal arc");
    arc_start = false;
    if (v > (std::numeric_limits<uint64_t>::max() >> 7)) return Bad(kWhat, "arc over 64 bits");
    v = (v << 7) | (b & 0x7F);
    if (b & 0x80) continue;
    if (first) {
      const uint64_t a = v < 40 ? 0 : (v < 80 ? 1 : 2);
      absl::StrAppend(&out, a, ".", v - 40 * a);
      first = false;
    } else {
      absl::StrAppend(&out, ".", v);
    }
    v = 0;
    arc_start = true;
  }
  return out;
}

absl::StatusOr<std::string> OidOf(const Tlv& t, absl::string_view what) {
  if (absl::Status s = ExpectTag(t, kOid, what); !s.ok()) return s;
  absl::StatusOr<std::string> o = DecodeOidContents(t.value);
  if (!o.ok()) return Bad(what, o.status().message());
  return o;
}

absl::StatusOr<Bytes> EncodeOidContents(absl::string_view dotted) {
  auto bad = [dotted] { return Bad("OBJECT IDENTIFIER", absl::StrCat("bad OID \"", dotted, "\"")); };
  std::vector<uint64_t> arcs;
  for (absl::string_view part : absl::StrSplit(dotted, '.')) {
    uint64_t x = 0;
    if (part.empty() || !absl::SimpleAtoi(part, &x)) return bad();
    arcs.push_back(x);
  }
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) ||
      arcs[1] > std::numeric_limits<uint64_t>::max() - 80) {
    return bad();
  }
  Bytes out;
  auto append = [&out](uint64_t x) {
    uint8_t tmp[10];
    int n = 0;
    do {
      tmp[n++] = static_cast<uint8_t>(x & 0x7F);
      x >>= 7;
    } while (x != 0);
    while (n > 1) out.push_back(tmp[--n] | 0x80);
    out.push_back(tmp[0]);
  };
  append(arcs[0] * 40 + arcs[1]);
  for (size_t i = 2; i < arcs.size(); ++i) append(arcs[i]);
  return out;
}

Bytes EncodeOidTlv(absl::string_view dotted) {
  absl::StatusOr<Bytes> contents = EncodeOidContents(dotted);
  DOCVAL_CHECK_MSG(contents.ok(), "bad OID constant");
  return EncodeTlv(kOid, *contents);
}

absl::StatusOr<int64_t> SmallIntegerOf(const Tlv& t, absl::string_view what) {
  if (absl::Status s = ExpectTag(t, kInteger, what); !s.ok()) return s;
  if (t.value.empty()) return Bad(what, "empty INTEGER");
  if (t.value[0] & 0x80) return Bad(what, "negative INTEGER");
  size_t i = 0;
  while (i + 1 < t.value.size() && t.value[i] == 0) ++i;
  if (t.value.size() - i > 8 || (t.value.size() - i == 8 && (t.value[i] & 0x80))) {
    return Bad(what, "INTEGER too large");
  }
  int64_t v = 0;
  for (; i < t.value.size(); ++i) v = (v << 8) | t.value[i];
  return v;
}

absl::StatusOr<Bytes> UnsignedIntegerOf(const Tlv& t, absl::string_view what) {
  if (absl::Status s = ExpectTag(t, kInteger, what); !s.ok()) return s;
  if (t.value.empty()) return Bad(what, "empty INTEGER");
  if (t.value[0] & 0x80) return Bad(what, "negative INTEGER");
  size_t i = 0;
  while (i < t.value.size() && t.value[i] == 0) ++i;
  return Bytes(t.value.begin() + static_cast<ptrdiff_t>(i), t.value.end());
}

absl::StatusOr<Bytes> ParameterIntegerOf(const Tlv& t, absl::string_view what) {
  if (absl::Status s = ExpectTag(t, kInteger, what); !s.ok()) return s;
  ByteSpan v = t.value;
  if (v.empty()) return Bad(what, "empty INTEGER");
  while (v.size() > 1 && v[0] == 0) v.remove_prefix(1);
  return Bytes(v.begin(), v.end());
}

absl::StatusOr<Bytes> OctetStringOf(const Tlv& t, absl::string_view what) {
  if (t.tag == kOctetString) return Bytes(t.value.begin(), t.value.end());
  if (t.tag != kOctetStringConstructed) return ExpectTag(t, kOctetString, what);
  Bytes out;
  // Segments may themselves be constructed (BER allows nesting); bound the depth.
  struct Frame {
    ByteSpan rest;
  };
  std::vector<Frame> stack{{t.value}};
  while (!stack.empty()) {
    if (stack.size() > 8) return Bad(what, "OCTET STRING segments nested too deep");
    if (stack.back().rest.empty()) {
      stack.pop_back();
      continue;
    }
    size_t used = 0;
    absl::StatusOr<Tlv> seg = ParseTlv(stack.back().rest, &used, BerOptions());
    if (!seg.ok()) return Bad(what, seg.status().message());
    stack.back().rest = stack.back().rest.subspan(used);
    if (seg->tag == kOctetString) {
      out.insert(out.end(), seg->value.begin(), seg->value.end());
    } else if (seg->tag == kOctetStringConstructed) {
      stack.push_back({seg->value});
    } else {
      return Bad(what, "constructed OCTET STRING holds something else");
    }
  }
  return out;
}

absl::StatusOr<Bytes> BitStringBytesOf(const Tlv& t, absl::string_view what) {
  if (absl::Status s = ExpectTag(t, kBitString, what); !s.ok()) return s;
  if (t.value.empty()) return Bad(what, "empty BIT STRING");
  if (t.value[0] != 0) return Bad(what, "BIT STRING with unused bits");
  return Bytes(t.value.begin() + 1, t.value.end());
}

absl::StatusOr<int64_t> TimeOf(const Tlv& t, absl::string_view what) {
  absl::string_view s(reinterpret_cast<const char*>(t.value.data()), t.value.size());
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  size_t pos = 0;
  if (t.tag == kUtcTime) {
    int yy = 0;
    if (!Digits(s, 0, 2, &yy)) return Bad(what, "bad UTCTime");
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    pos = 2;
  } else if (t.tag == kGeneralizedTime) {
    if (!Digits(s, 0, 4, &year)) return Bad(what, "bad GeneralizedTime");
    pos = 4;
  } else {
    return Bad(what, "expected UTCTime or GeneralizedTime");
  }
  if (!Digits(s, pos, 2, &month) || !Digits(s, pos + 2, 2, &day) || !Digits(s, pos + 4, 2, &hour) ||
      !Digits(s, pos + 6, 2, &minute)) {
    return Bad(what, "bad time");
  }
  pos += 8;
  if (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (!Digits(s, pos, 2, &second)) return Bad(what, "bad seconds");
    pos += 2;
  }
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {  // fraction: ignored
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return Bad(what, "time is not in UTC ('Z')");
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return Bad(what, "time out of range");
  }
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hour * 3600 +
         minute * 60 + second;
}

absl::StatusOr<AlgorithmIdentifier> AlgorithmIdentifierOf(const Tlv& t, absl::string_view what) {
  if (absl::Status s = ExpectTag(t, kSequence, what); !s.ok()) return s;
  absl::StatusOr<std::vector<Tlv>> c = Children(t, what);
  if (!c.ok()) return c.status();
  if (c->empty() || c->size() > 2) return Bad(what, "AlgorithmIdentifier must have 1 or 2 elements");
  AlgorithmIdentifier a;
  absl::StatusOr<std::string> oid = OidOf((*c)[0], what);
  if (!oid.ok()) return oid.status();
  a.oid = *oid;
  if (c->size() == 2) a.parameters = Bytes((*c)[1].raw.begin(), (*c)[1].raw.end());
  a.raw = Bytes(t.raw.begin(), t.raw.end());
  return a;
}

Bytes EncodeAlgorithmIdentifier(absl::string_view dotted_oid, std::optional<ByteSpan> parameters) {
  Bytes inner = EncodeOidTlv(dotted_oid);
  if (parameters) inner.insert(inner.end(), parameters->begin(), parameters->end());
  return EncodeTlv(kSequence, inner);
}

}  // namespace docval::emrtd::asn1
