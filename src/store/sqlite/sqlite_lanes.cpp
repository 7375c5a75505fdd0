#include "sqlite/sqlite_lanes.hpp"

#include <algorithm>

namespace metronome::store::detail {
namespace {

// The lanes object the current thread runs for, if any.
thread_local const sqlite_lanes* current_lanes = nullptr;

}  // namespace

sqlite_lanes::sqlite_lanes(std::size_t lanes, std::size_t max_queued) : max_queued_(max_queued) {
  lanes = std::max<std::size_t>(1, lanes);
  lanes_.reserve(lanes);
  for (std::size_t i = 0; i < lanes; ++i) lanes_.push_back(std::make_unique<lane>());
  for (auto& l : lanes_) l->thread = std::thread([this, &l = *l] { run(l); });
}

sqlite_lanes::~sqlite_lanes() {
  for (auto& l : lanes_) {
    {
      std::lock_guard lock(l->mutex);
      l->stopping = true;
    }
    l->wake.notify_one();
  }
  for (auto& l : lanes_) l->thread.join();
}

sqlite_lanes::lane& sqlite_lanes::lane_for_caller() noexcept {
  return *lanes_[std::hash<std::thread::id>{}(std::this_thread::get_id()) % lanes_.size()];
}

bool sqlite_lanes::on_lane_thread() const noexcept { return current_lanes == this; }

std::string sqlite_lanes::submit(job& j) {
  lane& l = lane_for_caller();
  {
    std::lock_guard lock(l.mutex);
    if (l.stopping) return "the session store is shutting down";
    if (l.jobs.size() >= max_queued_ && !on_lane_thread()) {
      return "sqlite: the store's queue is full (" + std::to_string(max_queued_) + " operations waiting)";
    }
    l.jobs.push_back(std::move(j));
  }
  l.wake.notify_one();
  return {};
}

bool sqlite_lanes::caller_lane_idle() {
  lane& l = lane_for_caller();
  std::lock_guard lock(l.mutex);
  return !l.running && l.jobs.empty() && !l.stopping;
}

void sqlite_lanes::run(lane& l) {
  current_lanes = this;
  std::unique_lock lock(l.mutex);
  for (;;) {
    l.wake.wait(lock, [&] { return l.stopping || !l.jobs.empty(); });
    if (l.stopping) break;
    job j = std::move(l.jobs.front());
    l.jobs.pop_front();
    l.running = true;
    lock.unlock();
    try {
      j(nullptr);
    } catch (...) {
      // A throwing callback is the caller's bug; it must not end the lane
      // and strand every operation queued behind it.
    }
    j = nullptr;  // what the job holds (a reply, a record) goes now, not at the next wake
    lock.lock();
    l.running = false;
  }
  // Jobs queued behind the gate complete with the refusal; a callback that
  // submits again is refused inline (stopping is set).
  std::deque<job> left = std::move(l.jobs);
  l.jobs.clear();
  lock.unlock();
  const std::string why = "the session store is shutting down";
  for (auto& j : left) {
    try {
      j(&why);
    } catch (...) {
    }
  }
}

}  // namespace metronome::store::detail
