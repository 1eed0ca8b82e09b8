#include "tools/vchip/lds_builder.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "tools/vchip/chip_params.h"
#include "tools/vchip/chip_tlv.h"
#include "tools/vchip/virtual_chip.h"

namespace docval::vchip {
namespace {

absl::StatusOr<std::string> Field(absl::string_view value, size_t width, absl::string_view what) {
  std::string out;
  for (char ch : value) {
    if (ch == ' ') ch = '<';
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '<')) {
      return absl::InvalidArgumentError(absl::StrCat("MRZ ", what, ": character '", std::string(1, ch), "'"));
    }
    out.push_back(ch);
  }
  if (out.size() > width) {
    return absl::InvalidArgumentError(absl::StrCat("MRZ ", what, " longer than ", width));
  }
  out.resize(width, '<');
  return out;
}

absl::StatusOr<std::string> NameField(const MrzFields& f, size_t width) {
  std::string name = absl::StrCat(f.primary_identifier, "<<", f.secondary_identifier);
  for (char& ch : name) {
    if (ch == ' ' || ch == '-' || ch == ',') ch = '<';
  }
  if (name.size() > width) name.resize(width);  // ICAO truncation of long names
  return Field(name, width, "name");
}

std::string Cd(absl::string_view s) { return std::string(1, MrzCheckDigit(s)); }

Bytes Str(absl::string_view s) { return Bytes(s.begin(), s.end()); }

void Append(Bytes& out, ByteSpan part) { out.insert(out.end(), part.begin(), part.end()); }

void Put16(Bytes& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void Put32(Bytes& out, uint32_t v) {
  Put16(out, v >> 16);
  Put16(out, v & 0xFFFF);
}

// A DG11/DG12 template: the '5C' list of the tags present, then the data elements in that order.
class TemplateBuilder {
 public:
  // A text data element; empty text is left out.
  void Text(uint32_t tag, const std::string& value) {
    if (!value.empty()) Element(tag, Tlv(tag, Str(value)));
  }
  // An encoded data element (the 'A0' container).
  void Element(uint32_t tag, ByteSpan encoded) {
    Append(tags_, EncodeTag(tag));
    Append(body_, encoded);
  }
  Bytes Build(uint32_t template_tag) const { return Tlv(template_tag, emrtd::Concat({Tlv(0x5C, tags_), body_})); }

 private:
  Bytes tags_;
  Bytes body_;
};

}  // namespace

absl::StatusOr<std::string> BuildMrz(const MrzFields& f) {
  auto code = Field(f.document_code, 2, "document code");
  auto state = Field(f.issuing_state, 3, "issuing state");
  auto nat = Field(f.nationality, 3, "nationality");
  auto doc = Field(f.document_number, 9, "document number");
  auto dob = Field(f.date_of_birth, 6, "date of birth");
  auto doe = Field(f.date_of_expiry, 6, "date of expiry");
  auto sex = Field(f.sex, 1, "sex");
  for (const auto* s : {&code, &state, &nat, &doc, &dob, &doe, &sex}) {
    if (!s->ok()) return s->status();
  }
  switch (f.format) {
    case DocumentFormat::kTd3: {
      auto name = NameField(f, 39);
      auto opt = Field(f.optional_data1, 14, "optional data");
      if (!name.ok()) return name.status();
      if (!opt.ok()) return opt.status();
      std::string l1 = absl::StrCat(*code, *state, *name);
      std::string l2 = absl::StrCat(*doc, Cd(*doc), *nat, *dob, Cd(*dob), *sex, *doe, Cd(*doe), *opt, Cd(*opt));
      std::string composite = absl::StrCat(l2.substr(0, 10), l2.substr(13, 7), l2.substr(21, 22));
      l2 += Cd(composite);
      DOCVAL_CHECK(l1.size() == 44 && l2.size() == 44);
      return l1 + l2;
    }
    case DocumentFormat::kTd2: {
      auto name = NameField(f, 31);
      auto opt = Field(f.optional_data1, 7, "optional data");
      if (!name.ok()) return name.status();
      if (!opt.ok()) return opt.status();
      std::string l1 = absl::StrCat(*code, *state, *name);
      std::string l2 = absl::StrCat(*doc, Cd(*doc), *nat, *dob, Cd(*dob), *sex, *doe, Cd(*doe), *opt);
      std::string composite = absl::StrCat(l2.substr(0, 10), l2.substr(13, 7), l2.substr(21, 14));
      l2 += Cd(composite);
      DOCVAL_CHECK(l1.size() == 36 && l2.size() == 36);
      return l1 + l2;
    }
    case DocumentFormat::kTd1: {
      auto name = NameField(f, 30);
      auto opt1 = Field(f.optional_data1, 15, "optional data 1");
      auto opt2 = Field(f.optional_data2, 11, "optional data 2");
      if (!name.ok()) return name.status();
      if (!opt1.ok()) return opt1.status();
      if (!opt2.ok()) return opt2.status();
      std::string l1 = absl::StrCat(*code, *state, *doc, Cd(*doc), *opt1);
      std::string l2 = absl::StrCat(*dob, Cd(*dob), *sex, *doe, Cd(*doe), *nat, *opt2);
      std::string composite = absl::StrCat(l1.substr(5, 25), l2.substr(0, 7), l2.substr(8, 7), l2.substr(18, 11));
      l2 += Cd(composite);
      DOCVAL_CHECK(l1.size() == 30 && l2.size() == 30 && name->size() == 30);
      return l1 + l2 + *name;
    }
  }
  return absl::InvalidArgumentError("unknown document format");
}

