// One TCP connection to one Redis node, driven by the store's I/O thread
// (io_loop). Not thread-safe: every member runs on that thread.
//
// Pipelining: enqueue() only appends the encoded request to the output
// buffer; the loop calls flush() once per wake-up, so every request queued
// since the last wake-up leaves in one write. Replies come back in order and
// are matched to in_flight_ front to back (RESP2 has no request ids).
//
// Bounds and time: a request waiting for a connection fails at its deadline
// (unavailable when the node is down, timeout while connecting); a sent
// request fails with timeout at its deadline and leaves a tombstone that
// swallows its late reply, so FIFO matching stays right. If nothing at all
// comes back for `stall_timeout` while requests are outstanding, the
// connection is presumed dead (a server that accepts and never answers) and
// is dropped; the next request reconnects.
//
// Reconnects are on demand, with backoff after failed connects (50 ms
// doubling to 500 ms): a request arriving during backoff waits for the next
// attempt if its deadline allows, else fails at once with unavailable.
#pragma once

#include <hiredis/read.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "redis/request.hpp"

namespace metronome::store::detail::redis {

/// Where finished requests go (the router, which may redirect or retry).
/// Implementations must not call back into any connection from on_complete:
/// connections call it while walking their own queues.
class completion_sink {
 public:
  virtual void on_complete(request_ptr r, completion&& c) = 0;

 protected:
  ~completion_sink() = default;
};

struct connection_settings {
  std::chrono::milliseconds connect_timeout{1000};  ///< Per TCP connect.
  std::chrono::milliseconds stall_timeout{2000};    ///< No reply at all for this long: drop the connection.
};

class connection {
 public:
  connection(std::string host, std::uint16_t port, connection_settings settings, completion_sink& sink);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Queues `r` (connecting first if needed). May complete it at once
  /// through the sink (node down and in backoff past its deadline).
  void enqueue(request_ptr r, steady::time_point now);

  /// Requests queued or in flight (tombstones included: they still hold a
  /// slot in the pipeline).
  std::size_t load() const noexcept { return waiting_.size() + in_flight_.size(); }
  /// True while anything needs the loop's periodic tick.
  bool busy() const noexcept { return load() > 0 || state_ == state::connecting; }

  int fd() const noexcept { return fd_; }
  /// Changes with every new socket, so a stale poll result is never applied to a new one.
  std::uint64_t generation() const noexcept { return generation_; }
  short events() const noexcept;
  void on_ready(short revents, steady::time_point now);
  void tick(steady::time_point now);
  void flush(steady::time_point now);

  /// Completes everything with `code` (shutdown) and closes.
  void fail_all(errc code, const std::string& why);

  const std::string& host() const noexcept { return host_; }
  std::uint16_t port() const noexcept { return port_; }

 private:
  enum class state { idle, connecting, connected, backoff };
  struct sent {
    request_ptr req;  ///< Null once completed early (timeout): a tombstone.
    std::uint32_t expected = 0;
    std::vector<reply_ptr> replies;
  };

  void start_connect(steady::time_point now);
  void on_connected(steady::time_point now);
  void connect_failed(steady::time_point now, const std::string& why);
  void drop(errc code, const std::string& why);
  void close_socket() noexcept;
  void write_request(request_ptr r, steady::time_point now);
  void read_available(steady::time_point now);
  bool take_replies(steady::time_point now);
  std::string where() const;

  std::string host_;
  std::uint16_t port_;
  connection_settings settings_;
  completion_sink& sink_;

  state state_ = state::idle;
  int fd_ = -1;
  std::uint64_t generation_ = 0;
  redisReader* reader_ = nullptr;
  unsigned failures_ = 0;              ///< Consecutive failed connects.
  steady::time_point next_attempt_{};  ///< In backoff: earliest reconnect.
  steady::time_point connect_deadline_{};
  steady::time_point last_progress_{};  ///< Last reply, or when the pipeline became non-empty.

  std::deque<request_ptr> waiting_;  ///< Not sent: waiting for a connection.
  std::deque<sent> in_flight_;       ///< Sent (or in out_), in wire order.
  std::string out_;
  std::size_t out_pos_ = 0;
  std::vector<char> in_buf_;
};

}  // namespace metronome::store::detail::redis
