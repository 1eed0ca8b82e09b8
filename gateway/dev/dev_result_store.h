// The built-in development Result Server's memory: the last results POSTed to it, newest first, and
// the `/dev/results` answers made from them. Only for the embedded default (`docval serve` without a
// config) and demos: it keeps personal data in memory beyond the session, so it is off unless
// `dev_result_server: true`, bounded in count and size, and never written anywhere else.
//
// `/dev/results` answers by content negotiation (docs/dev-results.md): a browser (Accept prefers
// text/html) gets the results page (results_page.h), programs get JSON as before, and
// `/dev/results?summary` is the small JSON the page polls to refresh itself. Images are transcoded
// once, when a result arrives (image_transcode.h: bounded in input size, pixels and structure), on
// the store's own thread (AddAsync): an image may take hundreds of milliseconds, which must not hold
// a gateway I/O thread and with it every session on that thread.
#ifndef DOCVAL_GATEWAY_DEV_DEV_RESULT_STORE_H_
#define DOCVAL_GATEWAY_DEV_DEV_RESULT_STORE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/worker_pool.h"
#include "gateway/dev/image_transcode.h"
#include "gateway/dev/results_page.h"

namespace docval::gateway {

class DevResultStore {
 public:
  static constexpr size_t kMaxBodyBytes = 8 * 1024 * 1024;
  // Session starts remembered for the timings, and for how long.
  static constexpr size_t kMaxPendingStarts = 64;
  static constexpr absl::Duration kMaxSessionAge = absl::Minutes(10);

  // POST bodies that may wait for the store's thread; beyond, AddAsync refuses at once.
  static constexpr size_t kMaxQueuedPosts = 8;

  explicit DevResultStore(size_t capacity = 20, TranscodeLimits limits = {}, size_t max_queued_posts = kMaxQueuedPosts)
      : capacity_(capacity), limits_(limits), worker_(1, max_queued_posts) {}

  // Stores a POST body; it must be a JSON object. Errors: not JSON, too large. Runs on the calling
  // thread, images included.
  absl::Status Add(absl::string_view body);
  // Add() on the store's own thread: `done` is called exactly once, with Add()'s status from that
  // thread, or at once with kUnavailable when `max_queued_posts` bodies already wait or after
  // Shutdown().
  void AddAsync(std::string body, std::function<void(absl::Status)> done);
  // Refuses further AddAsync, stores the bodies already queued (calling their `done`) and stops the
  // store's thread. The gateway calls it before its I/O threads stop, so that the answers can still
  // be written.
  void Shutdown() { worker_.Shutdown(); }
  // A session with this validation id sent its start message now: the result that arrives for it
  // (its client_validation_id) shows how long the session took.
  void SessionStarted(absl::string_view validation_id);

  // The answer to GET /dev/results: `target` is the request target (path and query), `accept` the
  // Accept header ("" when absent), `sessions_running` the gateway's sessions in progress.
  struct Response {
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
  };
  Response Render(absl::string_view target, absl::string_view accept, int sessions_running) const;

  // {"results":[{"received_at":"...","body":{...}}, ...]}, newest first.
  std::string RenderJson() const;
  size_t size() const;

 private:
  std::vector<std::shared_ptr<const ResultCard>> Snapshot(uint64_t* generation) const;

  const size_t capacity_;
  const TranscodeLimits limits_;
  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<const ResultCard>> entries_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<std::string, absl::Time>> starts_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  // Declared last, destroyed first: its thread is joined before the members it uses go.
  WorkerPool worker_;
};

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_DEV_DEV_RESULT_STORE_H_