absl::StatusOr<Bytes> BuildDg1(const MrzFields& f) {
  absl::StatusOr<std::string> mrz = BuildMrz(f);
  if (!mrz.ok()) return mrz.status();
  return Tlv(0x61, Tlv(0x5F1F, Str(*mrz)));
}

Bytes BuildDg2(const FaceImage& face, FaceEncoding encoding) {
  Bytes bht;
  Bytes bdb;
  if (encoding == FaceEncoding::kIso19794_5) {
    bht = TlvOf(0xA1, {Tlv(0x80, Bytes{0x01, 0x01}), Tlv(0x81, Bytes{0x02}), Tlv(0x82, Bytes{0x00}),
                       Tlv(0x87, Bytes{0x01, 0x01}), Tlv(0x88, Bytes{0x00, 0x08})});
    const uint32_t facial_len = 20 + 12 + static_cast<uint32_t>(face.image.size());
    Bytes rec = {'F', 'A', 'C', 0, '0', '1', '0', 0};
    Put32(rec, 14 + facial_len);
    Put16(rec, 1);  // one facial image
    Put32(rec, facial_len);
    Put16(rec, 0);  // feature points
    rec.push_back(face.sex == 'M' ? 1 : face.sex == 'F' ? 2 : 0);
    rec.push_back(0);                     // eye colour: unspecified
    rec.push_back(0);                     // hair colour: unspecified
    Append(rec, Bytes{0x00, 0x00, 0x00});  // feature mask
    Put16(rec, 0);                        // expression
    Append(rec, Bytes{0, 0, 0});          // pose angle
    Append(rec, Bytes{0, 0, 0});          // pose angle uncertainty
    rec.push_back(0x01);                  // face image type: full frontal
    rec.push_back(face.format == ImageFormat::kJpeg ? 0x00 : 0x01);
    Put16(rec, face.width);
    Put16(rec, face.height);
    rec.push_back(0x01);  // colour space: 24-bit RGB
    rec.push_back(0x02);  // source type: digital still camera
    Put16(rec, 0);        // device type
    Put16(rec, 0);        // quality
    Append(rec, face.image);
    bdb = Tlv(0x5F2E, rec);
  } else if (encoding == FaceEncoding::kIso19794_5_2011) {
    bht = TlvOf(0xA1, {Tlv(0x80, Bytes{0x01, 0x01}), Tlv(0x81, Bytes{0x02}), Tlv(0x82, Bytes{0x00}),
                       Tlv(0x87, Bytes{0x01, 0x01}), Tlv(0x88, Bytes{0x00, 0x08})});
    Bytes rep;
    Append(rep, Bytes{0x07, 0xE9, 1, 1, 0, 0, 0, 0, 0});  // captured 2025-01-01 00:00:00.000
    rep.push_back(0x01);                                  // device technology: static photograph (digital)
    Put16(rep, 0);                                        // device vendor
    Put16(rep, 0);                                        // device type
    rep.push_back(1);                                     // one quality block:
    Append(rep, Bytes{80, 0x00, 0x00, 0x00, 0x00});       //   score 80, algorithm vendor and id unknown
    Put16(rep, 2);                                        // landmark points
    rep.push_back(face.sex == 'M' ? 1 : face.sex == 'F' ? 2 : 0);
    rep.push_back(0);                     // eye colour: unspecified
    rep.push_back(0);                     // hair colour: unspecified
    rep.push_back(0);                     // subject height: unspecified
    Append(rep, Bytes{0x00, 0x00, 0x00});  // property mask
    Put16(rep, 0);                        // expression
    Append(rep, Bytes{0, 0, 0});          // pose angles
    Append(rep, Bytes{0, 0, 0});          // pose angle uncertainties
    for (uint8_t code : {0x01, 0x02}) {   // MPEG-4 feature points 12.1 / 12.2 (eye centres)
      Append(rep, Bytes{0x01, static_cast<uint8_t>(0xC0 | code)});
      Put16(rep, static_cast<uint16_t>(face.width / 3 * code));
      Put16(rep, static_cast<uint16_t>(face.height / 2));
      Put16(rep, 0);
    }
    rep.push_back(0x01);  // face image type: full frontal
    rep.push_back(face.format == ImageFormat::kJpeg ? 0x00 : 0x01);
    Put16(rep, face.width);
    Put16(rep, face.height);
    rep.push_back(0x00);  // spatial sampling rate level
    Put16(rep, 0);        // post-acquisition processing
    rep.push_back(0x00);  // cross reference
    rep.push_back(0x01);  // colour space: 24-bit RGB
    Append(rep, face.image);
    Bytes rec = {'F', 'A', 'C', 0, '0', '3', '0', 0};
    Put32(rec, 17 + 4 + static_cast<uint32_t>(rep.size()));
    Put16(rec, 1);    // one representation
    rec.push_back(0);  // certification flag
    Put16(rec, 0);    // temporal semantics
    Put32(rec, 4 + static_cast<uint32_t>(rep.size()));
    Append(rec, rep);
    bdb = Tlv(0x5F2E, rec);
  } else {
    bht = TlvOf(0xA1, {Tlv(0x87, Bytes{0x01, 0x01}), Tlv(0x88, Bytes{0x00, 0x2A})});
    const uint8_t fmt = face.format == ImageFormat::kJpeg ? 0x02 : 0x03;
    Bytes image_2d = TlvOf(0xA0, {Tlv(0x80, face.image), TlvOf(0xA1, {TlvOf(0xA0, {Tlv(0x80, Bytes{fmt})})})});
    Bytes representation = TlvOf(0x30, {Tlv(0x80, Bytes{0x00}), TlvOf(0xA1, {TlvOf(0xA0, {image_2d})})});
    Bytes version = TlvOf(0xA0, {Tlv(0x80, Bytes{0x03}), Tlv(0x81, Bytes{0x07, 0xE3})});
    Bytes face_block = TlvOf(0x65, {version, TlvOf(0xA1, {representation})});
    bdb = Tlv(0x7F2E, Tlv(0xA1, face_block));
  }
  Bytes bit = TlvOf(0x7F60, {bht, bdb});
  return Tlv(0x75, TlvOf(0x7F61, {Tlv(0x02, Bytes{0x01}), bit}));
}

