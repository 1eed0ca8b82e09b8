// `docval chip`: plays a phone holding a virtual passport against a DocVal server.
//
//   docval chip --url ws://127.0.0.1:8080/ws1/validate?return_result=true --client-id ID --profile P
//               [--validation-id V] [--key profile|mrz|can] [--wrong-key] [--platform android|ios]
//               [--extended-length true|false] [--max-command-bytes N] [--max-response-bytes N]
//               [--authorization VALUE] [--ca-file PEM] [--seed N] [--timeout SECONDS]
//               [--check] [--sessions N --concurrency C]
// P is a profile JSON path, or a name looked up as DIR/P.json with --profiles-dir DIR (default
// ./profiles). One session prints each status, the result, the close notice and the close code, and
// exits 0 only on close code 1000 (with --check: only when the outcome matches the profile's
// expectation, whatever the code). With --sessions N it runs N sessions, C at a time, and prints a
// summary (close codes, latency percentiles, throughput); exit 0 when every session closed as the
// profile expects. Exit 2 on bad arguments.
//
//   docval chip --vpcd HOST:PORT --profile P [--profiles-dir DIR] [--seed N] [--timeout SECONDS]
// puts the virtual passport into the PC/SC reader that the vpcd driver provides at HOST:PORT
// (vpcd_card.h) instead of playing the phone: `docval pcsc` or any PC/SC program can then read it.
// Runs until the reader closes the connection or the chip leaves the field (the profile's
// stop-after-N fault), exit 0; 1 when vpcd is unreachable or the connection breaks.
#ifndef DOCVAL_TOOLS_CHIP_CLI_CHIP_MAIN_H_
#define DOCVAL_TOOLS_CHIP_CLI_CHIP_MAIN_H_

namespace docval::chip_cli {

int ChipMain(int argc, char** argv);

}  // namespace docval::chip_cli

#endif  // DOCVAL_TOOLS_CHIP_CLI_CHIP_MAIN_H_
