#include "tools/testpki/testpki_main.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/testpki/hostile_profiles.h"
#include "tools/testpki/passport_factory.h"
#include "tools/testpki/test_pki.h"

namespace docval::testpki {
namespace {

bool WriteFile(const std::filesystem::path& path, const void* data, size_t size) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) {
    std::fprintf(stderr, "testpki: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}
bool WriteText(const std::filesystem::path& path, const std::string& text) {
  return WriteFile(path, text.data(), text.size());
}
bool WriteBytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  return WriteFile(path, bytes.data(), bytes.size());
}

void Usage() {
  std::fprintf(stderr,
               "usage: docval testpki --out DIR [--seed N]\n"
               "Writes CSCAs, Document Signers, CRLs, a CSCA master list and virtual passport profiles.\n");
}

}  // namespace

int TestPkiMain(int argc, char** argv) {
  std::string out_dir;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= argc) return false;
      *v = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--out" && value(&v)) {
      out_dir = v;
    } else if (a.rfind("--out=", 0) == 0) {
      out_dir = a.substr(6);
    } else if (a == "--seed" && value(&v)) {
      if (!absl::SimpleAtoi(v, &seed)) {
        Usage();
        return 2;
      }
    } else if (a == "--help" || a == "-h") {
      Usage();
      return 0;
    } else {
      std::fprintf(stderr, "testpki: unknown argument %s\n", a.c_str());
      Usage();
      return 2;
    }
  }
  if (out_dir.empty()) {
    Usage();
    return 2;
  }
  absl::StatusOr<TestPki> pki = GenerateTestPki(seed);
  if (!pki.ok()) {
    std::fprintf(stderr, "testpki: %s\n", std::string(pki.status().message()).c_str());
    return 1;
  }
  const std::filesystem::path dir(out_dir);
  bool ok = true;
  ok &= WriteText(dir / "csca" / "csca_rsa.pem", CertPem(*pki->csca_rsa.cert));
  ok &= WriteText(dir / "csca" / "csca_ecdsa.pem", CertPem(*pki->csca_ecdsa.cert));
  ok &= WriteText(dir / "untrusted" / "rogue_csca.pem", CertPem(*pki->rogue_csca.cert));
  ok &= WriteBytes(dir / "crl" / "csca_rsa.crl", pki->crl_rsa->BER_encode());
  ok &= WriteText(dir / "crl" / "csca_rsa.crl.pem", CrlPem(*pki->crl_rsa));
  ok &= WriteBytes(dir / "crl" / "csca_ecdsa.crl", pki->crl_ecdsa->BER_encode());
  ok &= WriteText(dir / "crl" / "csca_ecdsa.crl.pem", CrlPem(*pki->crl_ecdsa));
  ok &= WriteBytes(dir / "masterlist" / "masterlist.der", pki->master_list);
  ok &= WriteText(dir / "masterlist" / "ml_signer.pem", CertPem(*pki->ml_signer.cert));
  const std::pair<const char*, const Credential*> ds[] = {
      {"ds_rsa", &pki->ds_rsa},           {"ds_ecdsa", &pki->ds_ecdsa},         {"ds_brainpool", &pki->ds_brainpool},
      {"ds_expired", &pki->ds_expired},   {"ds_untrusted", &pki->ds_untrusted}, {"ds_revoked", &pki->ds_revoked}};
  for (const auto& [name, cred] : ds) ok &= WriteText(dir / "ds" / absl::StrCat(name, ".pem"), CertPem(*cred->cert));

  std::string readme =
      "# Virtual passports and test PKI\n\n"
      "Made by `docval testpki` (seed " + std::to_string(seed) + "). Trust `csca/` (or `masterlist/masterlist.der`, "
      "signed by `masterlist/ml_signer.pem` under `csca/csca_ecdsa.pem`) and `crl/`.\n"
      "Run a profile with `docval chip --profile profiles/NAME.json ...`.\n\n"
      "| profile | what | expected close | PA | CA | AA |\n|---|---|---|---|---|---|\n";
  for (const PassportSpec& spec : StandardPassportSpecs()) {
    absl::StatusOr<vchip::ChipProfile> profile = Personalize(spec, *pki);
    if (!profile.ok()) {
      std::fprintf(stderr, "testpki: %s: %s\n", spec.name.c_str(), std::string(profile.status().message()).c_str());
      return 1;
    }
    ok &= WriteText(dir / "profiles" / (spec.name + ".json"), vchip::ChipProfileToJson(*profile));
    const vchip::Expectation& e = spec.expect;
    absl::StrAppend(&readme, "| `", spec.name, "` | ", spec.description, " | ", e.close_code,
                    e.close_reason.empty() ? "" : absl::StrCat(" ", e.close_reason), " | ",
                    e.passive_authentication.has_value() ? (*e.passive_authentication ? "true" : "false") : "-", " | ",
                    e.chip_authentication.empty() ? "-" : e.chip_authentication, " | ",
                    e.active_authentication.empty() ? "-" : e.active_authentication, " |\n");
  }
  // Hostile chips (docs/limits.md): where the reader must stop, and why.
  absl::StatusOr<std::vector<HostileProfile>> hostile = HostilePassportProfiles(*pki);
  if (!hostile.ok()) {
    std::fprintf(stderr, "testpki: hostile profiles: %s\n", std::string(hostile.status().message()).c_str());
    return 1;
  }
  for (const HostileProfile& h : *hostile) {
    ok &= WriteText(dir / "profiles" / (h.profile.name + ".json"), vchip::ChipProfileToJson(h.profile));
    const vchip::Expectation& e = h.profile.expect;
    absl::StrAppend(&readme, "| `", h.profile.name, "` | ", h.profile.description, " (", e.note, ") | ", e.close_code,
                    e.close_reason.empty() ? "" : absl::StrCat(" ", e.close_reason), " | - | - | ",
                    e.active_authentication.empty() ? "-" : e.active_authentication, " |\n");
  }
  ok &= WriteText(dir / "README.md", readme);
  if (!ok) return 1;
  std::printf("testpki: wrote %s\n", out_dir.c_str());
  return 0;
}

}  // namespace docval::testpki
