#include "sqlite/sqlite_pool.hpp"

#include <utility>

namespace metronome::store::detail {

sqlite_pool::lease::lease(lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {}

sqlite_pool::lease::~lease() {
  if (conn_) pool_->give_back(std::move(conn_));
}

sqlite_pool::sqlite_pool(settings s, std::unique_ptr<sqlite_connection> first) : settings_(std::move(s)) {
  // idle_ never holds more than max_connections, so give_back's push_back
  // never allocates and cannot throw.
  idle_.reserve(settings_.max_connections);
  if (first) {
    idle_.push_back(std::move(first));
    open_ = 1;
  }
}

result<sqlite_pool::lease> sqlite_pool::acquire(clock::time_point deadline) {
  {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return lease(*this, std::move(conn));
      }
      if (open_ < settings_.max_connections) {
        ++open_;  // Reserved; opened below without the lock.
        break;
      }
      if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= settings_.max_connections) {
        return make_error(errc::timeout,
                          "sqlite: all " + std::to_string(settings_.max_connections) + " connections stayed busy past the store timeout");
      }
    }
  }
  auto opened = sqlite_connection::open(settings_.path, settings_.full_sync, settings_.busy_timeout);
  if (opened) {
    auto prepared = (*opened)->prepare_statements();
    if (prepared) return lease(*this, std::move(*opened));
    opened = std::move(prepared).error();
  }
  {
    std::lock_guard lock(mutex_);
    --open_;
  }
  returned_.notify_one();
  return std::move(opened).error();
}

std::optional<sqlite_pool::lease> sqlite_pool::try_acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return lease(*this, std::move(conn));
    }
    if (open_ >= settings_.max_connections) return std::nullopt;
    ++open_;  // Reserved; opened below without the lock.
  }
  auto opened = sqlite_connection::open(settings_.path, settings_.full_sync, std::chrono::milliseconds{0});
  if (opened && (*opened)->prepare_statements().has_value()) return lease(*this, std::move(*opened));
  {
    std::lock_guard lock(mutex_);
    --open_;
  }
  returned_.notify_one();
  return std::nullopt;
}

void sqlite_pool::give_back(std::unique_ptr<sqlite_connection> conn) noexcept {
  std::unique_ptr<sqlite_connection> closing;
  {
    std::lock_guard lock(mutex_);
    if (conn->broken()) {
      closing = std::move(conn);
      --open_;
    } else {
      // Cannot throw: capacity reserved in the constructor.
      idle_.push_back(std::move(conn));
    }
  }
  returned_.notify_one();
  // A broken connection is closed here, outside the lock.
}

}  // namespace metronome::store::detail
