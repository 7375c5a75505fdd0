#include "metronome/world/players/player_store.hpp"

namespace metronome::world::players {

player_writer::player_writer(std::shared_ptr<player_store> store, writer_options options)
    : store_(std::move(store)), options_(options), thread_([this] { run(); }) {}

player_writer::~player_writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool player_writer::submit(player_record record) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.capacity) return false;
    queue_.push_back(std::move(record));
    ++submitted_;
    health_.queued = queue_.size();
  }
  wake_.notify_one();
  return true;
}

bool player_writer::wait_written(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = submitted_;
  return done_.wait_for(lock, timeout, [&] { return health_.written + health_.rejected >= target; });
}

writer_health player_writer::health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

void player_writer::run() {
  std::vector<player_record> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping with nothing left
    // The batch stays at the head of the queue until written: a failure
    // retries the same records, and nothing is acknowledged before it lands.
    const std::size_t n = std::min(queue_.size(), options_.batch);
    batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    auto r = store_->put(batch);
    std::size_t written = r ? n : 0, rejected = 0;
    std::string refusal;
    if (!r && r.error().code == errc::invalid_argument) {
      // The store refuses what some record holds: retrying the batch would
      // fail forever. Write the records one at a time, in order; a refused
      // one is dropped (counted in rejected), and a failure of any other
      // kind stops here, the rest staying queued for the retry.
      r = {};
      for (const player_record& one : batch) {
        auto w = store_->put(std::span(&one, 1));
        if (!w && w.error().code != errc::invalid_argument) {
          r = std::move(w);
          break;
        }
        if (w) {
          ++written;
        } else {
          ++rejected;
          refusal = w.error().message;
        }
      }
    }
    lock.lock();
    if (written + rejected > 0) {
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(written + rejected));
      health_.written += written;
      health_.rejected += rejected;
      if (rejected > 0) health_.last_rejection = std::move(refusal);
      health_.queued = queue_.size();
      done_.notify_all();
    }
    if (r) {
      health_.outage = false;
      continue;
    }
    health_.outage = true;
    health_.last_error = r.error().message;
    ++health_.failed_attempts;
    if (stopping_) return;  // shutting down during an outage: the rest stays unacknowledged
    wake_.wait_for(lock, options_.retry, [&] { return stopping_; });
  }
}

}  // namespace metronome::world::players
