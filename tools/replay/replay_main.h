// `docval replay FILE`: replays one recorded step (tools/replay/replay.h), prints the outcome JSON
// object on stdout and returns the process exit code: 0 for "ok", 1 for "failed" or "diverged",
// 2 for a usage error (no file, unreadable file, not JSON).
//
// argv[0] is the command name (ignored); argv[1] the trace file, or "-" for standard input.
#ifndef DOCVAL_TOOLS_REPLAY_REPLAY_MAIN_H_
#define DOCVAL_TOOLS_REPLAY_REPLAY_MAIN_H_

namespace docval::replay {

int ReplayMain(int argc, char** argv);

}  // namespace docval::replay

#endif  // DOCVAL_TOOLS_REPLAY_REPLAY_MAIN_H_
