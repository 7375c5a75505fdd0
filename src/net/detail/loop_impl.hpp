// net::loop and net::timer on an io_context (one worker's thread).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_timer.hpp>

#include "metronome/net/websocket.hpp"

namespace metronome::net::detail {

class timer_impl final : public timer {
 public:
  explicit timer_impl(boost::asio::io_context& io) : timer_(io), alive_(std::make_shared<bool>(true)) {}
  ~timer_impl() override {
    *alive_ = false;
    timer_.cancel();
  }

  void expire_at_ms(std::int64_t epoch_ms, std::function<void()> fn) override {
    // A generation counter makes re-arming drop the previous wait's function
    // even if its completion was already queued.
    const std::uint64_t gen = ++generation_;
    timer_.expires_at(std::chrono::system_clock::time_point(std::chrono::milliseconds(epoch_ms)));
    timer_.async_wait([this, gen, alive = alive_, fn = std::move(fn)](const boost::system::error_code& ec) {
      if (ec || !*alive || gen != generation_) return;
      fn();
    });
  }

  void cancel() override {
    ++generation_;
    timer_.cancel();
  }

 private:
  boost::asio::system_timer timer_;
  std::shared_ptr<bool> alive_;
  std::uint64_t generation_ = 0;
};

class loop_impl final : public loop {
 public:
  explicit loop_impl(boost::asio::io_context& io) : io_(io) {}
  void post(std::function<void()> fn) override { boost::asio::post(io_, std::move(fn)); }
  bool in_loop_thread() const noexcept override { return std::this_thread::get_id() == thread_id_.load(std::memory_order_acquire); }
  std::unique_ptr<timer> make_timer() override { return std::make_unique<timer_impl>(io_); }
  void set_thread(std::thread::id id) noexcept { thread_id_.store(id, std::memory_order_release); }

 private:
  boost::asio::io_context& io_;
  std::atomic<std::thread::id> thread_id_{};  ///< Set by the worker's thread, read by any (in_loop_thread).
};

}  // namespace metronome::net::detail
