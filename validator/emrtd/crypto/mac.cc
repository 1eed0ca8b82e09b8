#include "validator/emrtd/crypto/mac.h"

#include <exception>
#include <memory>
#include <string>
#include <utility>

#include <botan/mac.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace docval::emrtd {
namespace {

// Feeds `parts` (and, with pad_to > 0, ISO/IEC 9797-1 method 2 padding to a multiple of pad_to) to a
// keyed MAC and returns its full output; the MAC is ready for the next message afterwards.
absl::StatusOr<Bytes> RunMac(Botan::MessageAuthenticationCode& mac, std::initializer_list<ByteSpan> parts,
                             size_t pad_to = 0) {
  try {
    size_t n = 0;
    for (ByteSpan part : parts) {
      mac.update(part.data(), part.size());
      n += part.size();
    }
    if (pad_to > 0) {  // ISO/IEC 9797-1 method 2: 80, then zeros to a whole block
      const uint8_t padding[32] = {0x80};
      mac.update(padding, pad_to - n % pad_to);
    }
    Bytes out(mac.output_length());
    mac.final(out.data());
    return out;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("mac: ", e.what()));
  }
}

// The channel's MAC from Botan, keyed with `key` (whose length the caller has checked): the retail
// MAC for 3DES, AES-CMAC with the key's length for AES.
absl::StatusOr<std::unique_ptr<Botan::MessageAuthenticationCode>> KeyedMac(CipherFamily family, ByteSpan key) {
  try {
    std::unique_ptr<Botan::MessageAuthenticationCode> mac = Botan::MessageAuthenticationCode::create_or_throw(
        family == CipherFamily::k3Des ? std::string("X9.19-MAC") : absl::StrCat("CMAC(AES-", key.size() * 8, ")"));
    mac->set_key(key.data(), key.size());
    return mac;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("mac: ", e.what()));
  }
}

absl::StatusOr<Bytes> RunMac(CipherFamily family, ByteSpan key, ByteSpan data) {
  absl::StatusOr<std::unique_ptr<Botan::MessageAuthenticationCode>> mac = KeyedMac(family, key);
  if (!mac.ok()) return mac.status();
  return RunMac(**mac, {data});
}

absl::Status RetailMacKeyFits(ByteSpan key) {
  if (key.size() == 16) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("retail MAC: key of ", key.size(), " bytes, need 16"));
}

absl::Status AesCmacKeyFits(ByteSpan key) {
  if (key.size() == 16 || key.size() == 24 || key.size() == 32) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("AES-CMAC: key of ", key.size(), " bytes"));
}

absl::Status RetailMacInputNotPadded(ByteSpan data) {
  return absl::InvalidArgumentError(
      absl::StrCat("retail MAC: input of ", data.size(), " bytes is not padded to 8-byte blocks"));
}

}  // namespace

absl::StatusOr<Bytes> RetailMac(ByteSpan key, ByteSpan padded_data) {
  if (absl::Status fits = RetailMacKeyFits(key); !fits.ok()) return fits;
  if (padded_data.size() % 8 != 0) return RetailMacInputNotPadded(padded_data);
  return RunMac(CipherFamily::k3Des, key, padded_data);
}

absl::StatusOr<Bytes> AesCmac(ByteSpan key, ByteSpan data) {
  if (absl::Status fits = AesCmacKeyFits(key); !fits.ok()) return fits;
  return RunMac(CipherFamily::kAes, key, data);
}

absl::StatusOr<Bytes> Mac8(CipherFamily family, ByteSpan key, ByteSpan data) {
  absl::StatusOr<ChannelMac> mac = ChannelMac::Create(family, key);
  if (!mac.ok()) return mac.status();
  return mac->Mac8(data);
}

absl::StatusOr<Bytes> Mac8Padded(CipherFamily family, ByteSpan key, std::initializer_list<ByteSpan> parts) {
  absl::StatusOr<ChannelMac> mac = ChannelMac::Create(family, key);
  if (!mac.ok()) return mac.status();
  return mac->Mac8Padded(parts);
}

struct ChannelMac::Impl {
  CipherFamily family;
  std::unique_ptr<Botan::MessageAuthenticationCode> mac;
};

ChannelMac::ChannelMac(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ChannelMac::ChannelMac(ChannelMac&&) noexcept = default;
ChannelMac& ChannelMac::operator=(ChannelMac&&) noexcept = default;
ChannelMac::~ChannelMac() = default;

absl::StatusOr<ChannelMac> ChannelMac::Create(CipherFamily family, ByteSpan key) {
  absl::Status fits = family == CipherFamily::k3Des ? RetailMacKeyFits(key) : AesCmacKeyFits(key);
  if (!fits.ok()) return fits;
  absl::StatusOr<std::unique_ptr<Botan::MessageAuthenticationCode>> mac = KeyedMac(family, key);
  if (!mac.ok()) return mac.status();
  auto impl = std::make_unique<Impl>();
  impl->family = family;
  impl->mac = *std::move(mac);
  return ChannelMac(std::move(impl));
}

absl::StatusOr<Bytes> ChannelMac::Mac8(ByteSpan data) {
  if (impl_->family == CipherFamily::k3Des && data.size() % 8 != 0) return RetailMacInputNotPadded(data);
  return Run({data}, /*pad=*/false);
}

absl::StatusOr<Bytes> ChannelMac::Mac8Padded(std::initializer_list<ByteSpan> parts) { return Run(parts, true); }

absl::StatusOr<Bytes> ChannelMac::Run(std::initializer_list<ByteSpan> parts, bool pad) {
  absl::StatusOr<Bytes> full = RunMac(*impl_->mac, parts, pad ? BlockSize(impl_->family) : 0);
  if (!full.ok()) return full.status();
  full->resize(kSmMacSize);
  return full;
}

}  // namespace docval::emrtd
