#include "tools/verify/verify_main.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "validator/emrtd/auth/trust_store.h"
#include "validator/emrtd/auth/verify_files.h"
#include "validator/result_json/result_json.h"
#include "validator/result_json/result_proto.h"
#include "validator/trust/trust_store_loader.h"

namespace docval::tools {
namespace {

constexpr char kUsage[] =
    "usage: docval verify --sod F [--dg1 F ... --dg16 F] [--trust PATH ...] [--crl F ...]\n"
    "                     [--crl-expired warn|fail] [--now UNIX_SECONDS] [--camel] [--files-binary]\n";

bool ReadFile(const std::string& path, emrtd::Bytes& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

struct Args {
  std::string sod;
  std::vector<std::pair<int, std::string>> data_groups;
  trust::TrustStoreConfig trust;
  std::optional<int64_t> now;
  bool camel = false;
  bool files_binary = false;
};

// Returns an error message, or "" when the arguments are good.
std::string ParseArgs(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = flag.find('='); absl::StartsWith(flag, "--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--camel") {
      a.camel = true;
      continue;
    }
    if (flag == "--files-binary") {
      a.files_binary = true;
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) return absl::StrCat(flag, " needs a value");
      value = argv[++i];
    }
    int dg = 0;
    if (flag == "--sod") {
      a.sod = value;
    } else if (absl::StartsWith(flag, "--dg") && absl::SimpleAtoi(flag.substr(4), &dg) && dg >= 1 && dg <= 16 &&
               flag.substr(4) == std::to_string(dg)) {
      for (const auto& [n, p] : a.data_groups) {
        if (n == dg) return absl::StrCat(flag, " given twice");
      }
      a.data_groups.emplace_back(dg, value);
    } else if (flag == "--trust") {
      a.trust.trust_paths.push_back(value);
    } else if (flag == "--crl") {
      a.trust.crl_paths.push_back(value);
    } else if (flag == "--crl-expired") {
      // As the server's trust.crl_expired: what an issuer's CRLs all past their nextUpdate mean.
      if (value == "warn") {
        a.trust.crl_expired = emrtd::CrlExpiredPolicy::kWarn;
      } else if (value == "fail") {
        a.trust.crl_expired = emrtd::CrlExpiredPolicy::kFail;
      } else {
        return absl::StrCat("--crl-expired must be warn or fail, got \"", value, "\"");
      }
    } else if (flag == "--now") {
      int64_t t = 0;
      if (!absl::SimpleAtoi(value, &t)) return "--now needs Unix seconds";
      a.now = t;
    } else {
      return absl::StrCat("unknown argument ", flag);
    }
  }
  if (a.sod.empty()) return "--sod is required";
  return "";
}

}  // namespace

int VerifyMain(int argc, char** argv, std::ostream& out, std::ostream& err) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      out << kUsage;
      return 0;
    }
  }
  if (std::string e = ParseArgs(argc, argv, args); !e.empty()) {
    err << "docval verify: " << e << "\n" << kUsage;
    return 2;
  }
  emrtd::DocumentFiles files;
  if (!ReadFile(args.sod, files.sod)) {
    err << "docval verify: cannot read " << args.sod << "\n";
    return 1;
  }
  for (const auto& [dg, path] : args.data_groups) {
    if (!ReadFile(path, files.data_groups[dg])) {
      err << "docval verify: cannot read " << path << "\n";
      return 1;
    }
  }
  std::shared_ptr<const emrtd::TrustStore> store;
  if (!args.trust.trust_paths.empty() || !args.trust.crl_paths.empty()) {
    absl::StatusOr<std::shared_ptr<const emrtd::TrustStore>> loaded = trust::LoadTrustStore(args.trust);
    if (!loaded.ok()) {
      err << "docval verify: trust store: " << loaded.status().message() << "\n";
      return 1;
    }
    store = *std::move(loaded);
    for (const std::string& w : store->warnings()) err << "docval verify: warning: " << w << "\n";
  }
  const int64_t now = args.now ? *args.now
                               : std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
  // The default session limits hold the Document Signer key to the budget a server would.
  emrtd::EmrtdResult result =
      emrtd::VerifyDocumentFiles(files, store.get(), now, {.include_files_binary = args.files_binary});
  nlohmann::ordered_json j = ResultToJson(ToProto(result), args.camel ? JsonCase::kCamel : JsonCase::kSnake);
  out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

int VerifyMain(int argc, char** argv) { return VerifyMain(argc, argv, std::cout, std::cerr); }

}  // namespace docval::tools
