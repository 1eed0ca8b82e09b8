#include "bench/floor_util.h"

#include <botan/system_rng.h>

#include "base/check.h"

namespace docval::bench {

Botan::RandomNumberGenerator& Rng() {
  static Botan::System_RNG rng;
  return rng;
}

SVec Kdf(Botan::HashFunction& sha1, const uint8_t* k, size_t k_len, uint8_t counter) {
  sha1.update(k, k_len);
  const uint8_t c[4] = {0, 0, 0, counter};
  sha1.update(c, 4);
  SVec out = sha1.final();
  out.resize(16);
  return out;
}

Vec Pad(Vec data, size_t block) {
  data.push_back(0x80);
  while (data.size() % block != 0) data.push_back(0);
  return data;
}

Vec Tlv(uint16_t tag, const Vec& value) {
  Vec out;
  if (tag > 0xFF) out.push_back(static_cast<uint8_t>(tag >> 8));
  out.push_back(static_cast<uint8_t>(tag));
  const size_t n = value.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xFF) {
    out.insert(out.end(), {0x81, static_cast<uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  }
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

Vec Cat(std::initializer_list<Vec> parts) {
  Vec out;
  for (const Vec& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Vec CbcOnce(const std::string& cipher, Botan::Cipher_Dir dir, const SVec& key, const Vec& iv, const Vec& data) {
  std::unique_ptr<Botan::Cipher_Mode> m = Botan::Cipher_Mode::create_or_throw(cipher + "/CBC/NoPadding", dir);
  m->set_key(key);
  m->start(iv);
  SVec buf(data.begin(), data.end());
  m->finish(buf);
  return Vec(buf.begin(), buf.end());
}

Vec Mac8(const std::string& name, const SVec& key, const Vec& data) {
  std::unique_ptr<Botan::MessageAuthenticationCode> mac = Botan::MessageAuthenticationCode::create_or_throw(name);
  mac->set_key(key);
  SVec tag = mac->process(data);
  return Vec(tag.begin(), tag.begin() + 8);
}

SmSide::SmSide(bool aes, const SVec& ks_enc, const SVec& ks_mac) : aes_(aes), block_size_(aes ? 16 : 8) {
  const std::string cipher = aes ? "AES-128" : "TripleDES";
  enc_ = Botan::Cipher_Mode::create_or_throw(cipher + "/CBC/NoPadding", Botan::ENCRYPTION);
  dec_ = Botan::Cipher_Mode::create_or_throw(cipher + "/CBC/NoPadding", Botan::DECRYPTION);
  enc_->set_key(ks_enc);
  dec_->set_key(ks_enc);
  if (aes) {
    block_ = Botan::BlockCipher::create_or_throw(cipher);
    block_->set_key(ks_enc);
  }
  mac_ = Botan::MessageAuthenticationCode::create_or_throw(aes ? "CMAC(AES-128)" : "X9.19-MAC");
  mac_->set_key(ks_mac);
  ssc_.assign(block_size_, 0);
}

void SmSide::Increment() {
  for (size_t i = ssc_.size(); i-- > 0;) {
    if (++ssc_[i] != 0) break;
  }
}

Vec SmSide::Iv() {
  if (!aes_) return Vec(8, 0);
  Vec iv = ssc_;
  block_->encrypt(iv.data());
  return iv;
}

Vec SmSide::Encrypt(const Vec& padded) {
  enc_->start(Iv());
  SVec buf(padded.begin(), padded.end());
  enc_->finish(buf);
  return Vec(buf.begin(), buf.end());
}

Vec SmSide::Decrypt(const Vec& ciphertext) {
  dec_->start(Iv());
  SVec buf(ciphertext.begin(), ciphertext.end());
  dec_->finish(buf);
  return Vec(buf.begin(), buf.end());
}

Vec SmSide::Mac(const Vec& data) {
  mac_->update(ssc_);
  mac_->update(Pad(data, block_size_));
  SVec tag = mac_->final();
  return Vec(tag.begin(), tag.begin() + 8);
}

void ProtectedExchange(SmSide& terminal, SmSide& chip, size_t command_bytes, size_t response_bytes, FloorTimes& t) {
  const size_t sm = Index(FloorPart::kSm);
  const Vec header = {0x0C, 0xB0, 0x00, 0x00};
  Vec command_ct, command_dos, command_mac;
  Timed(t.terminal_ns[sm], [&] {
    terminal.Increment();
    if (command_bytes > 0) {
      command_ct = terminal.Encrypt(Pad(Vec(command_bytes, 0x41), terminal.block_size()));
      command_dos = Tlv(0x87, Cat({Vec{0x01}, command_ct}));
    }
    const Vec do97 = Tlv(0x97, Vec{0x00, 0x00});
    command_dos.insert(command_dos.end(), do97.begin(), do97.end());
    command_mac = terminal.Mac(Cat({Pad(header, terminal.block_size()), command_dos}));
  });
  Vec response_ct, response_dos, response_mac;
  Timed(t.chip_ns[sm], [&] {
    chip.Increment();
    DOCVAL_CHECK(chip.Mac(Cat({Pad(header, chip.block_size()), command_dos})) == command_mac);
    if (command_bytes > 0) DOCVAL_CHECK(chip.Decrypt(command_ct)[0] == 0x41);
    chip.Increment();
    if (response_bytes > 0) {
      response_ct = chip.Encrypt(Pad(Vec(response_bytes, 0x42), chip.block_size()));
      response_dos = Tlv(0x87, Cat({Vec{0x01}, response_ct}));
    }
    const Vec do99 = Tlv(0x99, Vec{0x90, 0x00});
    response_dos.insert(response_dos.end(), do99.begin(), do99.end());
    response_mac = chip.Mac(response_dos);
  });
  Timed(t.terminal_ns[sm], [&] {
    terminal.Increment();
    DOCVAL_CHECK(terminal.Mac(response_dos) == response_mac);
    if (response_bytes > 0) DOCVAL_CHECK(terminal.Decrypt(response_ct)[0] == 0x42);
  });
}

}  // namespace docval::bench
