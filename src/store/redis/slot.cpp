#include "redis/slot.hpp"

#include <array>

namespace metronome::store::detail::redis {
namespace {

constexpr std::array<std::uint16_t, 256> make_table() {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    unsigned crc = i << 8;
    for (int b = 0; b < 8; ++b) crc = (crc & 0x8000u) != 0 ? (crc << 1) ^ 0x1021u : crc << 1;
    t[i] = static_cast<std::uint16_t>(crc & 0xffffu);
  }
  return t;
}

constexpr auto table = make_table();

}  // namespace

std::uint16_t crc16(std::string_view bytes) noexcept {
  unsigned crc = 0;
  for (const char ch : bytes) {
    const unsigned byte = static_cast<unsigned char>(ch);
    crc = ((crc << 8) & 0xff00u) ^ table[((crc >> 8) ^ byte) & 0xffu];
  }
  return static_cast<std::uint16_t>(crc);
}

int key_slot(std::string_view key) noexcept {
  const auto open = key.find('{');
  if (open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close != open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return crc16(key) & (slot_count - 1);
}

}  // namespace metronome::store::detail::redis

namespace metronome::store::detail::redis {

result<std::vector<slot_range>> parse_cluster_slots(reply_view reply, std::string_view asked_host) {
  auto bad = [&](const std::string& what) { return make_error(errc::internal, "malformed CLUSTER SLOTS reply: " + what); };
  if (!reply.is_array()) return bad("expected an array, got " + reply.describe());
  std::vector<slot_range> out;
  out.reserve(reply.size());
  for (std::size_t i = 0; i < reply.size(); ++i) {
    const reply_view entry = reply.at(i);
    if (!entry.is_array() || entry.size() < 3) return bad("entry " + std::to_string(i) + " is " + entry.describe());
    const auto first = entry.at(0).integer();
    const auto last = entry.at(1).integer();
    if (!first || !last || *first < 0 || *last < *first || *last >= slot_count) return bad("bad slot range in entry " + std::to_string(i));
    const reply_view master = entry.at(2);
    if (!master.is_array() || master.size() < 2) return bad("bad master in entry " + std::to_string(i));
    const auto host = master.at(0).text();
    const auto port = master.at(1).integer();
    if (!host || !port || *port <= 0 || *port > 65535) return bad("bad master address in entry " + std::to_string(i));
    slot_range r;
    r.first = static_cast<int>(*first);
    r.last = static_cast<int>(*last);
    r.host = host->empty() || *host == "?" ? std::string(asked_host) : std::string(*host);
    r.port = static_cast<std::uint16_t>(*port);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace metronome::store::detail::redis
