#include "gateway/dev/dev_result_store.h"

#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace docval::gateway {
namespace {

// Whether the query of `target` has the parameter `name` (with or without a value).
bool HasQueryParameter(absl::string_view target, absl::string_view name) {
  const size_t q = target.find('?');
  if (q == absl::string_view::npos) return false;
  for (absl::string_view param : absl::StrSplit(target.substr(q + 1), '&')) {
    if (param.substr(0, param.find('=')) == name) return true;
  }
  return false;
}

}  // namespace

absl::Status DevResultStore::Add(absl::string_view body) {
  if (body.size() > kMaxBodyBytes) return absl::ResourceExhaustedError("body larger than 8 MiB");
  nlohmann::json j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return absl::InvalidArgumentError("body is not a JSON object");
  const absl::Time now = absl::Now();
  // The images are decoded here, once, outside the lock.
  auto card = std::make_shared<ResultCard>(
      PrepareCard(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now, absl::UTCTimeZone()), std::string(body), limits_));
  std::string validation_id;
  if (auto it = j.find("client_validation_id"); it != j.end() && it->is_string())
    validation_id = it->get<std::string>();
  absl::MutexLock lock(&mu_);
  for (auto it = starts_.begin(); it != starts_.end(); ++it) {
    if (it->first == validation_id) {
      card->session_duration = now - it->second;
      starts_.erase(it);
      break;
    }
  }
  entries_.push_front(std::move(card));
  while (entries_.size() > capacity_) entries_.pop_back();
  ++generation_;
  return absl::OkStatus();
}

void DevResultStore::AddAsync(std::string body, std::function<void(absl::Status)> done) {
  auto shared_done = std::make_shared<std::function<void(absl::Status)>>(std::move(done));
  if (worker_.TrySubmit([this, body = std::move(body), shared_done] { (*shared_done)(Add(body)); })) return;
  (*shared_done)(absl::UnavailableError("not storing results now: busy or shutting down"));
}

void DevResultStore::SessionStarted(absl::string_view validation_id) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  while (!starts_.empty() && (starts_.size() >= kMaxPendingStarts || now - starts_.front().second > kMaxSessionAge)) {
    starts_.pop_front();
  }
  starts_.emplace_back(std::string(validation_id), now);
}

std::vector<std::shared_ptr<const ResultCard>> DevResultStore::Snapshot(uint64_t* generation) const {
  absl::MutexLock lock(&mu_);
  *generation = generation_;
  return std::vector<std::shared_ptr<const ResultCard>>(entries_.begin(), entries_.end());
}

DevResultStore::Response DevResultStore::Render(absl::string_view target, absl::string_view accept,
                                                int sessions_running) const {
  Response r;
  // Personal data: never cached; the answer depends on Accept.
  r.headers = {{"Cache-Control", "no-store"}, {"Vary", "Accept"}, {"X-Content-Type-Options", "nosniff"}};
  uint64_t generation = 0;
  std::vector<std::shared_ptr<const ResultCard>> cards = Snapshot(&generation);
  if (HasQueryParameter(target, "summary")) {
    r.content_type = "application/json";
    r.body =
        nlohmann::ordered_json{
            {"generation", generation}, {"results", cards.size()}, {"sessions_running", sessions_running}}
            .dump();
    return r;
  }
  if (!PrefersHtml(accept)) {
    r.content_type = "application/json";
    r.body = RenderJson();
    return r;
  }
  std::vector<const ResultCard*> view;
  for (const auto& c : cards) view.push_back(c.get());
  r.content_type = "text/html; charset=utf-8";
  r.body = RenderResultsHtml(view, PageState{sessions_running, generation});
  r.headers.emplace_back("Content-Security-Policy", ResultsPageCsp());
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

std::string DevResultStore::RenderJson() const {
  uint64_t generation = 0;
  std::vector<std::shared_ptr<const ResultCard>> cards = Snapshot(&generation);
  nlohmann::ordered_json out;
  out["results"] = nlohmann::ordered_json::array();
  for (const auto& c : cards) {
    nlohmann::ordered_json item;
    item["received_at"] = c->received_at;
    item["body"] = nlohmann::ordered_json::parse(c->body);
    out["results"].push_back(std::move(item));
  }
  return out.dump(2);
}

size_t DevResultStore::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace docval::gateway
