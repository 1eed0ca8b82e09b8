// Interop: OpenPACE (libeac, an independent implementation) plays the chip side of PACE against our
// reader, and then answers SELECT / READ BINARY under secure messaging built from its own primitives
// (EAC_encrypt / EAC_decrypt / EAC_authenticate / EAC_verify_authentication).
//
// Covered: Generic Mapping with ECDH on every standardized curve and with DH on the three RFC 5114
// groups, with AES-128/192/256 and 3DES, CAN and MRZ passwords. Not covered, because libeac 1.1.2 does
// not implement them as ICAO 9303-11 specifies: Integrated Mapping (OpenPACE implements the older
// TR-03110 v2 mapping x = E(t, s) without the pseudo-random function R(s,t)) and CAM (absent).
//
// OpenPACE encodes DH values (public keys, the shared secret) with BN_bn2bin, i.e. without leading
// zero bytes: right for the public values of the token inputs (ICAO 9303-11 §9.4.1), not for K (PKCS #3:
// |p| bytes). The reader abandons a run whose K or chip key begins with 00 and starts PACE again
// (docs/pace.md, "DH encodings"), which the glue allows (MSE:Set AT starts over), so every session
// must succeed.
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <eac/eac.h>
#include <eac/pace.h>
#include <openssl/buffer.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "validator/emrtd/access/mrz_key.h"
#include "validator/emrtd/access/pace.h"
#include "validator/emrtd/apdu.h"
#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/asn1_util.h"
#include "validator/emrtd/lds/security_infos.h"
#include "validator/emrtd/tlv.h"

namespace docval::emrtd {
namespace {

struct BufFree {
  void operator()(BUF_MEM* b) const { BUF_MEM_free(b); }
};
using Buf = std::unique_ptr<BUF_MEM, BufFree>;

Buf ToBuf(ByteSpan b) {
  BUF_MEM* m = BUF_MEM_new();
  BUF_MEM_grow(m, b.size());
  if (!b.empty()) std::memcpy(m->data, b.data(), b.size());
  m->length = b.size();
  return Buf(m);
}
Bytes FromBuf(const BUF_MEM* m) {
  if (m == nullptr) return {};
  return Bytes(reinterpret_cast<const uint8_t*>(m->data), reinterpret_cast<const uint8_t*>(m->data) + m->length);
}

Bytes CardAccessFor(const std::string& oid, int id) {
  const Bytes info = EncodeTlv(0x30, Concat({EncodeTlv(0x06, *asn1::EncodeOidContents(oid)), HexOrDie("020102"),
                                             EncodeTlv(0x02, Bytes{static_cast<uint8_t>(id)})}));
  return EncodeTlv(0x31, info);
}

// The chip: OpenPACE's card-side PACE steps, and a card-side SM on OpenPACE's primitives.
class OpenPaceChip {
 public:
  OpenPaceChip(ByteSpan card_access, const std::string& secret, enum s_type type, PacePasswordType expected_ref,
               size_t modulus_size, Bytes file)
      : card_access_(card_access.begin(), card_access.end()),
        expected_ref_(expected_ref),
        modulus_size_(modulus_size),
        file_(std::move(file)) {
    ctx_ = EAC_CTX_new();
    ok_ = ctx_ != nullptr && EAC_CTX_init_ef_cardaccess(card_access.data(), card_access.size(), ctx_) == 1 &&
          ctx_->pace_ctx != nullptr;
    sec_ = PACE_SEC_new(secret.data(), secret.size(), type);
    ok_ = ok_ && sec_ != nullptr;
  }
  ~OpenPaceChip() {
    EAC_CTX_clear_free(ctx_);
    PACE_SEC_clear_free(sec_);
  }
  OpenPaceChip(const OpenPaceChip&) = delete;
  OpenPaceChip& operator=(const OpenPaceChip&) = delete;

