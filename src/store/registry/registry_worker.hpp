// One thread running registry operations in order, with a bounded queue.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace metronome::store::detail {

class registry_worker {
 public:
  static constexpr std::size_t max_queued = 1024;

  registry_worker();
  /// Runs what is queued, then joins.
  ~registry_worker();
  registry_worker(const registry_worker&) = delete;
  registry_worker& operator=(const registry_worker&) = delete;

  /// Queues `job`; false (and `job` not run) when the queue is full.
  bool post(std::function<void()> job);

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace metronome::store::detail
