// The events' small parsers (issue 14, docs/events.md): the Redis outbox
// entry's stored form (store/redis/redis_outbox.hpp), which comes back from
// the store, and the NATS URL check of --nats (events::check_nats_url).
//
// Input: NUL-separated fields (fuzz_check.hpp); the whole input is also used
// as one string. Checked: decoding never crashes; a decoded entry encodes
// and decodes to itself; any entry built from the fields (a subject without
// spaces) survives encode-then-decode; check_nats_url agrees with a plain
// reference written here.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "metronome/events/publisher.hpp"
#include "redis/redis_outbox.hpp"

namespace {

namespace redis = metronome::store::detail::redis;
using metronome::store::outbox_entry;

bool same(const outbox_entry& a, const outbox_entry& b) {
  return a.id == b.id && a.subject == b.subject && a.payload_json == b.payload_json && a.at_ms == b.at_ms;
}

/// nats://HOST:PORT with a non-empty HOST and 1 to 5 digits of PORT after
/// the last ':'.
bool plain_nats_url(std::string_view url) {
  if (url.substr(0, 7) != "nats://") return false;
  const std::string_view rest = url.substr(7);
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view port = rest.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  for (const char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // What the store hands back, as is.
  if (auto e = redis::decode_outbox_entry("id", input)) {
    auto again = redis::decode_outbox_entry("id", redis::encode_outbox_entry(*e));
    FUZZ_CHECK(again && same(*again, *e), "a decoded entry encodes and decodes to itself");
  }

  // An entry made of the fields: at_ms from the first 8 bytes, then a
  // subject (its spaces removed: subjects hold none), a payload, an id.
  const auto fields = metronome::fuzz::split_fields(input);
  outbox_entry made;
  if (fields[0].size() >= 8) std::memcpy(&made.at_ms, fields[0].data(), 8);
  if (fields.size() > 1) {
    for (const char c : fields[1]) {
      if (c != ' ') made.subject.push_back(c);
    }
  }
  if (fields.size() > 2) made.payload_json = std::string(fields[2]);
  made.id = fields.size() > 3 ? std::string(fields[3]) : "e";
  auto back = redis::decode_outbox_entry(made.id, redis::encode_outbox_entry(made));
  FUZZ_CHECK(back && same(*back, made), "an entry survives encode-then-decode");

  const std::string url(input);
  FUZZ_CHECK(static_cast<bool>(metronome::events::check_nats_url(url)) == plain_nats_url(url), "check_nats_url agrees with the reference");
  return 0;
}
