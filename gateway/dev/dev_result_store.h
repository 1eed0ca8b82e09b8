// The built-in development Result Server's memory: the last results POSTed to it, newest first.
// Only for the embedded default (`docval serve` without a config) and demos: it keeps personal data
// in memory beyond the session, so it is off unless `dev_result_server: true`, bounded in count and
// size, and never written anywhere else.
#ifndef DOCVAL_GATEWAY_DEV_DEV_RESULT_STORE_H_
#define DOCVAL_GATEWAY_DEV_DEV_RESULT_STORE_H_

#include <deque>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace docval::gateway {

class DevResultStore {
 public:
  static constexpr size_t kMaxBodyBytes = 8 * 1024 * 1024;

  explicit DevResultStore(size_t capacity = 20) : capacity_(capacity) {}

  // Stores a POST body; it must be a JSON object. Errors: not JSON, too large.
  absl::Status Add(absl::string_view body);
  // {"results":[{"received_at":"...","body":{...}}, ...]}, newest first.
  std::string RenderJson() const;
  size_t size() const;

 private:
  struct Entry {
    std::string received_at;
    std::string body;
  };
  size_t capacity_;
  mutable std::mutex mu_;
  std::deque<Entry> entries_;
};

}  // namespace docval::gateway

#endif  // DOCVAL_GATEWAY_DEV_DEV_RESULT_STORE_H_
