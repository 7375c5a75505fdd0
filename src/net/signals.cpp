#include "metronome/net/signals.hpp"

#include <pthread.h>
#include <csignal>

namespace metronome::net {
namespace {

sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_termination_signals() {
  sigset_t set = termination_set();
  sigaddset(&set, SIGPIPE);  // writes to closed sockets report EPIPE instead
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_termination_signal() {
  const sigset_t set = termination_set();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {}
  return sig;
}

}  // namespace metronome::net