Bytes BuildDg7(const std::vector<Bytes>& images) {
  Bytes body = Tlv(0x02, Bytes{static_cast<uint8_t>(images.size())});
  for (const Bytes& img : images) Append(body, Tlv(0x5F43, img));
  return Tlv(0x67, body);
}

Bytes BuildDg11(const Dg11Fields& f) {
  TemplateBuilder t;
  t.Text(0x5F0E, f.full_name);
  if (!f.other_names.empty()) {
    Bytes names = Tlv(0x02, Bytes{static_cast<uint8_t>(f.other_names.size())});
    for (const std::string& n : f.other_names) Append(names, Tlv(0x5F0F, Str(n)));  // ICAO 9303-10: 5F0F inside A0
    t.Element(0xA0, Tlv(0xA0, names));
  }
  t.Text(0x5F10, f.personal_number);
  t.Text(0x5F2B, f.full_date_of_birth);
  t.Text(0x5F11, f.place_of_birth);
  t.Text(0x5F42, f.permanent_address);
  t.Text(0x5F12, f.telephone);
  t.Text(0x5F13, f.profession);
  t.Text(0x5F14, f.title);
  t.Text(0x5F15, f.personal_summary);
  t.Text(0x5F18, f.custody_information);
  return t.Build(0x6B);
}

