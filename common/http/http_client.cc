#include "common/http/http_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/base/call_once.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/check.h"

namespace docval::http {
namespace {

constexpr size_t kMaxResponseHeaderBytes = 64 << 10;

void GlobalInit() {
  static absl::once_flag once;
  absl::call_once(once, [] { DOCVAL_CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK); });
}

// How often a transfer in progress checks `should_abort` (curl_multi_poll's timeout): the bound on
// how long an attempt outlives the cancellation of its delivery.
constexpr int kAbortPollMs = 50;

// CURL and CURLM are both void: the multi handle gets its own deleter.
struct CurlMultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

struct CurlShareDeleter {
  void operator()(CURLSH* s) const { curl_share_cleanup(s); }
};

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// Transfer state shared with the curl callbacks.
struct Transfer {
  HttpResponse response;
  size_t header_bytes = 0;
  size_t max_body = 0;
  bool body_overflow = false;
};

size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  if (t->response.body.size() + n > t->max_body) {
    t->response.body.append(data, t->max_body - t->response.body.size());
    t->body_overflow = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  absl::string_view line(data, n);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new status line (e.g. after an interim 1xx): keep the final response's headers only.
    t->response.headers.clear();
    t->header_bytes = 0;
    return n;
  }
  t->header_bytes += n;
  if (t->header_bytes > kMaxResponseHeaderBytes) return n;  // ignore the excess
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos || colon == 0) return n;
  t->response.headers.emplace_back(
      std::string(line.substr(0, colon)),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return n;
}

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
}

absl::Status MapCurlError(CURLcode code, const char* errbuf) {
  std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(absl::StrCat("timed out: ", detail));
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_AGAIN:
      return absl::UnavailableError(absl::StrCat("network error: ", detail));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
      return absl::FailedPreconditionError(absl::StrCat("TLS verification failed: ", detail));
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return absl::InvalidArgumentError(absl::StrCat("bad URL: ", detail));
    case CURLE_ABORTED_BY_CALLBACK:
      return absl::CancelledError("aborted");
    case CURLE_WEIRD_SERVER_REPLY:
      return absl::InternalError(absl::StrCat("protocol error: ", detail));
    default:
      return absl::InternalError(absl::StrCat("HTTP client error: ", detail));
  }
}

#define DOCVAL_CURL_SET(h, opt, val) DOCVAL_CHECK(curl_easy_setopt((h), (opt), (val)) == CURLE_OK)

}  // namespace

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(n, name)) return v;
  }
  return "";
}

bool IsValidHeader(absl::string_view name, absl::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsTokenChar(c)) return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

