// Runs a function every `interval` on its own thread until destroyed (health
// probes, heartbeats, monitors). The first run is immediate. Destruction
// waits for a run in progress and never for a whole interval.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace metronome {

class periodic_task {
 public:
  periodic_task(std::chrono::milliseconds interval, std::function<void()> fn);
  ~periodic_task();
  periodic_task(const periodic_task&) = delete;
  periodic_task& operator=(const periodic_task&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace metronome
