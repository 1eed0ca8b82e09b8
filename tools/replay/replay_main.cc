#include "tools/replay/replay_main.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "nlohmann/json.hpp"
#include "tools/replay/replay.h"

namespace docval::replay {

int ReplayMain(int argc, char** argv) {
  const bool help = argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h");
  if (argc != 2 || help) {
    (help ? std::cout : std::cerr) << "usage: docval replay TRACE.json   (or - for standard input)\n"
                                      "Replays one recorded step of a chip dialog and prints the outcome as JSON.\n"
                                      "Exit 0 only when the outcome is \"ok\". See tools/replay/README.md.\n";
    return help ? 0 : 2;
  }
  const std::string path = argv[1];
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "replay: cannot read " << path << "\n";
      return 2;
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  nlohmann::json trace = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (trace.is_discarded()) {
    std::cerr << "replay: " << path << " is not JSON\n";
    return 2;
  }
  nlohmann::json outcome = Replay(trace);
  std::cout << outcome.dump(2) << std::endl;
  return outcome["outcome"] == "ok" ? 0 : 1;
}

}  // namespace docval::replay
