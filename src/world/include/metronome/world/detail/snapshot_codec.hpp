// The snapshot codec over the world's state (format in ../snapshot.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "metronome/world/detail/world_state.hpp"

namespace metronome::world::detail {

std::string encode_state(const world_state& w);

/// Decodes `bytes`; `make(config, entities)` builds the state to fill once the
/// config is known to be valid and the input long enough for that many
/// entities. Throws std::invalid_argument ("snapshot: ...") on any defect.
void decode_state(std::string_view bytes, const std::function<world_state&(world_config, std::uint32_t)>& make);

}  // namespace metronome::world::detail
