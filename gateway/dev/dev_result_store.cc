#include "gateway/dev/dev_result_store.h"

#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace docval::gateway {

absl::Status DevResultStore::Add(absl::string_view body) {
  if (body.size() > kMaxBodyBytes) return absl::ResourceExhaustedError("body larger than 8 MiB");
  nlohmann::json j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return absl::InvalidArgumentError("body is not a JSON object");
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_front(Entry{absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()), std::string(body)});
  while (entries_.size() > capacity_) entries_.pop_back();
  return absl::OkStatus();
}

std::string DevResultStore::RenderJson() const {
  nlohmann::ordered_json out;
  out["results"] = nlohmann::ordered_json::array();
  std::lock_guard<std::mutex> lock(mu_);
  for (const Entry& e : entries_) {
    nlohmann::ordered_json item;
    item["received_at"] = e.received_at;
    item["body"] = nlohmann::ordered_json::parse(e.body);
    out["results"].push_back(std::move(item));
  }
  return out.dump(2);
}

size_t DevResultStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace docval::gateway
