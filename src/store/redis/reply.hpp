// Replies as hiredis' reader builds them, owned, plus the few readers the
// store needs. Nothing here trusts the server: every accessor checks the type
// and the caller turns a mismatch into errc::internal.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/error.hpp"

struct redisReply;  // hiredis; defined in <hiredis/hiredis.h>

namespace metronome::store::detail::redis {

struct reply_deleter {
  void operator()(redisReply* r) const noexcept;
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

/// A read-only view of one reply node (the root or an array element).
class reply_view {
 public:
  explicit reply_view(const redisReply* r) noexcept : r_(r) {}

  bool is_error() const noexcept;
  bool is_nil() const noexcept;
  bool is_array() const noexcept;
  bool is_integer() const noexcept;
  bool is_text() const noexcept;  ///< Bulk string or status.

  /// The text of a bulk string, status or error; nullopt for other types.
  std::optional<std::string_view> text() const noexcept;
  std::optional<std::int64_t> integer() const noexcept;
  std::size_t size() const noexcept;            ///< Elements of an array, 0 otherwise.
  reply_view at(std::size_t i) const noexcept;  ///< Precondition: i < size().

  /// A short description for error messages ("error 'NOSCRIPT ...'", "integer 3").
  std::string describe() const;

 private:
  const redisReply* r_;
};

/// Cluster redirections and transient refusals, parsed from an error reply.
struct redirect {
  enum class kind { none, moved, ask, retry_later };
  kind what = kind::none;
  int slot = -1;
  std::string_view host;  ///< Into the reply's text; valid while the reply lives.
  std::uint16_t port = 0;
};

/// MOVED/ASK with their target; TRYAGAIN, CLUSTERDOWN, LOADING, READONLY,
/// MASTERDOWN as retry_later (the command was not executed).
redirect classify_error(std::string_view error_text) noexcept;

/// What an error reply means to a caller of the store: the server cannot
/// serve now (loading, busy, out of memory, a cluster in transition, or a
/// redirection that reached the standalone store) is errc::unavailable;
/// anything else (a script bug, a wrong type) is errc::internal.
errc error_reply_code(std::string_view error_text) noexcept;

}  // namespace metronome::store::detail::redis
