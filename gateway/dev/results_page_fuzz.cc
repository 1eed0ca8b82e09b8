// Fuzz target: the results page built from any POST body. Whatever the body says, the page has
// exactly one script and one style (its own), and images only as JPEG or PNG data: URIs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "gateway/dev/results_page.h"

namespace {

size_t Count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  docval::gateway::TranscodeLimits limits;
  limits.max_input_bytes = 16 * 1024;
  limits.max_pixels = 128 * 128;
  docval::gateway::ResultCard card =
      docval::gateway::PrepareCard("t", std::string(reinterpret_cast<const char*>(data), size), limits);
  std::string html = docval::gateway::RenderResultsHtml({&card}, docval::gateway::PageState{1, 1});
  if (Count(html, "<script") != 1 || Count(html, "<style") != 1) __builtin_trap();
  if (Count(html, "<img ") !=
      Count(html, "<img src=\"data:image/jpeg;base64,") + Count(html, "<img src=\"data:image/png;base64,")) {
    __builtin_trap();
  }
  return 0;
}
