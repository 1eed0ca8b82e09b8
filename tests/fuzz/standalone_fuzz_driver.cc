// A libFuzzer-compatible driver for builds without libFuzzer (GCC, the default build).
//
//   <target> [--runs=N] [--seed=S] [--max_len=L] [FILE_OR_DIR ...]
//
// Runs LLVMFuzzerTestOneInput on every file given (corpus), then on N inputs made by mutating the
// corpus (or random bytes when there is none) with a fixed-seed PRNG, so a run is repeatable. It has
// no coverage guidance: it keeps every parser compiled, exercised under ASan/UBSan and free of
// crashes on garbage. The clang build (DOCVAL_FUZZ=ON, scripts/fuzz.sh) links real libFuzzer instead.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<uint8_t> ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Mutate(std::vector<uint8_t>& d, std::mt19937_64& rng, size_t max_len) {
  int n = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < n; ++i) {
    switch (rng() % 6) {
      case 0:  // flip a bit
        if (!d.empty()) d[rng() % d.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // set a byte to an interesting value
        if (!d.empty()) {
          static constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0xFF};
          d[rng() % d.size()] = kInteresting[rng() % sizeof(kInteresting)];
        }
        break;
      case 2:  // insert a random byte
        if (d.size() < max_len)
          d.insert(d.begin() + static_cast<long>(d.empty() ? 0 : rng() % (d.size() + 1)), static_cast<uint8_t>(rng()));
        break;
      case 3:  // erase a byte
        if (!d.empty()) d.erase(d.begin() + static_cast<long>(rng() % d.size()));
        break;
      case 4:  // truncate
        if (!d.empty()) d.resize(rng() % d.size());
        break;
      case 5:  // duplicate a chunk
        if (!d.empty() && d.size() < max_len) {
          size_t a = rng() % d.size();
          size_t len = std::min<size_t>(1 + rng() % 16, d.size() - a);
          std::vector<uint8_t> chunk(d.begin() + static_cast<long>(a), d.begin() + static_cast<long>(a + len));
          d.insert(d.begin() + static_cast<long>(rng() % (d.size() + 1)), chunk.begin(), chunk.end());
        }
        break;
    }
  }
  if (d.size() > max_len) d.resize(max_len);
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 10000;
  uint64_t seed = 1;
  size_t max_len = 4096;
  std::vector<std::vector<uint8_t>> corpus;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--runs=", 0) == 0) {
      runs = std::strtol(a.c_str() + 7, nullptr, 10);
    } else if (a.rfind("--seed=", 0) == 0) {
      seed = std::strtoull(a.c_str() + 7, nullptr, 10);
    } else if (a.rfind("--max_len=", 0) == 0) {
      max_len = std::strtoul(a.c_str() + 10, nullptr, 10);
    } else if (std::filesystem::is_directory(a)) {
      for (const auto& e : std::filesystem::directory_iterator(a)) {
        if (e.is_regular_file()) corpus.push_back(ReadFile(e.path()));
      }
    } else if (std::filesystem::is_regular_file(a)) {
      corpus.push_back(ReadFile(a));
    } else {
      std::fprintf(stderr, "no such file or directory: %s\n", a.c_str());
      return 2;
    }
  }
  for (const auto& c : corpus) LLVMFuzzerTestOneInput(c.data(), c.size());
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> input;
  for (long i = 0; i < runs; ++i) {
    if (!corpus.empty()) {
      input = corpus[rng() % corpus.size()];
    } else {
      input.resize(rng() % 256);
      for (auto& b : input) b = static_cast<uint8_t>(rng());
    }
    Mutate(input, rng, max_len);
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("%zu corpus inputs and %ld mutated inputs ran without a crash\n", corpus.size(), runs);
  return 0;
}
