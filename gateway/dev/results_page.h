// The development Result Server's page for people: `/dev/results` in a browser. One card per result,
// newest first: the verdicts (Passive Authentication with its details, Chip and Active Authentication
// with what they mean and the errors the reader recorded about them), the holder's and the document's
// data (DG1, DG11, DG12), the data groups read and checked, the timings, and the face and signature
// images (image_transcode.h: JPEG as is, JPEG 2000 as PNG), all inline — no external asset, so the
// page works offline and leaks nothing to third parties.
//
// The page shows chip data, which an attacker can choose (a forged chip, a POST to the development
// Result Server): every value is HTML-escaped, images are only ever data: URIs of image/jpeg or
// image/png, and the Content-Security-Policy allows no script or style but the page's own (by hash),
// so a value that escaped escaping still could not run.
//
// While a session runs, the page refreshes itself (a small inline script polls the result count and
// the running sessions; without script, a meta refresh while a session runs).
#ifndef DOCVAL_GATEWAY_DEV_RESULTS_PAGE_H_
#define DOCVAL_GATEWAY_DEV_RESULTS_PAGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/dev/image_transcode.h"

namespace docval::gateway {

// One stored result as the page shows it; images are transcoded once, when the result arrives.
struct ResultCard {
  std::string received_at;                         // RFC 3339, UTC
  std::optional<absl::Duration> session_duration;  // start message to result received, when known
  std::string body;                                // the POST body: {"emrtd_passport": {...}, ...}
  absl::StatusOr<WebImage> face = absl::NotFoundError("no face photo");
  std::vector<absl::StatusOr<WebImage>> signatures;
};

// Transcodes the images of `body` (face_photo, signature_photos) for a card.
ResultCard PrepareCard(std::string received_at, std::string body, const TranscodeLimits& limits = {});

struct PageState {
  int sessions_running = 0;
  uint64_t generation = 0;  // results received so far (the page reloads when it changes)
};

// The whole HTML document, newest result first.
std::string RenderResultsHtml(const std::vector<const ResultCard*>& cards, const PageState& state);

// The page's Content-Security-Policy (hashes of its inline style and script).
const std::string& ResultsPageCsp();

// Content negotiation on `Accept` (RFC 9110 §12.5.1): true when text/html is preferred to
// application/json. JSON wins ties and an absent or wildcard header, so programs keep getting JSON.
bool PrefersHtml(absl::string_view accept);

// &, <, >, " and ' as character references; invalid UTF-8 bytes as U+FFFD.
std::string HtmlEscape(absl::string_view text);

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_DEV_RESULTS_PAGE_H_
