// The decoder of server messages and the client view that applies frames
// (src/gateway/wire.hpp, client_view.hpp), as the bots and tests use them:
// the input is a sequence of messages, each prefixed by a one-byte length;
// any of them is decoded or refused, a decoded one round-trips, and frames
// are applied to one view, which may refuse them but never crashes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "metronome/gateway/client_view.hpp"
#include "metronome/gateway/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace wire = metronome::gateway::wire;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  metronome::gateway::client_view view;
  bool usable = true;
  while (!input.empty()) {
    const std::size_t n = std::min<std::size_t>(static_cast<std::uint8_t>(input[0]), input.size() - 1);
    const std::string_view one = input.substr(1, n);
    input.remove_prefix(1 + n);
    const auto d = wire::decode_server(one);
    FUZZ_CHECK(d.msg.has_value() != !d.error.empty(), "a message or a reason");
    if (!d.msg) continue;
    std::string again;
    wire::encode(*d.msg, again);
    const auto back = wire::decode_server(again);
    FUZZ_CHECK(back.msg && *back.msg == *d.msg, back.error);
    if (const auto* f = std::get_if<wire::frame_msg>(&*d.msg); f && usable) usable = !view.apply(*f).has_value();
  }
  return 0;
}
