// A client's picture of the world, built only from the frames it receives,
// exactly as docs/protocol.md says a client applies them. Used by the bots
// (apps/metronome-load), the tests and the fuzzer; the TypeScript client does
// the same.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "metronome/gateway/history.hpp"
#include "metronome/gateway/wire.hpp"

namespace metronome::gateway {

class client_view {
 public:
  struct entity {
    std::uint8_t kind = 0;
    std::string key;
    position_history history;
  };

  /// Applies one tick frame. On an inconsistent frame (an update for an
  /// unknown id, a delta with no base position, a tick that does not grow,
  /// an enter of a known id, a leave of an unknown one) returns why and
  /// leaves the view unusable: the client should reconnect.
  std::optional<std::string> apply(const wire::frame_msg& f);

  std::uint64_t tick() const noexcept { return tick_; }
  const std::map<std::uint32_t, entity>& entities() const noexcept { return entities_; }
  /// The newest position of an entity in view.
  std::optional<qpos> position(std::uint32_t id) const;

  std::uint64_t emotes = 0;  ///< emote events received
  std::vector<wire::rejected_event> rejected;

 private:
  std::uint64_t tick_ = 0;
  std::map<std::uint32_t, entity> entities_;
};

}  // namespace metronome::gateway
