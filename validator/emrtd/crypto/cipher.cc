#include "validator/emrtd/crypto/cipher.h"

#include <exception>
#include <memory>
#include <string>
#include <utility>

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
  return absl::InvalidArgumentError(
      absl::StrCat("cipher: a ", key_size, "-byte key does not fit ", family == CipherFamily::k3Des ? "3DES" : "AES"));
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

struct CbcCipher::Impl {
  CipherFamily family;
  SecureBytes key;
  std::string name;  // Botan's block cipher name
  std::unique_ptr<Botan::Cipher_Mode> encryption, decryption;
  std::unique_ptr<Botan::BlockCipher> block;
};

CbcCipher::CbcCipher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CbcCipher::CbcCipher(CbcCipher&&) noexcept = default;
CbcCipher& CbcCipher::operator=(CbcCipher&&) noexcept = default;
CbcCipher::~CbcCipher() = default;

absl::StatusOr<CbcCipher> CbcCipher::Create(CipherFamily family, ByteSpan key) {
  absl::StatusOr<std::string> name = BotanBlockCipherName(family, key.size());
  if (!name.ok()) return name.status();
  auto impl = std::make_unique<Impl>();
  impl->family = family;
  impl->key = ToSecure(key);
  impl->name = *std::move(name);
  return CbcCipher(std::move(impl));
}

absl::StatusOr<SecureBytes> CbcCipher::Cbc(ByteSpan iv, ByteSpan data, bool encrypt) {
  const size_t bs = BlockSize(impl_->family);
  if (iv.size() != bs) {
    return absl::InvalidArgumentError(absl::StrCat("cipher: IV of ", iv.size(), " bytes, need ", bs));
  }
  if (data.size() % bs != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cipher: CBC input of ", data.size(), " bytes is not a multiple of ", bs));
  }
  SecureBytes buf(data.begin(), data.end());
  if (buf.empty()) return buf;
  std::unique_ptr<Botan::Cipher_Mode>& mode = encrypt ? impl_->encryption : impl_->decryption;
  try {
    if (mode == nullptr) {
      std::unique_ptr<Botan::Cipher_Mode> made = Botan::Cipher_Mode::create_or_throw(
          absl::StrCat(impl_->name, "/CBC/NoPadding"), encrypt ? Botan::ENCRYPTION : Botan::DECRYPTION);
      made->set_key(impl_->key.data(), impl_->key.size());
      mode = std::move(made);
    }
    mode->start(iv.data(), iv.size());
    mode->finish(buf);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cipher: ", e.what()));
  }
  return buf;
}

absl::StatusOr<Bytes> CbcCipher::Encrypt(ByteSpan iv, ByteSpan data) {
  absl::StatusOr<SecureBytes> out = Cbc(iv, data, /*encrypt=*/true);
  if (!out.ok()) return out.status();
  return FromSecure(*out);
}

absl::StatusOr<SecureBytes> CbcCipher::Decrypt(ByteSpan iv, ByteSpan data) { return Cbc(iv, data, false); }

absl::StatusOr<Bytes> CbcCipher::EncryptBlock(ByteSpan block) {
  if (block.size() != BlockSize(impl_->family)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cipher: block of ", block.size(), " bytes, need ", BlockSize(impl_->family)));
  }
  Bytes out(block.begin(), block.end());
  try {
    if (impl_->block == nullptr) {
      std::unique_ptr<Botan::BlockCipher> made = Botan::BlockCipher::create_or_throw(impl_->name);
      made->set_key(impl_->key.data(), impl_->key.size());
      impl_->block = std::move(made);
    }
    impl_->block->encrypt(out.data());
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cipher: ", e.what()));
  }
  return out;
}

absl::StatusOr<Bytes> CbcEncrypt(CipherFamily family, ByteSpan key, ByteSpan iv, ByteSpan data) {
  absl::StatusOr<CbcCipher> cipher = CbcCipher::Create(family, key);
  if (!cipher.ok()) return cipher.status();
  return cipher->Encrypt(iv, data);
}

absl::StatusOr<SecureBytes> CbcDecrypt(CipherFamily family, ByteSpan key, ByteSpan iv, ByteSpan data) {
  absl::StatusOr<CbcCipher> cipher = CbcCipher::Create(family, key);
  if (!cipher.ok()) return cipher.status();
  return cipher->Decrypt(iv, data);
}

absl::StatusOr<Bytes> EncryptBlock(CipherFamily family, ByteSpan key, ByteSpan block) {
  absl::StatusOr<CbcCipher> cipher = CbcCipher::Create(family, key);
  if (!cipher.ok()) return cipher.status();
  return cipher->EncryptBlock(block);
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
