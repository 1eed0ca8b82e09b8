#include "validator/emrtd/crypto/iso9796.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/crypto/signature.h"

namespace docval::emrtd {
namespace {

absl::Status Bad(absl::string_view why) { return absl::InvalidArgumentError(absl::StrCat("ISO 9796-2: ", why)); }

std::optional<HashAlgorithm> HashOfId(uint8_t id) {
  switch (id) {
    case 0x33: return HashAlgorithm::kSha1;
    case 0x34: return HashAlgorithm::kSha256;
    case 0x35: return HashAlgorithm::kSha512;
    case 0x36: return HashAlgorithm::kSha384;
    case 0x38: return HashAlgorithm::kSha224;
    default: return std::nullopt;
  }
}

}  // namespace

absl::StatusOr<Iso9796Recovery> ParseIso9796Representative(ByteSpan f, std::optional<HashAlgorithm> implicit_hash) {
  if (!f.empty() && f[0] == 0x00) f = f.subspan(1);  // |n| = 8k+1 bits: one leading zero byte
  if (f.size() < 4) return Bad("representative too short");
  Iso9796Recovery r;
  size_t trailer = 0;
  if (f.back() == 0xBC) {
    trailer = 1;
    r.hash_algorithm = implicit_hash.value_or(HashAlgorithm::kSha1);
  } else if (f.back() == 0xCC) {
    std::optional<HashAlgorithm> h = HashOfId(f[f.size() - 2]);
    if (!h) return Bad(absl::StrCat("unknown hash identifier ", absl::Hex(f[f.size() - 2], absl::kZeroPad2)));
    trailer = 2;
    r.hash_algorithm = *h;
    r.explicit_trailer = true;
  } else {
    return Bad("no 0xBC or 0xCC trailer");
  }
  const size_t h_len = HashSize(r.hash_algorithm);
  if (f.size() < 1 + h_len + trailer) return Bad("representative shorter than its hash");
  size_t start = 0;
  if (f[0] == 0x6A) {
    start = 1;
  } else if (f[0] == 0x4B) {
    // Full-recovery header with padding nibbles 0xB... ending in 0xBA before M1.
    size_t i = 1;
    while (i < f.size() - h_len - trailer && f[i] == 0xBB) ++i;
    if (i >= f.size() - h_len - trailer || f[i] != 0xBA) return Bad("bad padding after header 0x4B");
    start = i + 1;
  } else {
    return Bad(absl::StrCat("unexpected header ", absl::Hex(f[0], absl::kZeroPad2)));
  }
  const size_t m1_end = f.size() - h_len - trailer;
  r.m1.assign(f.begin() + static_cast<ptrdiff_t>(start), f.begin() + static_cast<ptrdiff_t>(m1_end));
  r.hash.assign(f.begin() + static_cast<ptrdiff_t>(m1_end), f.end() - static_cast<ptrdiff_t>(trailer));
  return r;
}

absl::StatusOr<Iso9796Recovery> VerifyIso9796Scheme1(ByteSpan spki, ByteSpan signature, ByteSpan m2,
                                                     std::optional<HashAlgorithm> implicit_hash) {
  absl::StatusOr<Bytes> f = RsaPublicOperation(spki, signature);
  if (!f.ok()) return f.status();
  absl::StatusOr<Iso9796Recovery> r = ParseIso9796Representative(*f, implicit_hash);
  if (!r.ok()) return r.status();
  if (Hash(r->hash_algorithm, {r->m1, m2}) != r->hash) {
    return absl::PermissionDeniedError("ISO 9796-2: hash of M1 || M2 does not match");
  }
  return r;
}

}  // namespace docval::emrtd
