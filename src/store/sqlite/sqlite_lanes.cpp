#include "sqlite/sqlite_lanes.hpp"

#include <algorithm>

namespace metronome::store::detail {
namespace {

// The lanes object the current thread runs for, if any.
thread_local const sqlite_lanes* current_lanes = nullptr;

std::atomic<std::uint64_t> next_id{1};

// The submitter's count of the job this lane thread is running, until
// job_done() (or the job's end) releases it.
thread_local std::atomic<int>* running_pending = nullptr;

}  // namespace

sqlite_lanes::sqlite_lanes(std::size_t lanes, std::size_t max_queued) : id_(next_id.fetch_add(1)), max_queued_(max_queued) {
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

const sqlite_lanes::counter& sqlite_lanes::caller_pending() {
  // Per thread and store; bounded, so threads that touch many stores in
  // turn (tests) cannot grow it forever. A dropped entry only loses the
  // inline fast path until that thread's queued work has run.
  thread_local std::vector<std::pair<std::uint64_t, counter>> counts;
  for (auto& [id, c] : counts) {
    if (id == id_) return c;
  }
  if (counts.size() >= 16) counts.erase(counts.begin());
  counts.emplace_back(id_, std::make_shared<std::atomic<int>>(0));
  return counts.back().second;
}

std::string sqlite_lanes::submit(job& j) {
  lane& l = lane_for_caller();
  const counter& pending = caller_pending();
  {
    std::lock_guard lock(l.mutex);
    if (l.stopping) return "the session store is shutting down";
    if (l.jobs.size() >= max_queued_ && !on_lane_thread()) {
      return "sqlite: the store's queue is full (" + std::to_string(max_queued_) + " operations waiting)";
    }
    pending->fetch_add(1, std::memory_order_relaxed);
    l.jobs.push_back(queued{std::move(j), pending});
  }
  l.wake.notify_one();
  return {};
}

void sqlite_lanes::job_done() noexcept {
  if (running_pending == nullptr) return;
  running_pending->fetch_sub(1, std::memory_order_release);
  running_pending = nullptr;
}

bool sqlite_lanes::caller_idle() { return caller_pending()->load(std::memory_order_acquire) == 0; }

void sqlite_lanes::run(lane& l) {
  current_lanes = this;
  std::unique_lock lock(l.mutex);
  for (;;) {
    l.wake.wait(lock, [&] { return l.stopping || !l.jobs.empty(); });
    if (l.stopping) break;
    queued q = std::move(l.jobs.front());
    l.jobs.pop_front();
    lock.unlock();
    running_pending = q.pending.get();
    try {
      q.work(nullptr);
    } catch (...) {
      // A throwing callback is the caller's bug; it must not end the lane
      // and strand every operation queued behind it.
    }
    job_done();
    q.work = nullptr;  // what the job holds (a reply, a record) goes now, not at the next wake
    lock.lock();
  }
  // Jobs queued behind the gate complete with the refusal; a callback that
  // submits again is refused inline (stopping is set).
  std::deque<queued> left = std::move(l.jobs);
  l.jobs.clear();
  lock.unlock();
  const std::string why = "the session store is shutting down";
  for (auto& q : left) {
    try {
      q.work(&why);
    } catch (...) {}
    q.pending->fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace metronome::store::detail
