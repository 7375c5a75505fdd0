// Process-level shutdown signals, without Asio: block SIGINT/SIGTERM in every
// thread (call before starting any), then wait for one in main().
#pragma once

namespace metronome::net {

/// Blocks SIGINT, SIGTERM and SIGPIPE for this thread and the threads it starts.
void block_termination_signals();

/// Waits for SIGINT or SIGTERM; returns its number.
int wait_for_termination_signal();

}  // namespace metronome::net