absl::StatusOr<std::string> NormalizeUrl(absl::string_view url) {
  GlobalInit();
  std::unique_ptr<CURLU, CurlDeleter> u(curl_url());
  DOCVAL_CHECK(u != nullptr);
  std::string copy(url);
  if (copy.find('\0') != std::string::npos ||
      curl_url_set(u.get(), CURLUPART_URL, copy.c_str(), 0) != CURLUE_OK) {
    return absl::InvalidArgumentError("Result Server URL is not an absolute URL");
  }
  auto get = [&u](CURLUPart part, unsigned flags = 0) -> std::string {
    char* out = nullptr;
    if (curl_url_get(u.get(), part, &out, flags) != CURLUE_OK || out == nullptr) return "";
    std::string s(out);
    curl_free(out);
    return s;
  };
  std::string scheme = absl::AsciiStrToLower(get(CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError("Result Server URL must be http or https");
  }
  std::string host = get(CURLUPART_HOST);
  if (host.empty()) return absl::InvalidArgumentError("Result Server URL has no host");
  curl_url_set(u.get(), CURLUPART_HOST, absl::AsciiStrToLower(host).c_str(), 0);
  curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  std::string out = get(CURLUPART_URL);
  if (out.empty()) return absl::InvalidArgumentError("Result Server URL cannot be normalized");
  return out;
}

absl::StatusOr<std::string> UrlDestination(absl::string_view url) {
  absl::StatusOr<std::string> normalized = NormalizeUrl(url);
  if (!normalized.ok()) return normalized.status();
  std::unique_ptr<CURLU, CurlDeleter> u(curl_url());
  DOCVAL_CHECK(u != nullptr);
  if (curl_url_set(u.get(), CURLUPART_URL, normalized->c_str(), 0) != CURLUE_OK) {
    return absl::InvalidArgumentError("Result Server URL is not an absolute URL");
  }
  auto get = [&u](CURLUPart part, unsigned flags) -> std::string {
    char* out = nullptr;
    if (curl_url_get(u.get(), part, &out, flags) != CURLUE_OK || out == nullptr) return "";
    std::string s(out);
    curl_free(out);
    return s;
  };
  std::string host = absl::AsciiStrToLower(get(CURLUPART_HOST, 0));
  std::string port = get(CURLUPART_PORT, CURLU_NO_DEFAULT_PORT);
  return port.empty() ? host : absl::StrCat(host, ":", port);
}

absl::StatusOr<std::unique_ptr<CurlHttpClient>> CurlHttpClient::Create(HttpClientOptions options) {
  GlobalInit();
  if (!options.ca_bundle_path.empty()) {
    int fd = ::open(options.ca_bundle_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot read CA bundle ", options.ca_bundle_path, ": ", std::strerror(errno)));
    }
    ::close(fd);
  }
  return std::unique_ptr<CurlHttpClient>(new CurlHttpClient(std::move(options)));
}

// Used by one call at a time, so the share needs no lock callbacks. The share is declared first so
// that the multi handle, and the connections it keeps, go before the TLS sessions they came from.
struct CurlHttpClient::Pool {
  Pool() : share(curl_share_init()), multi(curl_multi_init()) {
    DOCVAL_CHECK(multi != nullptr && share != nullptr);
    DOCVAL_CHECK(curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, kMaxIdleConnections) == CURLM_OK);
    DOCVAL_CHECK(curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK);
  }
  std::unique_ptr<CURLSH, CurlShareDeleter> share;
  std::unique_ptr<CURLM, CurlMultiDeleter> multi;
};

CurlHttpClient::CurlHttpClient(HttpClientOptions options) : options_(std::move(options)) {}
CurlHttpClient::~CurlHttpClient() = default;

std::unique_ptr<CurlHttpClient::Pool> CurlHttpClient::TakePool() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_pools_.empty()) {
      std::unique_ptr<Pool> p = std::move(idle_pools_.back());
      idle_pools_.pop_back();
      return p;
    }
  }
  return std::make_unique<Pool>();
}

void CurlHttpClient::ReturnPool(std::unique_ptr<Pool> pool) {
  {
    absl::MutexLock lock(&mu_);
    if (idle_pools_.size() < kMaxIdlePools) {
      idle_pools_.push_back(std::move(pool));
      return;
    }
  }
  // Over the bound: destroyed here, outside the lock, closing its connections.
}

