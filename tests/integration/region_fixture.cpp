#include "region_fixture.hpp"

#include <stdexcept>

namespace metronome::test {

region_process::region_process(std::string store, std::vector<std::string> env, std::string region)
    : store_(std::move(store)), region_(std::move(region)), env_(std::move(env)) {
  log_ = make_temp_dir("metronome-region-log-") + "/region.log";
  launch();
}

void region_process::launch() {
  // A port can be taken between free_port() and bind(): retry a few times.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (port_ == 0 || attempt > 0) port_ = free_port();
    std::vector<std::string> env = {"PORT=" + std::to_string(port_), "STORE=" + store_, "REGION=" + region_, "THREADS=2"};
    env.insert(env.end(), env_.begin(), env_.end());
    proc_ = child_process::spawn({METRONOME_BIN, "region"}, env, log_);
    if (wait_for_port(port_, std::chrono::seconds(10))) return;
    proc_.stop(std::chrono::milliseconds(500));
  }
  throw std::runtime_error("metronome region did not start; log: " + read_file(log_));
}

void region_process::restart() {
  const std::uint16_t port = port_;
  std::vector<std::string> env = {"PORT=" + std::to_string(port), "STORE=" + store_, "REGION=" + region_, "THREADS=2"};
  env.insert(env.end(), env_.begin(), env_.end());
  proc_ = child_process::spawn({METRONOME_BIN, "region"}, env, log_);
  if (!wait_for_port(port, std::chrono::seconds(10))) throw std::runtime_error("restart failed; log: " + read_file(log_));
}

command_result run_metronome(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  const std::string out = make_temp_dir("metronome-cmd-") + "/out.txt";
  std::vector<std::string> argv = {METRONOME_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p = child_process::spawn(argv, env, out);
  const int code = p.wait(std::chrono::seconds(20));
  return {code, read_file(out)};
}

}  // namespace metronome::test
