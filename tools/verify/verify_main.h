// `docval verify`: offline verification of a document's files (docs/protocol.md §5 without the HTTP).
//
//   docval verify --sod F [--dg1 F ... --dg16 F] [--trust PATH ...] [--crl F ...]
//                 [--now UNIX_SECONDS] [--camel] [--files-binary]
//
// Prints the result JSON of docs/protocol.md §2 (Passive Authentication; Chip and Active Authentication
// UNAVAILABLE) on stdout and exits 0 whenever it could run, whatever the verdict. Trust store warnings
// go to stderr. Exit 2: bad usage; exit 1: a file or the trust store could not be read.
// --trust takes certificate files, master lists or folders of them (validator/trust/trust_store_loader.h);
// --now fixes the validation time (default: the system clock); --camel writes v2's camelCase keys.
#ifndef DOCVAL_TOOLS_VERIFY_VERIFY_MAIN_H_
#define DOCVAL_TOOLS_VERIFY_VERIFY_MAIN_H_

#include <ostream>

namespace docval::tools {

int VerifyMain(int argc, char** argv);
// The same with explicit streams (tests). argv[0] is the program or subcommand name.
int VerifyMain(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace docval::tools

#endif  // DOCVAL_TOOLS_VERIFY_VERIFY_MAIN_H_
