#include "validator/emrtd/crypto/mac.h"

#include <exception>
#include <memory>
#include <string>

#include <botan/mac.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::emrtd {
namespace {

absl::StatusOr<Bytes> RunMac(const std::string& name, ByteSpan key, ByteSpan data) {
  try {
    std::unique_ptr<Botan::MessageAuthenticationCode> mac =
        Botan::MessageAuthenticationCode::create_or_throw(name);
    mac->set_key(key.data(), key.size());
    mac->update(data.data(), data.size());
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
  return RunMac("X9.19-MAC", key, padded_data);
}

absl::StatusOr<Bytes> AesCmac(ByteSpan key, ByteSpan data) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat("AES-CMAC: key of ", key.size(), " bytes"));
  }
  return RunMac(absl::StrCat("CMAC(AES-", key.size() * 8, ")"), key, data);
}

absl::StatusOr<Bytes> Mac8(CipherFamily family, ByteSpan key, ByteSpan data) {
  if (family == CipherFamily::k3Des) return RetailMac(key, data);
  absl::StatusOr<Bytes> full = AesCmac(key, data);
  if (!full.ok()) return full.status();
  full->resize(kSmMacSize);
  return full;
}

}  // namespace docval::emrtd
