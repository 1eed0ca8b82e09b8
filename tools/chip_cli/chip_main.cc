#include "tools/chip_cli/chip_main.h"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/chip_cli/chip_session.h"
#include "tools/chip_cli/vpcd_card.h"
#include "tools/vchip/chip_profile.h"

namespace docval::chip_cli {
namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: docval chip --url URL --client-id ID --profile P [--profiles-dir DIR]\n"
               "         [--validation-id V] [--key profile|mrz|can] [--wrong-key] [--platform android|ios]\n"
               "         [--extended-length true|false] [--max-command-bytes N] [--max-response-bytes N]\n"
               "         [--authorization VALUE] [--ca-file PEM] [--seed N] [--timeout SECONDS] [--check]\n"
               "         [--sessions N] [--concurrency C]\n"
               "       docval chip --vpcd HOST:PORT --profile P [--profiles-dir DIR] [--seed N] [--timeout SECONDS]\n");
}

struct Args {
  SessionOptions session;
  std::string profile;
  std::string profiles_dir = "profiles";
  bool check = false;
  int sessions = 1;
  int concurrency = 1;
  bool load = false;
  std::string vpcd;  // HOST:PORT of the vpcd reader driver: be a card in a PC/SC reader
};

bool ParseArgs(int argc, char** argv, Args* a, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    std::string value;
    bool has_inline = false;
    if (size_t eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline = true;
    }
    auto next = [&](std::string* v) {
      if (has_inline) {
        *v = value;
        return true;
      }
      if (i + 1 >= argc) return false;
      *v = argv[++i];
      return true;
    };
    auto number = [&](int* out) {
      std::string v;
      return next(&v) && absl::SimpleAtoi(v, out);
    };
    std::string v;
    int n = 0;
    if (name == "--url" && next(&v)) {
      a->session.url = v;
    } else if (name == "--client-id" && next(&v)) {
      a->session.client_id = v;
    } else if (name == "--profile" && next(&v)) {
      a->profile = v;
    } else if (name == "--profiles-dir" && next(&v)) {
      a->profiles_dir = v;
    } else if (name == "--validation-id" && next(&v)) {
      a->session.validation_id = v;
    } else if (name == "--key" && next(&v)) {
      if (v == "profile") {
        a->session.key = KeyChoice::kProfile;
      } else if (v == "mrz") {
        a->session.key = KeyChoice::kMrz;
      } else if (v == "can") {
        a->session.key = KeyChoice::kCan;
      } else {
        *error = "--key takes profile, mrz or can";
        return false;
      }
    } else if (name == "--wrong-key") {
      a->session.wrong_key = true;
    } else if (name == "--platform" && next(&v)) {
      a->session.platform = v;
    } else if (name == "--extended-length" && next(&v)) {
      if (v != "true" && v != "false") {
        *error = "--extended-length takes true or false";
        return false;
      }
      a->session.extended_length = v == "true";
    } else if (name == "--max-command-bytes" && number(&n)) {
      a->session.max_command_bytes = n;
    } else if (name == "--max-response-bytes" && number(&n)) {
      a->session.max_response_bytes = n;
    } else if (name == "--authorization" && next(&v)) {
      a->session.authorization = v;
    } else if (name == "--ca-file" && next(&v)) {
      a->session.ca_file = v;
    } else if (name == "--seed" && next(&v)) {
      uint64_t seed = 0;
      if (!absl::SimpleAtoi(v, &seed)) {
        *error = "--seed takes a number";
        return false;
      }
      a->session.seed = seed;
    } else if (name == "--timeout" && number(&n) && n > 0) {
      a->session.read_timeout = absl::Seconds(n);
    } else if (name == "--vpcd" && next(&v)) {
      a->vpcd = v;
    } else if (name == "--check") {
      a->check = true;
    } else if (name == "--sessions" && number(&n) && n > 0) {
      a->sessions = n;
      a->load = true;
    } else if (name == "--concurrency" && number(&n) && n > 0) {
      a->concurrency = n;
      a->load = true;
    } else {
      *error = "unknown or incomplete argument " + name;
      return false;
    }
  }
  if (!a->vpcd.empty()) {
    if (a->profile.empty() || a->load || a->check || !a->session.url.empty()) {
      *error = "--vpcd takes --profile (and --profiles-dir, --seed, --timeout), not --url, --check or --sessions";
      return false;
    }
    return true;
  }
  if (a->session.url.empty() || a->session.client_id.empty() || a->profile.empty()) {
    *error = "--url, --client-id and --profile are required";
    return false;
  }
  return true;
}

absl::StatusOr<vchip::ChipProfile> FindProfile(const Args& a) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(a.profile, ec)) return vchip::LoadChipProfile(a.profile);
  std::string named = (std::filesystem::path(a.profiles_dir) / (a.profile + ".json")).string();
  if (std::filesystem::is_regular_file(named, ec)) return vchip::LoadChipProfile(named);
  return absl::NotFoundError(absl::StrCat("no profile ", a.profile, " (nor ", named, ")"));
}

