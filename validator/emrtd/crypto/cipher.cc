#include "validator/emrtd/crypto/cipher.h"

#include <exception>
#include <memory>
#include <string>

#include <botan/block_cipher.h>
#include <botan/cipher_mode.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::emrtd {
namespace {

absl::StatusOr<std::string> BotanBlockCipherName(CipherFamily family, size_t key_size) {
  switch (family) {
    case CipherFamily::k3Des:
      if (key_size == 16 || key_size == 24) return std::string("TripleDES");
      break;
    case CipherFamily::kAes:
      if (key_size == 16 || key_size == 24 || key_size == 32) return absl::StrCat("AES-", key_size * 8);
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat("cipher: a ", key_size, "-byte key does not fit ",
                                                 family == CipherFamily::k3Des ? "3DES" : "AES"));
}

absl::StatusOr<SecureBytes> Cbc(CipherFamily family, ByteSpan key, ByteSpan iv, ByteSpan data,
                                Botan::Cipher_Dir dir) {
  absl::StatusOr<std::string> name = BotanBlockCipherName(family, key.size());
  if (!name.ok()) return name.status();
  const size_t bs = BlockSize(family);
  if (iv.size() != bs) {
    return absl::InvalidArgumentError(absl::StrCat("cipher: IV of ", iv.size(), " bytes, need ", bs));
  }
  if (data.size() % bs != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cipher: CBC input of ", data.size(), " bytes is not a multiple of ", bs));
  }
  SecureBytes buf(data.begin(), data.end());
  if (buf.empty()) return buf;
  try {
    std::unique_ptr<Botan::Cipher_Mode> mode =
        Botan::Cipher_Mode::create_or_throw(absl::StrCat(*name, "/CBC/NoPadding"), dir);
    mode->set_key(key.data(), key.size());
    mode->start(iv.data(), iv.size());
    mode->finish(buf);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cipher: ", e.what()));
  }
  return buf;
}

}  // namespace

CipherFamily FamilyOf(KeyAlgorithm alg) {
  return alg == KeyAlgorithm::k3Des ? CipherFamily::k3Des : CipherFamily::kAes;
}

size_t KeyLength(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::k3Des: return 16;
    case KeyAlgorithm::kAes128: return 16;
    case KeyAlgorithm::kAes192: return 24;
    case KeyAlgorithm::kAes256: return 32;
  }
  return 16;
}

size_t BlockSize(CipherFamily family) { return family == CipherFamily::k3Des ? 8 : 16; }

const char* KeyAlgorithmName(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::k3Des: return "3DES";
    case KeyAlgorithm::kAes128: return "AES-128";
    case KeyAlgorithm::kAes192: return "AES-192";
    case KeyAlgorithm::kAes256: return "AES-256";
  }
  return "?";
}

absl::StatusOr<Bytes> CbcEncrypt(CipherFamily family, ByteSpan key, ByteSpan iv, ByteSpan data) {
  absl::StatusOr<SecureBytes> out = Cbc(family, key, iv, data, Botan::ENCRYPTION);
  if (!out.ok()) return out.status();
  return FromSecure(*out);
}

absl::StatusOr<SecureBytes> CbcDecrypt(CipherFamily family, ByteSpan key, ByteSpan iv, ByteSpan data) {
  return Cbc(family, key, iv, data, Botan::DECRYPTION);
}

absl::StatusOr<Bytes> EncryptBlock(CipherFamily family, ByteSpan key, ByteSpan block) {
  absl::StatusOr<std::string> name = BotanBlockCipherName(family, key.size());
  if (!name.ok()) return name.status();
  if (block.size() != BlockSize(family)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cipher: block of ", block.size(), " bytes, need ", BlockSize(family)));
  }
  Bytes out(block.begin(), block.end());
  try {
    std::unique_ptr<Botan::BlockCipher> c = Botan::BlockCipher::create_or_throw(*name);
    c->set_key(key.data(), key.size());
    c->encrypt(out.data());
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cipher: ", e.what()));
  }
  return out;
}

Bytes PadIso9797M2(ByteSpan data, size_t block_size) {
  Bytes out;
  out.reserve(data.size() + block_size);
  out.assign(data.begin(), data.end());
  out.push_back(0x80);
  while (out.size() % block_size != 0) out.push_back(0x00);
  return out;
}

absl::StatusOr<size_t> UnpaddedLength(ByteSpan padded, size_t block_size) {
  if (block_size == 0 || padded.empty() || padded.size() % block_size != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("padding: ", padded.size(), " bytes is not a whole number of ", block_size, "-byte blocks"));
  }
  size_t i = padded.size();
  size_t zeros = 0;
  while (i > 0 && padded[i - 1] == 0x00 && zeros < block_size) {
    --i;
    ++zeros;
  }
  if (i == 0 || zeros >= block_size || padded[i - 1] != 0x80) {
    return absl::InvalidArgumentError("padding: no ISO/IEC 9797-1 method 2 padding at the end");
  }
  return i - 1;
}

absl::StatusOr<Bytes> UnpadIso9797M2(ByteSpan padded, size_t block_size) {
  absl::StatusOr<size_t> n = UnpaddedLength(padded, block_size);
  if (!n.ok()) return n.status();
  return Bytes(padded.begin(), padded.begin() + static_cast<long>(*n));
}

}  // namespace docval::emrtd
