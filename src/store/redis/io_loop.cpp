#include "redis/io_loop.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace metronome::store::detail::redis {
namespace {

// Deadlines are checked on this period while anything is outstanding.
constexpr int tick_ms = 10;

}  // namespace

io_loop::io_loop(std::unique_ptr<router> r, std::size_t max_queued) : router_(std::move(r)), max_queued_(max_queued) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("eventfd failed");
  thread_ = std::thread([this] { run(); });
}

io_loop::~io_loop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake();
  if (thread_.joinable()) thread_.join();
  ::close(wake_fd_);
}

void io_loop::wake() noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

void io_loop::execute(request_ptr r) {
  if (std::this_thread::get_id() == loop_id_.load(std::memory_order_relaxed)) {
    if (stopping_) {
      finish_with(std::move(r), errc::unavailable, "the session store is shutting down");
      return;
    }
    local_.push_back(std::move(r));
    return;
  }
  bool first = false;
  {
    std::unique_lock lock(mu_);
    if (stopping_) {
      lock.unlock();
      finish_with(std::move(r), errc::unavailable, "the session store is shutting down");
      return;
    }
    if (submitted_.size() >= max_queued_) {
      lock.unlock();
      finish_with(std::move(r), errc::unavailable, "redis request queue is full (" + std::to_string(max_queued_) + ")");
      return;
    }
    first = submitted_.empty();
    submitted_.push_back(std::move(r));
  }
  if (first) wake();
}

void io_loop::run() {
  loop_id_ = std::this_thread::get_id();
  std::vector<connection*> conns;
  std::vector<pollfd> fds;
  std::vector<std::uint64_t> generations;
  std::vector<request_ptr> batch;
  bool stop = false;
  while (!stop) {
    conns.clear();
    router_->collect(conns);
    fds.clear();
    generations.clear();
    fds.push_back(pollfd{wake_fd_, POLLIN, 0});
    for (connection* c : conns) {
      fds.push_back(pollfd{c->fd(), c->events(), 0});
      generations.push_back(c->generation());
    }
    const int timeout = !local_.empty() ? 0 : router_->busy() ? tick_ms : -1;
    const int n = ::poll(fds.data(), fds.size(), timeout);
    const auto now = steady::now();
    if (n > 0 && (fds[0].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto r = ::read(wake_fd_, &count, sizeof count);
    }
    {
      std::lock_guard lock(mu_);
      batch.swap(submitted_);
      stop = stopping_;
    }
    if (stop) break;
    for (auto& r : batch) router_->dispatch(std::move(r), now);
    batch.clear();
    if (n > 0) {
      for (std::size_t i = 0; i < conns.size(); ++i) {
        if (fds[i + 1].revents != 0 && generations[i] == conns[i]->generation()) conns[i]->on_ready(fds[i + 1].revents, now);
      }
    }
    router_->tick(now);
    // Continuations submitted by callbacks go out in this same batch.
    while (!local_.empty()) {
      auto more = std::move(local_);
      local_.clear();
      for (auto& r : more) router_->dispatch(std::move(r), now);
    }
    conns.clear();
    router_->collect(conns);
    for (connection* c : conns) c->flush(now);
  }
  const std::string why = "the session store is shutting down";
  for (auto& r : batch) finish_with(std::move(r), errc::unavailable, why);
  batch.clear();
  // Callbacks run below may submit more; execute() fails those inline now.
  for (auto& r : local_) finish_with(std::move(r), errc::unavailable, why);
  local_.clear();
  router_->shutdown(why);
}

}  // namespace metronome::store::detail::redis
