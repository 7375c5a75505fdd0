#include "metronome/world/runner/thread_executor.hpp"

namespace metronome::world::runner {
namespace {

/// Spin a little (yielding) before sleeping: phases are short and follow each
/// other closely, so a worker usually finds the next one without a futex
/// round trip; yielding keeps a spinner from starving the thread it waits for
/// when there are more threads than cores.
template <class T, class Pred>
void await(const std::atomic<T>& value, Pred done) {
  for (int spin = 0; spin < 256; ++spin) {
    if (done(value.load(std::memory_order_acquire))) return;
    if (spin >= 64) std::this_thread::yield();
  }
  for (T seen = value.load(std::memory_order_acquire); !done(seen); seen = value.load(std::memory_order_acquire)) {
    value.wait(seen, std::memory_order_acquire);
  }
}

}  // namespace

thread_executor::thread_executor(std::uint32_t threads) {
  for (std::uint32_t i = 1; i < threads; ++i) workers_.emplace_back([this, i] { work(i); });
}

thread_executor::~thread_executor() {
  stop_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void thread_executor::run_share(std::uint32_t index) const {
  for (std::uint32_t i = index; i < count_; i += threads()) task_(context_, i);
}

void thread_executor::run(std::uint32_t count, task_fn task, void* context) {
  if (workers_.empty() || count <= 1) {
    for (std::uint32_t i = 0; i < count; ++i) task(context, i);
    return;
  }
  task_ = task;
  context_ = context;
  count_ = count;
  pending_.store(static_cast<std::uint32_t>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  run_share(0);
  await(pending_, [](std::uint32_t left) { return left == 0; });
}

void thread_executor::work(std::uint32_t index) {
  std::uint64_t seen = 0;
  for (;;) {
    await(generation_, [seen](std::uint64_t g) { return g != seen; });
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    run_share(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

}  // namespace metronome::world::runner
