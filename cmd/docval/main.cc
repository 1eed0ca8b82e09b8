// docval: one binary, many roles (docs/architecture.md). main() only parses the command line and
// hands over to the role or tool.
#include <cstdio>
#include <cstring>
#include <string>

#include "cmd/docval/roles.h"
#include "common/signals.h"
#include "tools/chip_cli/chip_main.h"
#include "tools/pcsc/pcsc_main.h"
#include "tools/replay/replay_main.h"
#include "tools/testpki/testpki_main.h"
#include "tools/verify/verify_main.h"

namespace {

constexpr char kUsage[] = R"(docval — remote eMRTD (passport / ID card) validation server

Usage: docval <command> [options]

Server roles (run until SIGTERM; SIGHUP reloads the trust store):
  serve       all roles in one process (gateway, validator, poster). Without --config: the
              embedded default — WebSocket API on 127.0.0.1:8080, client_id "demo-client",
              the development Result Server at http://127.0.0.1:8080/dev/results
  gateway     the WebSocket/HTTP front only
  validator   the eMRTD validator gRPC service only
  poster      the Result Server delivery gRPC service only

  Options of every role:
    --config FILE   YAML configuration (docs/configuration.md); environment variables of
                    docs/configuration.md override it

Tools:
  verify      offline Passive Authentication of a document's files (--sod F --dg1 F ... --trust PATH)
  replay      replay a recorded chip dialog step byte for byte (FILE, or - for stdin)
  testpki     write a test PKI and ready virtual passport profiles (--out DIR)
  chip        play a phone holding a virtual passport against a server (--url, --client-id, --profile),
              or put it into a PC/SC reader through the vpcd driver (--vpcd HOST:PORT --profile)
  pcsc        read the document in a desktop PC/SC reader and relay it to a server as the phone
              SDKs do (--url, --client-id, the MRZ fields or --can; --list shows the readers)

Run 'docval <command> --help' for the options of a command.
)";

int RoleMain(docval::cmd::Role role, const char* name, int argc, char** argv) {
  std::string config;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("Usage: docval %s [--config FILE]\n\n%s", name, kUsage);
      return 0;
    }
    if (a == "--config" && i + 1 < argc) {
      config = argv[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      config = a.substr(9);
    } else {
      std::fprintf(stderr, "docval %s: unknown argument '%s' (see docval %s --help)\n", name, a.c_str(), name);
      return 2;
    }
  }
  docval::BlockTerminationSignals();
  return docval::cmd::RunRole(role, config);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  if (cmd == "serve") return RoleMain(docval::cmd::Role::kServe, "serve", argc, argv);
  if (cmd == "gateway") return RoleMain(docval::cmd::Role::kGateway, "gateway", argc, argv);
  if (cmd == "validator") return RoleMain(docval::cmd::Role::kValidator, "validator", argc, argv);
  if (cmd == "poster") return RoleMain(docval::cmd::Role::kPoster, "poster", argc, argv);
  if (cmd == "verify") return docval::tools::VerifyMain(argc - 1, argv + 1);
  if (cmd == "replay") return docval::replay::ReplayMain(argc - 1, argv + 1);
  if (cmd == "testpki") return docval::testpki::TestPkiMain(argc - 1, argv + 1);
  if (cmd == "chip") return docval::chip_cli::ChipMain(argc - 1, argv + 1);
  if (cmd == "pcsc") return docval::pcsc::PcscMain(argc - 1, argv + 1);
  std::fprintf(stderr, "docval: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
