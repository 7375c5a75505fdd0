// A TCP proxy on 127.0.0.1 that delays every byte by a fixed time in each
// direction, for tests that need a long round trip on loopback (kernel
// network emulation is not available on these machines). Round-trip time
// through it is about 2 * one_way plus loopback.
//
// Each accepted connection gets two pump threads (one per direction); a
// pump reads what has arrived, stamps it due at arrival + one_way, and
// writes it when due, preserving order. Bounded: at most max_connections
// at once (later ones are closed at once). The destructor stops and joins
// everything.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace metronome::test {

class delay_proxy {
 public:
  delay_proxy(std::uint16_t target_port, std::chrono::milliseconds one_way, std::size_t max_connections = 16);
  ~delay_proxy();
  delay_proxy(const delay_proxy&) = delete;
  delay_proxy& operator=(const delay_proxy&) = delete;

  /// Where to connect instead of the target.
  std::uint16_t port() const noexcept { return port_; }

 private:
  void accept_loop();
  void pump(int from, int to);

  std::uint16_t target_port_;
  std::chrono::milliseconds one_way_;
  std::size_t max_connections_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::thread> pumps_;
  std::thread acceptor_;
};

}  // namespace metronome::test