  bool ok() const { return ok_; }
  // A run of this session had a DH value that OpenPACE encodes without its leading zeros.
  bool nonconformant_encoding() const { return nonconformant_encoding_; }
  int restarts() const { return restarts_; }
  bool pace_done() const { return step_ == 5; }
  Bytes k_enc() const { return FromBuf(ctx_->pace_ctx->ka_ctx->k_enc); }
  Bytes k_mac() const { return FromBuf(ctx_->pace_ctx->ka_ctx->k_mac); }
  const std::string& complaint() const { return complaint_; }

  absl::StatusOr<Bytes> operator()(ByteSpan raw) {
    absl::StatusOr<CommandApdu> c = CommandApdu::Parse(raw);
    if (!c.ok()) return c.status();
    ResponseApdu r = step_ == 5 ? Secure(*c) : Pace(*c);
    return r.Encode();
  }

 private:
  ResponseApdu Refuse(uint16_t sw, std::string why) {
    complaint_ = std::move(why);
    return ResponseApdu{{}, sw};
  }
  static ResponseApdu Answer(uint8_t tag, const Bytes& value) {
    return ResponseApdu{EncodeDynamicAuthenticationData({{tag, value}}), 0x9000};
  }

  ResponseApdu Pace(const CommandApdu& c) {
    if (step_ != 0 && c.ins == 0x22) {  // MSE:Set AT again: a fresh OpenPACE context
      EAC_CTX_clear_free(ctx_);
      ctx_ = EAC_CTX_new();
      if (ctx_ == nullptr || EAC_CTX_init_ef_cardaccess(card_access_.data(), card_access_.size(), ctx_) != 1) {
        return Refuse(0x6F00, "OpenPACE context");
      }
      step_ = 0;
      ++restarts_;
    }
    if (step_ == 0) {
      if (c.ins != 0x22 || c.p1 != 0xC1 || c.p2 != 0xA4 || c.ne != 0) return Refuse(0x6D00, "expected MSE:Set AT");
      absl::StatusOr<std::optional<Tlv>> ref = FindChild(c.data, 0x83);
      if (!ref.ok() || !ref->has_value() || (*ref)->value.size() != 1 ||
          (*ref)->value[0] != static_cast<uint8_t>(expected_ref_)) {
        return Refuse(0x6A88, "password reference");
      }
      step_ = 1;
      return ResponseApdu{{}, 0x9000};
    }
    if (c.ins != 0x86 || c.cla != (step_ < 4 ? 0x10 : 0x00)) return Refuse(0x6D00, "expected GENERAL AUTHENTICATE");
    absl::StatusOr<DynamicAuthenticationData> in = ParseDynamicAuthenticationData(c.data);
    if (!in.ok()) return Refuse(0x6A80, "7C");
    switch (step_) {
      case 1: {
        Buf z(PACE_STEP1_enc_nonce(ctx_, sec_));
        if (!z) return Refuse(0x6F00, "PACE_STEP1_enc_nonce");
        step_ = 2;
        return Answer(0x80, FromBuf(z.get()));
      }
      case 2: {
        const Bytes* m = in->Find(0x81);
        if (m == nullptr) return Refuse(0x6A80, "81");
        Buf mine(PACE_STEP3A_generate_mapping_data(ctx_));
        Buf theirs = ToBuf(*m);
        if (!mine || !PACE_STEP3A_map_generator(ctx_, theirs.get())) return Refuse(0x6A80, "mapping");
        step_ = 3;
        return Answer(0x82, FromBuf(mine.get()));
      }
      case 3: {
        const Bytes* pk = in->Find(0x83);
        if (pk == nullptr) return Refuse(0x6A80, "83");
        terminal_ephemeral_ = *pk;
        Buf mine(PACE_STEP3B_generate_ephemeral_key(ctx_));
        Buf theirs = ToBuf(*pk);
        if (!mine || !PACE_STEP3B_compute_shared_secret(ctx_, theirs.get()) || !PACE_STEP3C_derive_keys(ctx_)) {
          return Refuse(0x6A80, "key agreement");
        }
        if (modulus_size_ != 0) {
          // DH: OpenPACE drops leading zeros of its values (see the file comment).
          const BUF_MEM* k = ctx_->pace_ctx->ka_ctx->shared_secret;
          const bool short_terminal_key = !pk->empty() && (*pk)[0] == 0;
          nonconformant_encoding_ = nonconformant_encoding_ || mine->length != modulus_size_ ||
                                    k->length != modulus_size_ || short_terminal_key;
        }
        step_ = 4;
        return Answer(0x84, FromBuf(mine.get()));
      }
      case 4: {
        const Bytes* t = in->Find(0x85);
        if (t == nullptr) return Refuse(0x6A80, "85");
        Buf token = ToBuf(*t);
        if (PACE_STEP3D_verify_authentication_token(ctx_, token.get()) != 1) return Refuse(0x6300, "terminal token");
        Buf terminal = ToBuf(terminal_ephemeral_);
        Buf mine(PACE_STEP3D_compute_authentication_token(ctx_, terminal.get()));
        if (!mine || EAC_CTX_set_encryption_ctx(ctx_, EAC_ID_PACE) != 1) return Refuse(0x6F00, "token");
        step_ = 5;
        return Answer(0x86, FromBuf(mine.get()));
      }
    }
    return Refuse(0x6F00, "state");
  }