// The expectation of this run: the profile's, adjusted for a wrong key asked on the command line.
vchip::Expectation ExpectationFor(const vchip::ChipProfile& p, const Args& a) {
  vchip::Expectation e = p.expect;
  if (a.session.wrong_key) e = vchip::Expectation{4403, "ACCESS_CONTROL_FAILED", std::nullopt, "", "", ""};
  return e;
}

int RunOne(const vchip::ChipProfile& profile, const Args& a) {
  SessionReport r = RunSession(profile, a.session, [](const std::string& frame) {
    std::printf("< %s\n", frame.c_str());
    std::fflush(stdout);
  });
  if (!r.transport.ok()) {
    std::printf("transport error: %s\n", std::string(r.transport.message()).c_str());
  }
  std::printf("statuses: %s\n", absl::StrJoin(r.statuses, " ").c_str());
  std::printf("result: %s\n", r.result.has_value() ? r.result->dump(1).c_str() : "(none)");
  std::printf("close notice: %s\n", r.close_notice.has_value() ? r.close_notice->dump().c_str() : "(none)");
  std::printf("commands: %zu%s\n", r.commands, r.chip_went_silent ? " (the chip left the field)" : "");
  std::printf("close code: %d%s%s\n", r.close_code, r.close_reason.empty() ? "" : " ", r.close_reason.c_str());
  std::printf("elapsed: %s\n", absl::FormatDuration(r.elapsed).c_str());
  if (a.check) {
    std::vector<std::string> diffs = CheckExpectation(ExpectationFor(profile, a), r);
    for (const std::string& d : diffs) std::printf("MISMATCH: %s\n", d.c_str());
    std::printf("expectation: %s\n", diffs.empty() ? "met" : "NOT met");
    return diffs.empty() ? 0 : 1;
  }
  return r.transport.ok() && r.close_code == 1000 ? 0 : 1;
}

int RunLoad(const vchip::ChipProfile& profile, const Args& a) {
  std::vector<SessionReport> reports(static_cast<size_t>(a.sessions));
  std::atomic<int> next{0};
  const absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  for (int w = 0; w < std::min(a.concurrency, a.sessions); ++w) {
    workers.emplace_back([&]() {
      for (int i = next++; i < a.sessions; i = next++) {
        SessionOptions o = a.session;
        o.validation_id = absl::StrCat(a.session.validation_id, "-", i);
        if (o.seed.has_value()) o.seed = *o.seed + static_cast<uint64_t>(i);
        reports[static_cast<size_t>(i)] = RunSession(profile, o);
      }
    });
  }
  for (std::thread& t : workers) t.join();
  LoadSummary s = Summarize(reports, absl::Now() - start);
  std::printf("%s", FormatSummary(s).c_str());
  const vchip::Expectation e = ExpectationFor(profile, a);
  size_t unexpected = 0;
  std::map<std::string, size_t> reasons;
  for (const SessionReport& r : reports) {
    std::vector<std::string> d = CheckExpectation(e, r);
    if (!d.empty()) {
      ++unexpected;
      ++reasons[d.front()];
    }
  }
  for (const auto& [reason, n] : reasons) std::printf("  unexpected (%zu): %s\n", n, reason.c_str());
  std::printf("as expected: %zu of %zu\n", reports.size() - unexpected, reports.size());
  return unexpected == 0 ? 0 : 1;
}

// The virtual passport as a card in the PC/SC reader that vpcd drives (vpcd_card.h).
int RunVpcd(const vchip::ChipProfile& profile, const Args& a) {
  std::string host;
  int port = 0;
  absl::Status s = ParseHostPort(a.vpcd, &host, &port);
  if (!s.ok()) {
    std::fprintf(stderr, "chip: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  std::unique_ptr<vchip::ChipRandom> rng =
      a.session.seed.has_value() ? vchip::NewSeededRandom(*a.session.seed) : vchip::NewSystemRandom();
  absl::StatusOr<std::unique_ptr<vchip::VirtualChip>> chip = vchip::VirtualChip::Create(profile, std::move(rng));
  if (!chip.ok()) {
    std::fprintf(stderr, "chip: %s\n", std::string(chip.status().message()).c_str());
    return 2;
  }
  VpcdOptions o;
  o.idle_timeout = a.session.read_timeout;
  o.on_event = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  s = ServeVpcd(host, port, **chip, o);
  if (!s.ok()) {
    std::printf("vpcd: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int ChipMain(int argc, char** argv) {
  Args a;
  std::string error;
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    Usage();
    return 0;
  }
  if (!ParseArgs(argc, argv, &a, &error)) {
    std::fprintf(stderr, "chip: %s\n", error.c_str());
    Usage();
    return 2;
  }
  absl::StatusOr<vchip::ChipProfile> profile = FindProfile(a);
  if (!profile.ok()) {
    std::fprintf(stderr, "chip: %s\n", std::string(profile.status().message()).c_str());
    return 2;
  }
  if (!a.vpcd.empty()) return RunVpcd(*profile, a);
  return a.load ? RunLoad(*profile, a) : RunOne(*profile, a);
}

}  // namespace docval::chip_cli
