// Runs each phase's shard tasks on their own threads: the runner side of the
// world (the core starts no threads). Thread i runs tasks i, i + n, i + 2n...;
// the calling thread is thread 0. run() returns when every task has finished,
// which is the barrier between two phases.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "metronome/world/executor.hpp"

namespace metronome::world::runner {

class thread_executor final : public executor {
 public:
  /// threads >= 1: the caller plus threads - 1 workers, started here and
  /// joined by the destructor.
  explicit thread_executor(std::uint32_t threads);
  ~thread_executor() override;
  thread_executor(const thread_executor&) = delete;
  thread_executor& operator=(const thread_executor&) = delete;

  void run(std::uint32_t count, task_fn task, void* context) override;
  std::uint32_t threads() const noexcept { return static_cast<std::uint32_t>(workers_.size()) + 1; }

 private:
  void work(std::uint32_t index);
  void run_share(std::uint32_t index) const;

  std::vector<std::thread> workers_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint32_t> pending_{0};
  std::atomic<bool> stop_{false};
  task_fn task_ = nullptr;
  void* context_ = nullptr;
  std::uint32_t count_ = 0;
};

}  // namespace metronome::world::runner
