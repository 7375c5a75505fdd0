// How the world runs its shards. The core starts no threads: each phase of a
// tick is a set of tasks (one per shard) handed to an executor, which runs
// them all and returns when every one has finished (the barrier). A serial
// executor runs them one after another on the caller's thread; the runner
// (metronome/world/runner/thread_executor.hpp) runs them on one thread each.
#pragma once

#include <cstdint>

namespace metronome::world {

class executor {
 public:
  using task_fn = void (*)(void* context, std::uint32_t task);
  virtual ~executor() = default;
  /// Runs task(context, i) for every i in [0, count), returns when all are done.
  /// Tasks of one call touch disjoint data (see world.cpp), so any interleaving is valid.
  virtual void run(std::uint32_t count, task_fn task, void* context) = 0;
};

class serial_executor final : public executor {
 public:
  void run(std::uint32_t count, task_fn task, void* context) override {
    for (std::uint32_t i = 0; i < count; ++i) task(context, i);
  }
};

}  // namespace metronome::world
