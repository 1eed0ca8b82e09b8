// Fuzz target: a whole ReadDocument dialog against a chip whose every answer comes from the fuzzer.
//
// Input: one selector byte (bit 0: the client gave a CAN, else the MRZ; bit 1: extended length),
// then the chip's responses in order, each as a 2-byte big-endian length and the raw response
// (data || SW). When the input runs out the chip is gone (the dialog ends as with a lifted card).
// Randomness is fixed, so a run repeats. The session's budget (limits.h) is the default one, so an
// input that makes the reader slow or greedy is a finding under fuzz.sh's per-input time and memory
// limits.
#include <cstddef>
#include <cstdint>
#include <string>

#include "validator/emrtd/card_link.h"
#include "validator/emrtd/crypto/random.h"
#include "validator/emrtd/reader.h"
#include "validator/emrtd/testing/streamed_chip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace docval::emrtd;  // NOLINT: a fuzz target
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  ByteSpan rest(data + 1, size - 1);

  auto secret = [](const char* s) { return ToSecure(AsSpan(std::string(s))); };
  SessionParams params;
  if (selector & 1) {
    params.access_key.can = secret("123456");
  } else {
    params.access_key.document_number = secret("L898902C3");
    params.access_key.date_of_birth = secret("740812");
    params.access_key.date_of_expiry = secret("120415");
  }
  params.limits.extended_length = (selector & 2) != 0;
  params.now_unix_seconds = 1780272000;

  testing::StreamedChip chip(rest);
  FixedRandom rng;
  ReaderConfig config;
  CardLink link(params.limits);
  Task<DialogOutcome> task = ReadDocument(link, params, config, rng);
  (void)RunDialog(task, link, [&chip](ByteSpan c) { return chip(c); });
  return 0;
}