  Bytes Pad(ByteSpan data) const {
    Buf in = ToBuf(data);
    Buf out(EAC_add_iso_pad(ctx_, in.get()));
    return FromBuf(out.get());
  }

  // Card-side secure messaging (ICAO 9303-11 §9.8) on OpenPACE's primitives; EAC_authenticate and
  // EAC_verify_authentication prepend the SSC themselves, EAC_encrypt/decrypt derive the IV from it.
  ResponseApdu Secure(const CommandApdu& c) {
    EAC_increment_ssc(ctx_);
    if ((c.cla & 0x0C) != 0x0C) return Refuse(0x6987, "plain command under SM");
    Bytes macced = Pad(Bytes{c.cla, c.ins, c.p1, c.p2});
    Bytes cryptogram;
    Bytes mac;
    size_t ne = 0;
    TlvReader r(c.data);
    while (!r.AtEnd()) {
      absl::StatusOr<Tlv> t = r.Next();
      if (!t.ok()) return Refuse(0x6988, "SM TLV");
      if (t->tag == 0x8E) {
        mac.assign(t->value.begin(), t->value.end());
        break;
      }
      macced.insert(macced.end(), t->raw.begin(), t->raw.end());
      if (t->tag == 0x87 && !t->value.empty()) cryptogram.assign(t->value.begin() + 1, t->value.end());
      if (t->tag == 0x97) {
        for (uint8_t b : t->value) ne = (ne << 8) | b;
        if (ne == 0) ne = t->value.size() == 1 ? 256 : 65536;
      }
    }
    Buf mac_input = ToBuf(Pad(macced));
    Buf mac_buf = ToBuf(mac);
    if (mac.empty() || EAC_verify_authentication(ctx_, mac_input.get(), mac_buf.get()) != 1) {
      return Refuse(0x6988, "command MAC");
    }
    Bytes plain_data;
    if (!cryptogram.empty()) {
      Buf ct = ToBuf(cryptogram);
      Buf padded(EAC_decrypt(ctx_, ct.get()));
      Buf unpadded(EAC_remove_iso_pad(padded.get()));
      plain_data = FromBuf(unpadded.get());
    }
    // The file system: SELECT EF.COM, READ BINARY.
    Bytes data;
    uint16_t sw = 0x9000;
    if (c.ins == 0xA4) {
      selected_ = plain_data == HexOrDie("011E");
      if (!selected_) sw = 0x6A82;
    } else if (c.ins == 0xB0 && selected_) {
      const size_t offset = (static_cast<size_t>(c.p1) << 8) | c.p2;
      if (offset < file_.size())
        data.assign(file_.begin() + offset, file_.begin() + std::min(file_.size(), offset + ne));
    } else {
      sw = 0x6D00;
    }
    EAC_increment_ssc(ctx_);
    Bytes dos;
    if (!data.empty()) {
      Buf padded = ToBuf(Pad(data));
      Buf ct(EAC_encrypt(ctx_, padded.get()));
      dos = EncodeTlv(0x87, Concat({HexOrDie("01"), FromBuf(ct.get())}));
    }
    const Bytes do99 = EncodeTlv(0x99, Bytes{static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)});
    dos.insert(dos.end(), do99.begin(), do99.end());
    Buf to_mac = ToBuf(Pad(dos));
    Buf response_mac(EAC_authenticate(ctx_, to_mac.get()));
    const Bytes do8e = EncodeTlv(0x8E, FromBuf(response_mac.get()));
    dos.insert(dos.end(), do8e.begin(), do8e.end());
    return ResponseApdu{dos, sw};
  }

