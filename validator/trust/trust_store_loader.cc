#include "validator/trust/trust_store_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>

#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace docval::trust {
namespace {

namespace fs = std::filesystem;

enum class Kind { kCertificates, kMasterList, kCrls, kIgnore };

struct ListedFile {
  fs::path path;
  std::optional<Kind> kind;  // none: named explicitly, recognised by its content
  bool as_crl = false;       // read as CRLs (a crl_paths entry, or *.crl in a trust folder)
};

absl::Status FileError(absl::string_view origin, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(origin, ": ", why));
}

Kind KindOfExtension(const fs::path& p) {
  std::string ext = absl::AsciiStrToLower(p.extension().string());
  if (ext == ".pem" || ext == ".crt" || ext == ".cer" || ext == ".der") return Kind::kCertificates;
  if (ext == ".ml" || ext == ".p7b" || ext == ".p7s") return Kind::kMasterList;
  if (ext == ".crl") return Kind::kCrls;
  return Kind::kIgnore;
}

bool IsHidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

// Appends the files of `path`: the file itself (kind unknown), or a folder's files by extension.
absl::Status Collect(const std::string& path, const TrustFileLimits& limits, std::vector<ListedFile>& out) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return FileError(path, "no such file or folder");
  if (fs::is_regular_file(st)) {
    out.push_back({path, std::nullopt});
  } else if (!fs::is_directory(st)) {
    return FileError(path, "neither a file nor a folder");
  } else {
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (IsHidden(it->path())) {
        it.disable_recursion_pending();  // Kubernetes' `..data` and its timestamped target
        continue;
      }
      if (it->is_regular_file(ec) && KindOfExtension(it->path()) != Kind::kIgnore) files.push_back(it->path());
      if (static_cast<int64_t>(out.size() + files.size()) > limits.max_files) {
        return FileError(path, absl::StrCat("more than ", limits.max_files, " trust files"));
      }
    }
    if (ec) return FileError(path, absl::StrCat("cannot list: ", ec.message()));
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) out.push_back({f, KindOfExtension(f)});
  }
  if (static_cast<int64_t>(out.size()) > limits.max_files) {
    return FileError(path, absl::StrCat("more than ", limits.max_files, " trust files"));
  }
  return absl::OkStatus();
}

// Every file a load reads, in the order it reads them: the trust paths' certificates and master lists,
// then the CRL paths' files, then the CRLs found in trust folders.
absl::StatusOr<std::vector<ListedFile>> ListFiles(const TrustStoreConfig& config) {
  std::vector<ListedFile> trust;
  for (const std::string& p : config.trust_paths) RETURN_IF_ERROR(Collect(p, config.limits, trust));
  std::vector<ListedFile> crls;
  for (const std::string& p : config.crl_paths) RETURN_IF_ERROR(Collect(p, config.limits, crls));
  std::vector<ListedFile> out;
  for (ListedFile& f : trust) {
    if (f.kind != Kind::kCrls) out.push_back(std::move(f));
  }
  for (ListedFile& f : crls) {
    if (f.kind && *f.kind != Kind::kCrls) continue;  // certificates in a CRL folder are not CRLs
    f.as_crl = true;
    out.push_back(std::move(f));
  }
  for (ListedFile& f : trust) {
    if (f.kind != Kind::kCrls) continue;
    f.as_crl = true;
    out.push_back(std::move(f));
  }
  if (static_cast<int64_t>(out.size()) > config.limits.max_files) {
    return absl::InvalidArgumentError(absl::StrCat("more than ", config.limits.max_files, " trust files"));
  }
  return out;
}

// The content of `p`, refused over `max_bytes`.
absl::StatusOr<emrtd::Bytes> ReadFile(const fs::path& p, int64_t max_bytes) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return FileError(p.string(), "cannot be read");
  emrtd::Bytes b;
  char chunk[64 * 1024];
  while (in) {
    in.read(chunk, sizeof(chunk));
    b.insert(b.end(), chunk, chunk + in.gcount());
    if (static_cast<int64_t>(b.size()) > max_bytes) {
      return FileError(p.string(), absl::StrCat("larger than ", max_bytes, " bytes"));
    }
  }
  if (in.bad()) return FileError(p.string(), "read error");
  return b;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> LoadTrustStore(const TrustStoreConfig& config) {
  ASSIGN_OR_RETURN(std::vector<ListedFile> files, ListFiles(config));
  emrtd::TrustStore::Builder b;
  b.SetCrlExpiredPolicy(config.crl_expired);
  int64_t total = 0;
  for (const ListedFile& f : files) {
    ASSIGN_OR_RETURN(emrtd::Bytes content, ReadFile(f.path, config.limits.max_file_bytes));
    total += static_cast<int64_t>(content.size());
    const std::string origin = f.path.string();
    if (total > config.limits.max_total_bytes) {
      return FileError(origin,
                       absl::StrCat("the trust files hold more than ", config.limits.max_total_bytes, " bytes"));
    }
    if (f.as_crl) {
      RETURN_IF_ERROR(b.AddCrls(content, origin));
    } else if (!f.kind) {
      RETURN_IF_ERROR(b.AddAny(content, origin));
    } else if (*f.kind == Kind::kCertificates) {
      RETURN_IF_ERROR(b.AddCertificates(content, origin));
    } else if (*f.kind == Kind::kMasterList) {
      RETURN_IF_ERROR(b.AddMasterList(content, origin));
    }
  }
  return std::move(b).Build();
}

TrustFingerprint FingerprintTrustFiles(const TrustStoreConfig& config) {
  TrustFingerprint fp;
  absl::StatusOr<std::vector<ListedFile>> files = ListFiles(config);
  if (!files.ok()) {
    fp.error = std::string(files.status().message());
    return fp;
  }
  for (const ListedFile& f : *files) {
    TrustFileStamp stamp{.path = f.path.string()};
    struct stat st {};
    if (::stat(stamp.path.c_str(), &st) == 0) {  // follows every symlink to the file itself
      stamp.device = static_cast<uint64_t>(st.st_dev);
      stamp.inode = static_cast<uint64_t>(st.st_ino);
      stamp.size = static_cast<int64_t>(st.st_size);
      stamp.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    }  // else: gone since the listing; all zero, and the next poll sees it missing
    fp.files.push_back(std::move(stamp));
  }
  return fp;
}

}  // namespace docval::trust
