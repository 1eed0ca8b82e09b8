#include "validator/emrtd/crypto/mac.h"

#include <exception>
#include <memory>
#include <string>

#include <botan/mac.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::emrtd {
namespace {

absl::StatusOr<Bytes> RunMac(const std::string& name, ByteSpan key, std::initializer_list<ByteSpan> parts,
                             size_t pad_to = 0) {
  try {
    std::unique_ptr<Botan::MessageAuthenticationCode> mac =
        Botan::MessageAuthenticationCode::create_or_throw(name);
    mac->set_key(key.data(), key.size());
    size_t n = 0;
    for (ByteSpan part : parts) {
      mac->update(part.data(), part.size());
      n += part.size();
    }
    if (pad_to > 0) {  // ISO/IEC 9797-1 method 2: 80, then zeros to a whole block
      const uint8_t padding[32] = {0x80};
      mac->update(padding, pad_to - n % pad_to);
    }
    Bytes out(mac->output_length());
    mac->final(out.data());
    return out;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("mac: ", e.what()));
  }
}

}  // namespace

absl::StatusOr<Bytes> RetailMac(ByteSpan key, ByteSpan padded_data) {
  if (key.size() != 16) {
    return absl::InvalidArgumentError(absl::StrCat("retail MAC: key of ", key.size(), " bytes, need 16"));
  }
  if (padded_data.size() % 8 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("retail MAC: input of ", padded_data.size(), " bytes is not padded to 8-byte blocks"));
  }
  return RunMac("X9.19-MAC", key, {padded_data});
}

absl::StatusOr<Bytes> AesCmac(ByteSpan key, ByteSpan data) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat("AES-CMAC: key of ", key.size(), " bytes"));
  }
  return RunMac(absl::StrCat("CMAC(AES-", key.size() * 8, ")"), key, {data});
}

absl::StatusOr<Bytes> Mac8(CipherFamily family, ByteSpan key, ByteSpan data) {
  if (family == CipherFamily::k3Des) return RetailMac(key, data);
  absl::StatusOr<Bytes> full = AesCmac(key, data);
  if (!full.ok()) return full.status();
  full->resize(kSmMacSize);
  return full;
}

absl::StatusOr<Bytes> Mac8Padded(CipherFamily family, ByteSpan key, std::initializer_list<ByteSpan> parts) {
  absl::StatusOr<Bytes> full;
  if (family == CipherFamily::k3Des) {
    if (key.size() != 16)
      return absl::InvalidArgumentError(absl::StrCat("retail MAC: key of ", key.size(), " bytes, need 16"));
    full = RunMac("X9.19-MAC", key, parts, 8);
  } else {
    if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
      return absl::InvalidArgumentError(absl::StrCat("AES-CMAC: key of ", key.size(), " bytes"));
    }
    full = RunMac(absl::StrCat("CMAC(AES-", key.size() * 8, ")"), key, parts, 16);
  }
  if (!full.ok()) return full.status();
  full->resize(kSmMacSize);
  return full;
}

}  // namespace docval::emrtd
