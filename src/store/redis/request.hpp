// A request: one or more commands that travel together on one connection,
// back to back, so that WAIT follows the write it guards and ASKING precedes
// the command it unlocks. Encoded once (RESP2 arrays of bulk strings) when
// built; retries and redirections resend the same bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/error.hpp"
#include "redis/reply.hpp"

namespace metronome::store::detail::redis {

using steady = std::chrono::steady_clock;

/// How a request ended: one reply per command, or a failure of the whole.
struct completion {
  std::vector<reply_ptr> replies;
  std::optional<error> failure;
  /// Set with `failure` when the bytes may have reached the server (sent,
  /// then the connection broke or the reply came too late): the outcome of a
  /// write is unknown and it must not be resent blindly.
  bool maybe_executed = false;

  bool ok() const noexcept { return !failure.has_value(); }
};

struct request {
  std::string payload;  ///< RESP of `commands` commands, back to back.
  std::uint32_t commands = 0;
  int slot = -1;                ///< Cluster hash slot of the keys; -1 when any node will do.
  bool idempotent = false;      ///< Safe to resend after an ambiguous failure (reads).
  steady::time_point deadline;  ///< Of the whole operation; the request fails after it.
  std::function<void(completion&&)> done;

  // Owned by the router and the connection.
  std::uint16_t attempts = 0;  ///< Sends so far (redirections and retries count).
  bool asking = false;         ///< Prefix ASKING on the next send (cluster -ASK).
  std::string ask_node;        ///< "host:port" the -ASK named.
  bool pinned = false;         ///< Router-internal request sent to one node on purpose: no redirection.
};
using request_ptr = std::unique_ptr<request>;

/// Appends one command to `out` in RESP: *argc, then $len/bytes per argument.
void append_command(std::string& out, std::initializer_list<std::string_view> args);
void append_command(std::string& out, const std::vector<std::string_view>& args);

/// Decimal text of an integer (no allocation beyond the small string).
std::string decimal(std::int64_t v);

/// Completes `r` exactly once; an exception thrown by the callback is caught
/// so that it cannot unwind through the I/O thread.
void finish(request_ptr r, completion&& c) noexcept;
void finish_with(request_ptr r, errc code, std::string message, bool maybe_executed = false) noexcept;

}  // namespace metronome::store::detail::redis
