// A `metronome region` process for tests: started on a free port with the
// given environment, its log captured, stopped by PID.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "process.hpp"

namespace metronome::test {

class region_process {
 public:
  /// Starts a region with STORE=store and extra "NAME=value" settings; waits
  /// until it accepts connections. Throws if it does not start.
  region_process(std::string store, std::vector<std::string> env = {}, std::string region = "eu");
  region_process(region_process&&) = default;

  std::uint16_t port() const noexcept { return port_; }
  const std::string& log_path() const noexcept { return log_; }
  child_process& process() noexcept { return proc_; }

  http_result call(const std::string& method, const std::string& target, const std::string& body = "",
                   const header_list& headers = {}) const {
    return http_call(port_, method, target, body, headers);
  }

  /// Starts it again on the same port and store after it stopped.
  void restart();

 private:
  void launch();

  std::string store_, region_, log_;
  std::vector<std::string> env_;
  std::uint16_t port_ = 0;
  child_process proc_;
};

inline boost::json::object json_of(const http_result& r) { return boost::json::parse(r.body).as_object(); }

/// Runs `metronome` with args and env; returns its exit code and output.
struct command_result {
  int exit_code;
  std::string output;
};
command_result run_metronome(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

}  // namespace metronome::test
