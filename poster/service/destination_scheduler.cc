#include "poster/service/destination_scheduler.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/check.h"

namespace docval::poster {

std::string SchedulerOptionsError(const SchedulerOptions& options) {
  if (options.workers < 1) return absl::StrCat("workers must be at least 1, got ", options.workers);
  auto check = [&](const std::string& name, const DestinationLimits& l) -> std::string {
    if (l.concurrency < 1 || l.concurrency > options.workers) {
      return absl::StrCat(name, " concurrency must be from 1 to workers (", options.workers,
                          "), got ", l.concurrency);
    }
    if (l.max_queued > options.max_queued) {
      return absl::StrCat(name, " max_queued (", l.max_queued,
                          ") must not exceed the overall max_queued (", options.max_queued, ")");
    }
    return "";
  };
  std::string e = check("per-destination", options.per_destination);
  if (!e.empty()) return e;
  for (const auto& [name, limits] : options.destinations) {
    e = check(absl::StrCat("destination \"", name, "\""), limits);
    if (!e.empty()) return e;
  }
  return "";
}

DestinationScheduler::DestinationScheduler(SchedulerOptions options, Observer observer)
    : options_(std::move(options)), observer_(std::move(observer)) {
  const std::string error = SchedulerOptionsError(options_);
  DOCVAL_CHECK(error.empty());
  workers_.reserve(static_cast<size_t>(options_.workers));
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  timer_ = std::thread([this] { TimerLoop(); });
}

DestinationScheduler::~DestinationScheduler() { Shutdown(); }

const DestinationLimits& DestinationScheduler::LimitsFor(const std::string& destination) const {
  auto it = options_.destinations.find(destination);
  return it != options_.destinations.end() ? it->second : options_.per_destination;
}

DestinationScheduler::Destination& DestinationScheduler::DestinationLocked(const std::string& name) {
  std::unique_ptr<Destination>& slot = destinations_[name];
  if (slot == nullptr) {
    slot = std::make_unique<Destination>();
    slot->name = name;
    slot->limits = LimitsFor(name);
    order_.push_back(slot.get());
  }
  return *slot;
}

void DestinationScheduler::NotifyLocked(const Destination& d) {
  if (observer_) observer_(d.name, d.waiting.size(), d.running);
}

DestinationScheduler::Ticket DestinationScheduler::Submit(Task task) {
  DOCVAL_CHECK(task.run && task.drop);
  absl::MutexLock lock(&mu_);
  Ticket ticket;
  if (!accepting_) return ticket;  // kStopped
  Destination& d = DestinationLocked(task.destination);
  // Room for `concurrency` running plus `max_queued` waiting, per destination and overall.
  if (d.waiting.size() + static_cast<size_t>(d.running) >=
      static_cast<size_t>(d.limits.concurrency) + d.limits.max_queued) {
    ticket.admission = Admission::kDestinationFull;
    return ticket;
  }
  if (waiting_total_ + static_cast<size_t>(running_total_) >=
      static_cast<size_t>(options_.workers) + options_.max_queued) {
    ticket.admission = Admission::kQueueFull;
    return ticket;
  }
  ticket.admission = Admission::kQueued;
  ticket.id = next_id_++;
  d.waiting.push_back(Entry{ticket.id, std::move(task)});
  ++waiting_total_;
  ++timer_generation_;
  NotifyLocked(d);
  return ticket;
}

bool DestinationScheduler::Cancel(uint64_t id) {
  std::function<void(Drop)> drop;
  {
    absl::MutexLock lock(&mu_);
    for (Destination* d : order_) {
      for (auto it = d->waiting.begin(); it != d->waiting.end(); ++it) {
        if (it->id != id) continue;
        drop = std::move(it->task.drop);
        d->waiting.erase(it);
        --waiting_total_;
        NotifyLocked(*d);
        break;
      }
      if (drop) break;
    }
  }
  if (!drop) return false;
  drop(Drop::kCancelled);
  return true;
}

void DestinationScheduler::StopAccepting() {
  absl::MutexLock lock(&mu_);
  accepting_ = false;
}

bool DestinationScheduler::WaitIdle(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return waiting_total_ == 0 && running_total_ == 0;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&idle), deadline);
}

void DestinationScheduler::Shutdown() {
  absl::MutexLock join(&join_mu_);
  std::vector<Entry> dropped;
  {
    absl::MutexLock lock(&mu_);
    accepting_ = false;
    stopping_ = true;
    for (Destination* d : order_) {
      for (Entry& e : d->waiting) dropped.push_back(std::move(e));
      d->waiting.clear();
      NotifyLocked(*d);
    }
    waiting_total_ = 0;
  }
  for (Entry& e : dropped) e.task.drop(Drop::kShutdown);
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  if (timer_.joinable()) timer_.join();
}

size_t DestinationScheduler::waiting(const std::string& destination) const {
  absl::MutexLock lock(&mu_);
  auto it = destinations_.find(destination);
  return it == destinations_.end() ? 0 : it->second->waiting.size();
}

int DestinationScheduler::running(const std::string& destination) const {
  absl::MutexLock lock(&mu_);
  auto it = destinations_.find(destination);
  return it == destinations_.end() ? 0 : it->second->running;
}

DestinationScheduler::Destination* DestinationScheduler::NextRunnableLocked() {
  // Starts after the destination served last, so destinations added since then count too.
  const size_t n = order_.size();
  for (size_t i = 1; i <= n; ++i) {
    const size_t index = (last_served_ + i) % n;
    Destination* d = order_[index];
    if (!d->waiting.empty() && d->running < d->limits.concurrency) {
      last_served_ = index;
      return d;
    }
  }
  return nullptr;
}

void DestinationScheduler::WorkerLoop() {
  for (;;) {
    Destination* d = nullptr;
    Entry entry{0, {}};
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        if (stopping_) return true;
        for (const Destination* x : order_) {
          if (!x->waiting.empty() && x->running < x->limits.concurrency) return true;
        }
        return false;
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;  // Shutdown() dropped every waiting task
      d = NextRunnableLocked();
      DOCVAL_CHECK(d != nullptr);
      entry = std::move(d->waiting.front());
      d->waiting.pop_front();
      --waiting_total_;
      ++d->running;
      ++running_total_;
      NotifyLocked(*d);
    }
    entry.task.run();
    entry.task = Task{};  // the closures die outside the lock
    absl::MutexLock lock(&mu_);
    --d->running;
    --running_total_;
    NotifyLocked(*d);
  }
}

void DestinationScheduler::TimerLoop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    absl::Time earliest = absl::InfiniteFuture();
    for (const Destination* d : order_) {
      for (const Entry& e : d->waiting) earliest = std::min(earliest, e.task.expires);
    }
    const uint64_t generation = timer_generation_;
    auto changed = [this, generation]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return stopping_ || timer_generation_ != generation;
    };
    mu_.AwaitWithDeadline(absl::Condition(&changed), earliest);
    if (stopping_) return;
    const absl::Time now = absl::Now();
    std::vector<Entry> expired;
    for (Destination* d : order_) {
      bool changed_here = false;
      for (auto it = d->waiting.begin(); it != d->waiting.end();) {
        if (it->task.expires <= now) {
          expired.push_back(std::move(*it));
          it = d->waiting.erase(it);
          --waiting_total_;
          changed_here = true;
        } else {
          ++it;
        }
      }
      if (changed_here) NotifyLocked(*d);
    }
    if (expired.empty()) continue;
    mu_.Unlock();
    for (Entry& e : expired) e.task.drop(Drop::kExpired);
    expired.clear();
    mu_.Lock();
  }
}

}  // namespace docval::poster
