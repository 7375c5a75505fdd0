// The store's I/O thread: one per store, polling every connection of its
// router. Callers on any thread hand requests over through a bounded queue;
// the thread routes them, writes each connection's batch in one send(),
// matches replies and runs completions (so store callbacks run here).
//
// Shutdown (destructor): closes the gate (execute() fails new requests at
// once with unavailable), wakes the thread, which completes everything still
// queued, in flight or waiting for a retry with errc::unavailable, then
// exits; the destructor joins it. The destructor must not run on the I/O
// thread itself (that is, from inside a store callback).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "redis/router.hpp"

namespace metronome::store::detail::redis {

class io_loop {
 public:
  /// `max_queued`: requests handed over but not yet taken by the thread;
  /// beyond it execute() fails with unavailable at once.
  io_loop(std::unique_ptr<router> r, std::size_t max_queued);
  ~io_loop();
  io_loop(const io_loop&) = delete;
  io_loop& operator=(const io_loop&) = delete;

  /// Any thread. Completes `r` exactly once, possibly before returning
  /// (shutting down, queue full). On the I/O thread itself (continuations of
  /// an operation) the queue bound does not apply: the operation was admitted.
  void execute(request_ptr r);

 private:
  void run();
  void wake() noexcept;

  std::unique_ptr<router> router_;
  std::size_t max_queued_;
  int wake_fd_ = -1;

  std::mutex mu_;
  std::vector<request_ptr> submitted_;  // guarded by mu_
  std::atomic<bool> stopping_{false};

  std::vector<request_ptr> local_;  // I/O thread only: submitted from callbacks
  std::thread thread_;
  std::atomic<std::thread::id> loop_id_{};
};

}  // namespace metronome::store::detail::redis
