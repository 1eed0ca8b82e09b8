// Reading the validator's trust store from the configured files and folders into the core's immutable
// snapshot (validator/emrtd/auth/trust_store.h, built only through TrustStore::Builder), and the
// fingerprint of those files that tells a reload whether anything changed.
//
// What is read:
// - a path naming a file: recognised by its content (certificate, CSCA master list, CRL — in that
//   order, TrustStore::Builder::AddAny);
// - a path naming a folder: walked recursively; *.pem, *.crt, *.cer, *.der as certificates, *.ml,
//   *.p7b, *.p7s as master lists, *.crl as CRLs (also in a trust folder); other files are ignored, and
//   so are entries whose name starts with '.'. Kubernetes mounts a ConfigMap or Secret as such hidden
//   folders (`..2026_12_03_09_00_00.123/`, the `..data` symlink to it) plus one symlink per key
//   (`csca.pem -> ..data/csca.pem`): each file is read once, through its symlink.
// A configured path may be a symlink; inside a folder, symlinks to files are followed and symlinks to
// folders are not (no loops). Files are read in path order, so warnings come in a stable order.
// Every file is bounded (TrustFileLimits): a file over its limit, more files than the limit or more
// bytes in all stop the load with an error naming the file, like any unreadable or malformed file.
// Trust-store files are public keys and revocation lists: errors may name them.
#ifndef DOCVAL_VALIDATOR_TRUST_TRUST_STORE_LOADER_H_
#define DOCVAL_VALIDATOR_TRUST_TRUST_STORE_LOADER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "validator/emrtd/auth/trust_store.h"

namespace docval::trust {

// Bounds on what one load reads. A national master list is about 1 MB and a large CRL a few MB.
struct TrustFileLimits {
  int64_t max_file_bytes = int64_t{64} << 20;
  int64_t max_total_bytes = int64_t{512} << 20;
  int64_t max_files = 100000;
};

struct TrustStoreConfig {
  // Files or folders of CSCA certificates and master lists (configuration key trust.csca).
  std::vector<std::string> trust_paths;
  // CRL files or folders (trust.crl).
  std::vector<std::string> crl_paths;
  emrtd::CrlExpiredPolicy crl_expired = emrtd::CrlExpiredPolicy::kWarn;
  TrustFileLimits limits;
};

// Reads every configured path and builds a snapshot. Errors (InvalidArgument) name the path or file
// and the reason; nothing is returned half-loaded.
absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> LoadTrustStore(const TrustStoreConfig& config);

// One file a load would read, as stat() sees it through every symlink: a file replaced by another
// (a new inode, as Kubernetes' `..data` swap makes), rewritten (size, modification time) or added
// or removed changes the fingerprint.
struct TrustFileStamp {
  std::string path;  // as the walk names it
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  friend bool operator==(const TrustFileStamp&, const TrustFileStamp&) = default;
};

struct TrustFingerprint {
  std::vector<TrustFileStamp> files;  // in the order a load reads them
  // Why the files could not be listed (a path missing, a folder unreadable), empty when they could:
  // part of the fingerprint, so a path that stays missing is not retried at every poll.
  std::string error;
  friend bool operator==(const TrustFingerprint&, const TrustFingerprint&) = default;
};

// The files of `config` with their stamps; reads no content. Two fingerprints differ when a load
// could read something else.
TrustFingerprint FingerprintTrustFiles(const TrustStoreConfig& config);

}  // namespace docval::trust

#endif  // DOCVAL_VALIDATOR_TRUST_TRUST_STORE_LOADER_H_
