#include "metronome/core/periodic_task.hpp"

namespace metronome {

periodic_task::periodic_task(std::chrono::milliseconds interval, std::function<void()> fn)
    : thread_([this, interval, fn = std::move(fn)] {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
          lock.unlock();
          fn();
          lock.lock();
          wake_.wait_for(lock, interval, [this] { return stopping_; });
        }
      }) {}

periodic_task::~periodic_task() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

}  // namespace metronome
