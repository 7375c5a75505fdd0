// The SQLite store's threads. A SQLite call can wait: for a write lock held
// by another connection or process (up to the store timeout), for an fsync
// at a WAL checkpoint. So operations run here, never on a caller's I/O
// thread, where one wait would stall every socket and timer of that thread.
//
// - A lane is one thread with a FIFO queue. A calling thread always lands on
//   the same lane (chosen from its thread id), so the operations one thread
//   submits run, and complete, in the order it submitted them.
// - Bounded: at most max_queued jobs wait per lane; beyond that submit()
//   refuses at once. A job submitted from a lane thread (a store callback
//   calling the store again) is always admitted: it was already admitted once.
// - Shutdown (destructor): closes the gate, lets every lane finish the job it
//   is running, then runs each job still queued with its refusal reason (so
//   it completes its callback with an error), and joins. Must not run on a
//   lane thread (from inside a store callback).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace metronome::store::detail {

class sqlite_lanes {
 public:
  /// Called once: with nullptr to do its work, or with the reason it will
  /// not run (shutting down) so that it can fail its callback.
  using job = std::function<void(const std::string* refused)>;

  sqlite_lanes(std::size_t lanes, std::size_t max_queued);
  ~sqlite_lanes();
  sqlite_lanes(const sqlite_lanes&) = delete;
  sqlite_lanes& operator=(const sqlite_lanes&) = delete;

  /// Queues `j` on the caller's lane. On refusal returns the reason and
  /// leaves `j` untouched (the caller completes it); else an empty string.
  std::string submit(job& j);

  /// True when the caller's lane has nothing queued or running: an operation
  /// the caller runs itself now cannot overtake one it submitted earlier.
  bool caller_lane_idle();

  /// Whether the calling thread is one of these lanes.
  bool on_lane_thread() const noexcept;

 private:
  struct lane {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<job> jobs;  ///< Guarded by mutex.
    bool running = false;  ///< Guarded by mutex: a job (and its callback) is executing.
    bool stopping = false; ///< Guarded by mutex.
    std::thread thread;
  };

  lane& lane_for_caller() noexcept;
  void run(lane& l);

  const std::size_t max_queued_;
  std::vector<std::unique_ptr<lane>> lanes_;
};

}  // namespace metronome::store::detail
