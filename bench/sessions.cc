#include "bench/sessions.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "tools/testpki/cms_builder.h"
#include "tools/testpki/passport_factory.h"
#include "tools/testpki/sample_faces.h"
#include "tools/vchip/chip_rng.h"
#include "tools/vchip/lds_builder.h"

namespace docval::bench {

using emrtd::ByteSpan;
using emrtd::Bytes;

int64_t ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

namespace {

// A JPEG of about `size` bytes: the sample face with a comment segment (FF FE) after SOI.
Bytes LargeJpeg(size_t size) {
  Bytes jpeg(testpki::kSampleFaceJpeg, testpki::kSampleFaceJpeg + testpki::kSampleFaceJpegSize);
  DOCVAL_CHECK(jpeg.size() > 2 && jpeg[0] == 0xFF && jpeg[1] == 0xD8);
  const size_t payload = size > jpeg.size() + 4 ? size - jpeg.size() - 4 : 0;
  DOCVAL_CHECK(payload + 2 <= 0xFFFF);
  Bytes segment = {0xFF, 0xFE, static_cast<uint8_t>((payload + 2) >> 8), static_cast<uint8_t>(payload + 2)};
  const std::string filler = "DocVal round-trip benchmark: a large portrait. ";
  for (size_t i = 0; i < payload; ++i) segment.push_back(static_cast<uint8_t>(filler[i % filler.size()]));
  jpeg.insert(jpeg.begin() + 2, segment.begin(), segment.end());
  return jpeg;
}

// `profile` with a DG2 of about `size` bytes (JPEG, ISO 19794-5) and its SOD signed again by `ds`.
absl::StatusOr<vchip::ChipProfile> WithLargeDg2(vchip::ChipProfile profile, const testpki::TestPki& pki,
                                                const testpki::Credential& ds, size_t size) {
  vchip::FaceImage face;
  face.image = LargeJpeg(size - 64);  // the DG2 headers and the 19794-5 record add about 60 bytes
  face.format = vchip::ImageFormat::kJpeg;
  face.width = testpki::kSampleFaceWidth;
  face.height = testpki::kSampleFaceHeight;
  face.sex = 'M';
  vchip::ChipFile* dg2 = profile.FindFile("DG2");
  if (dg2 == nullptr) return absl::InvalidArgumentError("no DG2");
  dg2->content = vchip::BuildDg2(face, vchip::FaceEncoding::kIso19794_5);
  std::map<int, Bytes> groups;
  for (const vchip::ChipFile& f : profile.files) {
    int n = 0;
    if (!f.in_mf && f.name.rfind("DG", 0) == 0 && absl::SimpleAtoi(f.name.substr(2), &n)) groups[n] = f.content;
  }
  std::unique_ptr<vchip::ChipRandom> rng = vchip::NewSeededRandom(7);
  absl::StatusOr<Bytes> sod = testpki::BuildSod(groups, pki.Signer(ds), rng->rng());
  if (!sod.ok()) return sod.status();
  profile.FindFile("EF.SOD")->content = *sod;
  profile.name = absl::StrCat(profile.name, "-large-dg2");
  return profile;
}

}  // namespace

const Case& World::Find(const std::string& name) const {
  for (const Case& c : cases) {
    if (c.name == name) return c;
  }
  DOCVAL_CHECK(false);
  return cases.front();
}

const World& GetWorld() {
  static const World* world = [] {
    auto* w = new World;
    absl::StatusOr<testpki::TestPki> pki = testpki::GenerateTestPki(1);
    DOCVAL_CHECK_OK(pki.status());
    w->pki = *std::move(pki);
    emrtd::TrustStore::Builder b;
    for (const auto* c : {&w->pki.csca_rsa, &w->pki.csca_ecdsa}) {
      std::string pem = testpki::CertPem(*c->cert);
      absl::Status added = b.AddAny(emrtd::AsSpan(pem), "csca");
      DOCVAL_CHECK_OK(added);
    }
    for (const auto& crl : {w->pki.crl_rsa, w->pki.crl_ecdsa}) {
      std::string pem = testpki::CrlPem(*crl);
      absl::Status added = b.AddAny(emrtd::AsSpan(pem), "crl");
      DOCVAL_CHECK_OK(added);
    }
    w->store = std::move(b).Build();

    std::map<std::string, testpki::PassportSpec> specs;
    for (testpki::PassportSpec& s : testpki::StandardPassportSpecs()) specs[s.name] = s;
    for (const char* name : {"bac-passport", "pace-gm-ecdh-ca-aa", "pace-im-dh-can-idcard", "pace-cam-idcard"}) {
      DOCVAL_CHECK(specs.count(name) == 1);
      absl::StatusOr<vchip::ChipProfile> p = testpki::Personalize(specs[name], w->pki);
      DOCVAL_CHECK_OK(p.status());
      w->cases.push_back(Case{name, *std::move(p)});
    }
    // BAC-only passports often have no EF.ATR/INFO either (nothing in the MF).
    vchip::ChipProfile no_atr = w->cases[0].profile;
    std::erase_if(no_atr.files, [](const vchip::ChipFile& f) { return f.name == "EF.ATR/INFO"; });
    no_atr.name = "bac-passport-no-atr-info";
    w->cases.insert(w->cases.begin() + 1, Case{no_atr.name, no_atr});
    // PACE-GM ECDH with CA and AA, and a 20 KB JPEG portrait.
    testpki::PassportSpec large = specs["pace-gm-ecdh-ca-aa"];
    large.face_format = vchip::ImageFormat::kJpeg;
    large.face_encoding = vchip::FaceEncoding::kIso19794_5;
    absl::StatusOr<vchip::ChipProfile> p = testpki::Personalize(large, w->pki);
    DOCVAL_CHECK_OK(p.status());
    p = WithLargeDg2(*std::move(p), w->pki, w->pki.ds_ecdsa, kLargeDg2Bytes);
    DOCVAL_CHECK_OK(p.status());
    w->cases.push_back(Case{p->name, *std::move(p)});
    return w;
  }();
  return *world;
}

emrtd::SessionParams SessionParamsFor(const Case& c, const emrtd::LinkLimits& limits) {
  const vchip::ClientAccessKey& key = c.profile.client_access_key;
  auto secret = [](const std::string& s) { return emrtd::SecureBytes(s.begin(), s.end()); };
  emrtd::SessionParams params;
  params.access_key.can = secret(key.can);
  params.access_key.document_number = secret(key.document_number);
  params.access_key.date_of_birth = secret(key.date_of_birth);
  params.access_key.date_of_expiry = secret(key.date_of_expiry);
  params.limits = limits;
  params.now_unix_seconds = kNow;
  return params;
}

Session RunSession(vchip::VirtualChip& chip, const Case& c, const emrtd::LinkLimits& limits, emrtd::RandomSource& rng,
                   const emrtd::TrustStore* store, bool record, emrtd::VerificationKeyCache* key_cache) {
  const emrtd::SessionParams params = SessionParamsFor(c, limits);
  emrtd::ReaderConfig config;
  config.trust_store = store;
  config.signer_key_cache = key_cache;

  Session s;
  emrtd::Step current = emrtd::Step::kReadAtrInfo;
  emrtd::CardLink link(params.limits);
  emrtd::Task<emrtd::DialogOutcome> task = emrtd::ReadDocument(link, params, config, rng);
  std::optional<std::chrono::steady_clock::time_point> answered;
  s.outcome = emrtd::RunDialog(task, link, [&](ByteSpan cmd) -> absl::StatusOr<Bytes> {
    if (answered.has_value()) {
      s.reader_gap_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - *answered).count());
    }
    std::vector<emrtd::Step> steps = link.TakeSteps();
    if (!steps.empty()) current = steps.back();
    ++s.per_step[current];
    const int64_t t0 = ThreadCpuNs();
    std::optional<Bytes> r = chip.Process(cmd);
    s.chip_cpu_ns += ThreadCpuNs() - t0;
    if (!r) return absl::DeadlineExceededError("the chip did not answer");
    if (record) s.exchanges.push_back(Exchange{current, Bytes(cmd.begin(), cmd.end()), *r});
    answered = std::chrono::steady_clock::now();
    return *r;
  });
  s.round_trips = link.round_trips();
  return s;
}

std::string CheckOutcome(const emrtd::DialogOutcome& outcome, const Case& c) {
  const auto* r = std::get_if<emrtd::EmrtdResult>(&outcome);
  if (r == nullptr) {
    const auto& f = std::get<emrtd::DialogFailure>(outcome);
    return absl::StrCat("dialog failed: ", emrtd::FailureReasonName(f.reason), " ", f.detail);
  }
  const vchip::Expectation& e = c.profile.expect;
  if (e.passive_authentication && r->passive_authentication != *e.passive_authentication) {
    return "passive authentication differs from the profile's expectation";
  }
  if (!e.chip_authentication.empty() && CheckResultName(r->chip_authentication_result) != e.chip_authentication) {
    return absl::StrCat("chip authentication ", CheckResultName(r->chip_authentication_result));
  }
  if (!e.active_authentication.empty() && CheckResultName(r->active_authentication_result) != e.active_authentication) {
    return absl::StrCat("active authentication ", CheckResultName(r->active_authentication_result));
  }
  if (!r->face_photo.has_value()) return "no face photo";
  return "";
}

}  // namespace docval::bench