  Bytes card_access_;
  int restarts_ = 0;
  EAC_CTX* ctx_ = nullptr;
  PACE_SEC* sec_ = nullptr;
  bool ok_ = false;
  PacePasswordType expected_ref_;
  size_t modulus_size_;
  Bytes file_;
  int step_ = 0;
  Bytes terminal_ephemeral_;
  bool nonconformant_encoding_ = false;
  bool selected_ = false;
  std::string complaint_;
};

struct Case {
  std::string oid;
  int parameter_id;
  bool mrz = false;
};

class PaceOpenPaceTest : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() { EAC_init(); }
};

// TD1 (three lines of 30) with the G.1 document: OpenPACE reads the document number, date of birth and
// date of expiry with their check digits at offsets 5, 30 and 38.
constexpr char kTd1Mrz[] =
    "I<UTOT220001293<<<<<<<<<<<<<<<"
    "6408125F1010318UTO<<<<<<<<<<<0"
    "MUSTERMANN<<ERIKA<<<<<<<<<<<<<";

TEST_P(PaceOpenPaceTest, OpenPaceChipAgreesAndServesAFileUnderSecureMessaging) {
  const Case& tc = GetParam();
  const Bytes card_access = CardAccessFor(tc.oid, tc.parameter_id);
  absl::StatusOr<SecurityInfos> infos = ParseSecurityInfos(card_access);
  ASSERT_TRUE(infos.ok());
  absl::StatusOr<PaceParameters> params = ResolvePaceInfo(infos->pace.at(0), {});
  ASSERT_TRUE(params.ok()) << params.status();
  const size_t modulus_size = params->domain.is_ec() ? 0 : params->domain.secret_size();

  PacePassword password;
  std::string secret;
  enum s_type type;
  if (tc.mrz) {
    AccessKey key;
    key.document_number = ToSecure(AsSpan(std::string("T22000129")));
    key.date_of_birth = ToSecure(AsSpan(std::string("640812")));
    key.date_of_expiry = ToSecure(AsSpan(std::string("101031")));
    password = PacePassword{PacePasswordType::kMrz, *MrzPasswordHash(key)};
    secret = kTd1Mrz;
    type = PACE_MRZ;
  } else {
    password = PacePassword{PacePasswordType::kCan, ToSecure(AsSpan(std::string("500540")))};
    secret = "500540";
    type = PACE_CAN;
  }
  const Bytes ef_com = HexOrDie("60145F0104303130365F36063034303030305C026175");

  // Sessions with every value's leading byte as chance gives it: each must succeed (a DH value with a
  // leading zero, 3 in 256 per session, costs the reader a second run).
  for (int session = 0; session < 4; ++session) {
    OpenPaceChip chip(card_access, secret, type, password.type, modulus_size, ef_com);
    ASSERT_TRUE(chip.ok()) << "OpenPACE did not accept the EF.CardAccess";
    auto rng = NewSystemRandom();
    CardLink link({.extended_length = true});
    ChipChannel channel(link);
    Task<absl::StatusOr<PaceResult>> task = RunPace(channel, *params, password, *rng);
    absl::StatusOr<PaceResult> result = RunDialog(task, link, std::ref(chip));
    ASSERT_TRUE(result.ok()) << result.status() << " / OpenPACE: " << chip.complaint();
    // A run with a DH value OpenPACE encodes without its leading zero was abandoned by the reader.
    EXPECT_EQ(chip.restarts() > 0, chip.nonconformant_encoding());
    ASSERT_TRUE(chip.pace_done());
    // Both sides derived the same session keys (for 3DES up to the DES parity bits, which our KDF
    // sets and OpenPACE leaves as the hash gave them; DES ignores them).
    auto key_bits = [&](ByteSpan k) {
      Bytes out(k.begin(), k.end());
      if (params->protocol.cipher == KeyAlgorithm::k3Des) {
        for (uint8_t& b : out) b &= 0xFE;
      }
      return ToHex(out);
    };
    EXPECT_EQ(key_bits(result->keys.ks_enc), key_bits(chip.k_enc()));
    EXPECT_EQ(key_bits(result->keys.ks_mac), key_bits(chip.k_mac()));
    EXPECT_EQ(result->keys.ks_enc.size(), KeyLength(params->protocol.cipher));

    // SELECT EF.COM and READ BINARY under secure messaging, answered by OpenPACE's SM.
    CommandApdu select{.cla = 0x00, .ins = 0xA4, .p1 = 0x02, .p2 = 0x0C, .data = HexOrDie("011E")};
    Task<absl::StatusOr<ResponseApdu>> t1 = channel.Transmit(select);
    absl::StatusOr<ResponseApdu> r1 = RunDialog(t1, link, std::ref(chip));
    ASSERT_TRUE(r1.ok()) << r1.status() << " / OpenPACE: " << chip.complaint();
    EXPECT_EQ(r1->sw, 0x9000);
    CommandApdu read{.cla = 0x00, .ins = 0xB0, .p1 = 0x00, .p2 = 0x00, .ne = 256};
    Task<absl::StatusOr<ResponseApdu>> t2 = channel.Transmit(read);
    absl::StatusOr<ResponseApdu> r2 = RunDialog(t2, link, std::ref(chip));
    ASSERT_TRUE(r2.ok()) << r2.status() << " / OpenPACE: " << chip.complaint();
    EXPECT_EQ(ToHex(r2->data), ToHex(ef_com));
  }
}

