// Real processes for tests: every process a test starts is ended by PID when
// its handle goes away, so a failing test leaves nothing behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace metronome::test {

class child_process {
 public:
  /// Starts argv[0] (searched in PATH) with the current environment plus
  /// `env` ("NAME=value" each). stdout and stderr go to `log_path` (or are
  /// discarded when empty). Throws std::runtime_error if it cannot start.
  static child_process spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                             const std::string& log_path = "");

  child_process() = default;
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();  ///< SIGKILL and reap if still running.

  pid_t pid() const noexcept { return pid_; }
  bool running();
  void signal(int sig);
  /// Waits for exit; returns the exit code (128 + signal when killed), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  /// SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit code.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

/// A TCP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_port();

/// True once something accepts TCP connections on 127.0.0.1:port.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

/// A fresh directory under $TMPDIR (or /tmp), removed by the caller if wanted.
std::string make_temp_dir(const std::string& prefix);

/// The contents of a file ("" if missing).
std::string read_file(const std::string& path);

}  // namespace metronome::test
