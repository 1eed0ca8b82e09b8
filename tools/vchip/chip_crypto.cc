#include "tools/vchip/chip_crypto.h"

#include <memory>

#include <botan/block_cipher.h>
#include <botan/cipher_mode.h>
#include <botan/mac.h>

#include "base/check.h"
#include "validator/emrtd/crypto/hash.h"

namespace docval::vchip {
namespace {

std::string BlockName(Cipher c, size_t key_len) {
  if (!IsAes(c)) return "TripleDES";
  switch (key_len) {
    case 16: return "AES-128";
    case 24: return "AES-192";
    default: return "AES-256";
  }
}

void CheckKey(Cipher c, ByteSpan key) {
  if (IsAes(c)) {
    DOCVAL_CHECK(key.size() == 16 || key.size() == 24 || key.size() == 32);
  } else {
    DOCVAL_CHECK(key.size() == 16 || key.size() == 24);
  }
}

}  // namespace

size_t KeyBytes(Cipher c) {
  switch (c) {
    case Cipher::kTdes: return 16;
    case Cipher::kAes128: return 16;
    case Cipher::kAes192: return 24;
    case Cipher::kAes256: return 32;
  }
  return 16;
}

size_t BlockBytes(Cipher c) { return IsAes(c) ? 16 : 8; }
bool IsAes(Cipher c) { return c != Cipher::kTdes; }

absl::string_view CipherName(Cipher c) {
  switch (c) {
    case Cipher::kTdes: return "3DES";
    case Cipher::kAes128: return "AES-128";
    case Cipher::kAes192: return "AES-192";
    case Cipher::kAes256: return "AES-256";
  }
  return "?";
}

Bytes DeriveKey(ByteSpan secret, uint32_t counter, Cipher c) {
  const uint8_t ctr[4] = {static_cast<uint8_t>(counter >> 24), static_cast<uint8_t>(counter >> 16),
                          static_cast<uint8_t>(counter >> 8), static_cast<uint8_t>(counter)};
  emrtd::HashAlgorithm h = (c == Cipher::kAes192 || c == Cipher::kAes256) ? emrtd::HashAlgorithm::kSha256
                                                                          : emrtd::HashAlgorithm::kSha1;
  Bytes d = emrtd::Hash(h, {secret, ByteSpan(ctr, 4)});
  d.resize(KeyBytes(c));
  if (c == Cipher::kTdes) {
    for (uint8_t& b : d) {
      int ones = 0;
      for (int i = 1; i < 8; ++i) ones += (b >> i) & 1;
      b = static_cast<uint8_t>((b & 0xFE) | ((ones % 2 == 0) ? 1 : 0));
    }
  }
  return d;
}

Bytes Pad(ByteSpan data, size_t block) {
  Bytes out(data.begin(), data.end());
  out.push_back(0x80);
  while (out.size() % block != 0) out.push_back(0x00);
  return out;
}

std::optional<Bytes> Unpad(ByteSpan padded, size_t block) {
  if (padded.empty() || padded.size() % block != 0) return std::nullopt;
  size_t i = padded.size();
  while (i > 0 && padded[i - 1] == 0x00 && padded.size() - i < block) --i;
  if (i == 0 || padded[i - 1] != 0x80 || padded.size() - i >= block) return std::nullopt;
  return Bytes(padded.begin(), padded.begin() + (i - 1));
}

Bytes CbcEncrypt(Cipher c, ByteSpan key, ByteSpan iv, ByteSpan data) {
  CheckKey(c, key);
  DOCVAL_CHECK(iv.size() == BlockBytes(c) && data.size() % BlockBytes(c) == 0);
  auto mode = Botan::Cipher_Mode::create_or_throw(BlockName(c, key.size()) + "/CBC/NoPadding",
                                                  Botan::ENCRYPTION);
  mode->set_key(key.data(), key.size());
  mode->start(iv.data(), iv.size());
  Botan::secure_vector<uint8_t> buf(data.begin(), data.end());
  mode->finish(buf);
  return Bytes(buf.begin(), buf.end());
}

std::optional<Bytes> CbcDecrypt(Cipher c, ByteSpan key, ByteSpan iv, ByteSpan data) {
  CheckKey(c, key);
  DOCVAL_CHECK(iv.size() == BlockBytes(c));
  if (data.empty() || data.size() % BlockBytes(c) != 0) return std::nullopt;
  auto mode = Botan::Cipher_Mode::create_or_throw(BlockName(c, key.size()) + "/CBC/NoPadding",
                                                  Botan::DECRYPTION);
  mode->set_key(key.data(), key.size());
  mode->start(iv.data(), iv.size());
  Botan::secure_vector<uint8_t> buf(data.begin(), data.end());
  mode->finish(buf);
  return Bytes(buf.begin(), buf.end());
}

Bytes EncryptBlock(Cipher c, ByteSpan key, ByteSpan block) {
  CheckKey(c, key);
  DOCVAL_CHECK(block.size() == BlockBytes(c));
  auto bc = Botan::BlockCipher::create_or_throw(BlockName(c, key.size()));
  bc->set_key(key.data(), key.size());
  Bytes out(block.begin(), block.end());
  bc->encrypt(out.data());
  return out;
}

Bytes Mac8(Cipher c, ByteSpan key, ByteSpan data) {
  CheckKey(c, key);
  std::unique_ptr<Botan::MessageAuthenticationCode> mac;
  if (IsAes(c)) {
    mac = Botan::MessageAuthenticationCode::create_or_throw("CMAC(" + BlockName(c, key.size()) + ")");
  } else {
    DOCVAL_CHECK(data.size() % 8 == 0);
    mac = Botan::MessageAuthenticationCode::create_or_throw("X9.19-MAC");
  }
  mac->set_key(key.data(), key.size());
  mac->update(data.data(), data.size());
  Botan::secure_vector<uint8_t> tag = mac->final();
  return Bytes(tag.begin(), tag.begin() + 8);
}

}  // namespace docval::vchip