Bytes BuildDg12(const Dg12Fields& f) {
  TemplateBuilder t;
  t.Text(0x5F19, f.issuing_authority);
  t.Text(0x5F26, f.date_of_issue);
  t.Text(0x5F1B, f.endorsements_and_observations);
  t.Text(0x5F1C, f.tax_or_exit_requirements);
  t.Text(0x5F55, f.date_and_time_of_personalization);
  t.Text(0x5F56, f.personalization_system_serial_number);
  return t.Build(0x6C);
}

uint8_t DataGroupTag(int n) {
  static const uint8_t kTags[17] = {0,    0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
                                    0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70};
  DOCVAL_CHECK(n >= 1 && n <= 16);
  return kTags[n];
}

Bytes BuildCom(const std::vector<int>& data_groups) {
  Bytes list;
  for (int n : data_groups) list.push_back(DataGroupTag(n));
  return Tlv(0x60, emrtd::Concat({Tlv(0x5F01, Str("0107")), Tlv(0x5F36, Str("040000")), Tlv(0x5C, list)}));
}

Bytes DerInteger(uint64_t v) {
  Bytes b = MinimalUnsigned(v);
  if (b[0] & 0x80) b.insert(b.begin(), 0x00);
  return Tlv(0x02, b);
}

Bytes DerOid(const std::string& dotted) { return Tlv(0x06, EncodeOid(dotted)); }

Bytes PaceInfo(const std::string& protocol_oid, int parameter_id) {
  return TlvOf(0x30, {DerOid(protocol_oid), DerInteger(2), DerInteger(static_cast<uint64_t>(parameter_id))});
}

Bytes ChipAuthenticationInfo(const std::string& protocol_oid, std::optional<int> key_id) {
  Bytes body = emrtd::Concat({DerOid(protocol_oid), DerInteger(1)});
  if (key_id.has_value()) Append(body, DerInteger(static_cast<uint64_t>(*key_id)));
  return Tlv(0x30, body);
}

Bytes ChipAuthenticationPublicKeyInfo(const std::string& pk_oid, ByteSpan spki, std::optional<int> key_id) {
  Bytes body = emrtd::Concat({DerOid(pk_oid), spki});
  if (key_id.has_value()) Append(body, DerInteger(static_cast<uint64_t>(*key_id)));
  return Tlv(0x30, body);
}

Bytes ActiveAuthenticationInfo(const std::string& signature_algorithm_oid) {
  return TlvOf(0x30, {DerOid(std::string(kOidAa)), DerInteger(1), DerOid(signature_algorithm_oid)});
}

Bytes TerminalAuthenticationInfo() { return TlvOf(0x30, {DerOid(std::string(kOidTa)), DerInteger(1)}); }

Bytes SecurityInfos(std::vector<Bytes> infos) {
  std::sort(infos.begin(), infos.end());
  Bytes body;
  for (const Bytes& i : infos) Append(body, i);
  return Tlv(0x31, body);
}

Bytes BuildDg14(std::vector<Bytes> infos) { return Tlv(0x6E, SecurityInfos(std::move(infos))); }
Bytes BuildDg15(ByteSpan spki) { return Tlv(0x6F, spki); }
Bytes BuildCardAccess(std::vector<Bytes> infos) { return SecurityInfos(std::move(infos)); }

Bytes BuildAtrInfo(size_t max_command_bytes, size_t max_response_bytes) {
  return TlvOf(0x7F66, {DerInteger(max_command_bytes), DerInteger(max_response_bytes)});
}

}  // namespace docval::vchip
