// The tick broadcaster's client-message decoder (src/broadcast codec.hpp,
// docs/protocol.md "Client to server"): every frame a player can send, text
// or binary, on arbitrary bytes. The first byte picks the frame kind (odd:
// binary), the rest is the payload.
//
// Contract checked: nothing crashes or throws; a refusal has one of the
// documented codes and a message; an accepted join has ids of 1 to 128
// bytes without control characters, and an `after` of -1 or more when given.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "fuzz_check.hpp"
#include "metronome/broadcast/codec.hpp"

namespace {

using namespace metronome::broadcast;

bool plain_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool binary = (data[0] & 1) != 0;
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  const client_message m = decode_client(payload, binary);
  if (const auto* e = std::get_if<decode_error>(&m)) {
    FUZZ_CHECK(e->code == "bad_message" || e->code == "unknown_action" || e->code == "bad_field", e->code);
    FUZZ_CHECK(!e->message.empty(), e->code);
  } else if (const auto* j = std::get_if<join_message>(&m)) {
    FUZZ_CHECK(plain_id(j->session_id), "join sessionId");
    FUZZ_CHECK(plain_id(j->user_id), "join userId");
    FUZZ_CHECK(!j->after || *j->after >= -1, "join after");
  }
  return 0;
}
