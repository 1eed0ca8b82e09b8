// Process signals for the long-running roles: SIGTERM/SIGINT ask for a graceful shutdown, SIGHUP
// for a reload (the validator's trust store). BlockTerminationSignals() must run in main() before
// any thread starts, so that only WaitForSignal() ever sees them.
#ifndef DOCVAL_COMMON_SIGNALS_H_
#define DOCVAL_COMMON_SIGNALS_H_

namespace docval {

enum class ProcessSignal { kShutdown, kReload };

void BlockTerminationSignals();
// Blocks until SIGTERM, SIGINT or SIGHUP arrives.
ProcessSignal WaitForSignal();

}  // namespace docval

#endif  // DOCVAL_COMMON_SIGNALS_H_
