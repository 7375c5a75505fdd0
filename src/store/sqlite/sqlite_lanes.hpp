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

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
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

  /// True when nothing the calling thread submitted is still queued or
  /// running: an operation it runs itself now cannot overtake one of its
  /// own (other threads' work on the same lane does not count).
  bool caller_idle();

  /// Whether the calling thread is one of these lanes.
  bool on_lane_thread() const noexcept;

  /// From inside a running job: its work is done (committed), so later
  /// inline operations of its submitter can no longer overtake it. Call it
  /// before the job's callback; a job that does not is released after it.
  void job_done() noexcept;

 private:
  using counter = std::shared_ptr<std::atomic<int>>;
  struct queued {
    job work;
    counter pending;  ///< The submitting thread's count, released when the job has run.
  };
  struct lane {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<queued> jobs;  ///< Guarded by mutex.
    bool stopping = false;    ///< Guarded by mutex.
    std::thread thread;
  };

  lane& lane_for_caller() noexcept;
  /// The calling thread's count of jobs submitted here and not yet run.
  const counter& caller_pending();
  void run(lane& l);

  const std::uint64_t id_;  ///< Never reused (unlike an address): keys the per-thread counts.
  const std::size_t max_queued_;
  std::vector<std::unique_ptr<lane>> lanes_;
};

}  // namespace metronome::store::detail