absl::StatusOr<HttpResponse> CurlHttpClient::Post(const HttpRequest& request,
                                                  const std::function<bool()>& should_abort) {
  if (request.timeout <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError("timed out: no time left for the attempt");
  }
  std::unique_ptr<curl_slist, CurlDeleter> headers;
  auto append = [&headers](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    DOCVAL_CHECK(next != nullptr);
    (void)headers.release();
    headers.reset(next);
  };
  for (const auto& [name, value] : request.headers) {
    if (!IsValidHeader(name, value)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid header \"", name, "\""));
    }
    // curl drops "Name:" (empty value) and sends "Name;" as an empty header.
    append(value.empty() ? absl::StrCat(name, ";") : absl::StrCat(name, ": ", value));
  }
  append("Expect:");

  std::unique_ptr<CURL, CurlDeleter> h(curl_easy_init());
  DOCVAL_CHECK(h != nullptr);
  CURL* c = h.get();
  char errbuf[CURL_ERROR_SIZE];
  errbuf[0] = '\0';
  Transfer t;
  t.max_body = options_.max_response_body_bytes;
  const long timeout_ms = static_cast<long>(
      std::max<int64_t>(1, absl::ToInt64Milliseconds(absl::Ceil(request.timeout, absl::Milliseconds(1)))));

  DOCVAL_CURL_SET(c, CURLOPT_ERRORBUFFER, errbuf);
  DOCVAL_CURL_SET(c, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_setopt(c, CURLOPT_URL, request.url.c_str()) != CURLE_OK) {
    return absl::InvalidArgumentError("bad URL");
  }
  DOCVAL_CURL_SET(c, CURLOPT_PROTOCOLS_STR, "http,https");
  DOCVAL_CURL_SET(c, CURLOPT_FOLLOWLOCATION, 0L);
  DOCVAL_CURL_SET(c, CURLOPT_PROXY, options_.proxy.c_str());  // "" disables env proxies
  DOCVAL_CURL_SET(c, CURLOPT_SSL_VERIFYPEER, 1L);
  DOCVAL_CURL_SET(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_bundle_path.empty()) {
    DOCVAL_CURL_SET(c, CURLOPT_CAINFO, options_.ca_bundle_path.c_str());
    DOCVAL_CURL_SET(c, CURLOPT_CAPATH, static_cast<char*>(nullptr));
  }
  DOCVAL_CURL_SET(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  DOCVAL_CURL_SET(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  DOCVAL_CURL_SET(c, CURLOPT_MAXAGE_CONN, kMaxIdleSeconds);
  DOCVAL_CURL_SET(c, CURLOPT_CA_CACHE_TIMEOUT, kCaCacheSeconds);
  DOCVAL_CURL_SET(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
  DOCVAL_CURL_SET(c, CURLOPT_ACCEPT_ENCODING, static_cast<char*>(nullptr));
  DOCVAL_CURL_SET(c, CURLOPT_POST, 1L);
  DOCVAL_CURL_SET(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  DOCVAL_CURL_SET(c, CURLOPT_POSTFIELDS, request.body.data());
  DOCVAL_CURL_SET(c, CURLOPT_HTTPHEADER, headers.get());
  DOCVAL_CURL_SET(c, CURLOPT_WRITEFUNCTION, &OnBody);
  DOCVAL_CURL_SET(c, CURLOPT_WRITEDATA, &t);
  DOCVAL_CURL_SET(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  DOCVAL_CURL_SET(c, CURLOPT_HEADERDATA, &t);

  // The multi interface, driven here on the calling thread, so the transfer can be abandoned
  // between two polls: `should_abort` is checked at least every kAbortPollMs, whatever the server
  // does (the easy interface's progress callback may wait a second when nothing moves).
  std::unique_ptr<Pool> pool = TakePool();
  CURLM* multi = pool->multi.get();
  DOCVAL_CURL_SET(c, CURLOPT_SHARE, pool->share.get());
  DOCVAL_CHECK(curl_multi_add_handle(multi, c) == CURLM_OK);
  // The easy handle leaves the pool before the pool is given back or destroyed: another call may
  // take the pool at once, and the share must not be in use when it is cleaned up.
  auto leave_pool = [&] {
    curl_multi_remove_handle(multi, c);
    DOCVAL_CURL_SET(c, CURLOPT_SHARE, static_cast<CURLSH*>(nullptr));
  };
  CURLcode rc = CURLE_OK;
  bool aborted = false;
  for (;;) {
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi, &running);
    if (mc != CURLM_OK) {
      leave_pool();
      return absl::InternalError(absl::StrCat("HTTP client error: ", curl_multi_strerror(mc)));
    }
    if (running == 0) {
      int queued = 0;
      CURLMsg* msg = curl_multi_info_read(multi, &queued);
      rc = (msg != nullptr && msg->msg == CURLMSG_DONE) ? msg->data.result : CURLE_RECV_ERROR;
      break;
    }
    if (should_abort && should_abort()) {
      aborted = true;
      break;
    }
    mc = curl_multi_poll(multi, nullptr, 0, kAbortPollMs, nullptr);
    if (mc != CURLM_OK) {
      leave_pool();
      return absl::InternalError(absl::StrCat("HTTP client error: ", curl_multi_strerror(mc)));
    }
  }
  leave_pool();
  // Only a complete exchange leaves its connection to the next call; otherwise the pool goes, and
  // its connections are closed, with it.
  if (!aborted && rc == CURLE_OK) ReturnPool(std::move(pool));
  if (aborted) return absl::CancelledError("aborted");
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_OK) {
    t.response.status = static_cast<int>(status);
    return std::move(t.response);
  }
  if (status >= 200 && rc != CURLE_ABORTED_BY_CALLBACK) {
    // The final status line and headers arrived; the body did not (fully).
    t.response.status = static_cast<int>(status);
    t.response.body_complete = false;
    return std::move(t.response);
  }
  return MapCurlError(rc, errbuf);
}

}  // namespace docval::http
