#include "validator/emrtd/tlv.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace docval::emrtd {
namespace {

absl::Status Malformed(absl::string_view what, size_t offset) {
  return absl::InvalidArgumentError(absl::StrCat("TLV: ", what, " at offset ", offset));
}

absl::StatusOr<Tlv> ParseAt(ByteSpan in, size_t* consumed, const TlvOptions& opt, int depth) {
  if (depth > opt.max_depth) return Malformed("nesting too deep", 0);
  size_t pos = 0;
  if (in.empty()) return Malformed("empty input", 0);
  Tlv t;
  uint8_t first = in[pos++];
  t.constructed = (first & 0x20) != 0;
  uint32_t tag = first;
  if ((first & 0x1F) == 0x1F) {
    int extra = 0;
    while (true) {
      if (pos >= in.size()) return Malformed("truncated tag", pos);
      if (++extra > 3) return Malformed("tag longer than 4 bytes", pos);
      uint8_t b = in[pos++];
      tag = (tag << 8) | b;
      if ((b & 0x80) == 0) break;
    }
  }
  t.tag = tag;
  if (pos >= in.size()) return Malformed("missing length", pos);
  uint8_t l0 = in[pos++];
  size_t length = 0;
  bool indefinite = false;
  if (l0 < 0x80) {
    length = l0;
  } else if (l0 == 0x80) {
    if (!opt.allow_indefinite || !t.constructed) return Malformed("indefinite length not allowed", pos - 1);
    indefinite = true;
  } else {
    size_t n = l0 & 0x7F;
    if (n > 4) return Malformed("length field longer than 4 bytes", pos - 1);
    if (in.size() - pos < n) return Malformed("truncated length", pos);
    for (size_t i = 0; i < n; ++i) length = (length << 8) | in[pos++];
  }
  if (!indefinite) {
    if (length > in.size() - pos) return Malformed(absl::StrCat("value of ", length, " bytes runs past the end"), pos);
    t.value = in.subspan(pos, length);
    pos += length;
  } else {
    size_t start = pos;
    while (true) {
      if (in.size() - pos >= 2 && in[pos] == 0 && in[pos + 1] == 0) {
        t.value = in.subspan(start, pos - start);
        pos += 2;
        break;
      }
      if (pos >= in.size()) return Malformed("missing end-of-contents", pos);
      size_t child = 0;
      absl::StatusOr<Tlv> c = ParseAt(in.subspan(pos), &child, opt, depth + 1);
      if (!c.ok()) return c.status();
      pos += child;
    }
  }
  t.raw = in.subspan(0, pos);
  if (consumed) *consumed = pos;
  return t;
}

}  // namespace

absl::StatusOr<Tlv> TlvReader::Next() {
  size_t consumed = 0;
  absl::StatusOr<Tlv> t = ParseAt(rest_, &consumed, options_, 0);
  if (t.ok()) rest_ = rest_.subspan(consumed);
  return t;
}

absl::StatusOr<Tlv> ParseTlv(ByteSpan input, size_t* consumed, TlvOptions options) {
  return ParseAt(input, consumed, options, 0);
}

absl::StatusOr<Tlv> ParseSingleTlv(ByteSpan input, uint32_t tag, TlvOptions options) {
  size_t consumed = 0;
  absl::StatusOr<Tlv> t = ParseAt(input, &consumed, options, 0);
  if (!t.ok()) return t.status();
  if (t->tag != tag) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLV: expected tag ", absl::Hex(tag), ", found ", absl::Hex(t->tag)));
  }
  if (consumed != input.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLV: ", input.size() - consumed, " trailing bytes after tag ", absl::Hex(tag)));
  }
  return t;
}

absl::StatusOr<std::optional<Tlv>> FindChild(ByteSpan constructed_value, uint32_t tag, TlvOptions options) {
  TlvReader r(constructed_value, options);
  while (!r.AtEnd()) {
    absl::StatusOr<Tlv> t = r.Next();
    if (!t.ok()) return t.status();
    if (t->tag == tag) return std::optional<Tlv>(*t);
  }
  return std::optional<Tlv>();
}

void AppendTag(uint32_t tag, Bytes& out) {
  bool started = false;
  for (int shift = 24; shift >= 0; shift -= 8) {
    uint8_t b = static_cast<uint8_t>(tag >> shift);
    if (b != 0 || started || shift == 0) {
      out.push_back(b);
      started = true;
    }
  }
}

size_t LengthFieldSize(size_t length) {
  if (length < 0x80) return 1;
  if (length <= 0xFF) return 2;
  if (length <= 0xFFFF) return 3;
  if (length <= 0xFFFFFF) return 4;
  return 5;
}

void AppendLength(size_t length, Bytes& out) {
  DOCVAL_CHECK(length <= 0xFFFFFFFFu);
  size_t n = LengthFieldSize(length);
  if (n == 1) {
    out.push_back(static_cast<uint8_t>(length));
    return;
  }
  out.push_back(static_cast<uint8_t>(0x80 | (n - 1)));
  for (size_t i = n - 1; i > 0; --i) out.push_back(static_cast<uint8_t>(length >> (8 * (i - 1))));
}

void AppendTlv(uint32_t tag, ByteSpan value, Bytes& out) {
  AppendTag(tag, out);
  AppendLength(value.size(), out);
  out.insert(out.end(), value.begin(), value.end());
}

Bytes EncodeTlv(uint32_t tag, ByteSpan value) {
  Bytes out;
  out.reserve(value.size() + 8);
  AppendTlv(tag, value, out);
  return out;
}

}  // namespace docval::emrtd