INSTANTIATE_TEST_SUITE_P(
    GenericMapping, PaceOpenPaceTest,
    ::testing::Values(
        // ECDH on every standardized curve.
        Case{oid::kPaceEcdhGmAes128, 8}, Case{oid::kPaceEcdhGmAes128, 9}, Case{oid::kPaceEcdhGmAes128, 10},
        Case{oid::kPaceEcdhGmAes128, 11}, Case{oid::kPaceEcdhGmAes128, 12}, Case{oid::kPaceEcdhGmAes128, 13},
        Case{oid::kPaceEcdhGmAes192, 14}, Case{oid::kPaceEcdhGmAes256, 15}, Case{oid::kPaceEcdhGmAes256, 16},
        Case{oid::kPaceEcdhGmAes256, 17}, Case{oid::kPaceEcdhGmAes256, 18},
        // 3DES, and the MRZ password.
        Case{oid::kPaceEcdhGm3Des, 13}, Case{oid::kPaceEcdhGmAes128, 13, true}, Case{oid::kPaceEcdhGm3Des, 12, true},
        // DH on the RFC 5114 groups.
        Case{oid::kPaceDhGmAes128, 0}, Case{oid::kPaceDhGmAes128, 1}, Case{oid::kPaceDhGmAes256, 2},
        Case{oid::kPaceDhGm3Des, 0}, Case{oid::kPaceDhGmAes192, 1, true}),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string name = info.param.oid.substr(std::string("0.4.0.127.0.7.2.2.4.").size());
      for (char& c : name) {
        if (c == '.') c = '_';
      }
      return absl::StrCat("m", name, "_id", info.param.parameter_id, info.param.mrz ? "_mrz" : "_can");
    });

}  // namespace
}  // namespace docval::emrtd
