#include "detail/ws_wire.hpp"

#include "metronome/net/websocket.hpp"

#include <cstring>

namespace metronome::net::detail {

std::size_t write_frame_header(std::uint8_t opcode, std::size_t payload_size, char* out) noexcept {
  out[0] = static_cast<char>(0x80 | opcode);
  if (payload_size < 126) {
    out[1] = static_cast<char>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = static_cast<char>(126);
    out[2] = static_cast<char>((payload_size >> 8) & 0xFF);
    out[3] = static_cast<char>(payload_size & 0xFF);
    return 4;
  }
  out[1] = static_cast<char>(127);
  auto n = static_cast<std::uint64_t>(payload_size);
  for (int i = 9; i >= 2; --i, n >>= 8) out[i] = static_cast<char>(n & 0xFF);
  return 10;
}

}  // namespace metronome::net::detail

namespace metronome::net {

ws_frame make_ws_frame(std::string_view payload, bool binary, int coalesce_key) {
  using namespace detail;
  return ws_frame{std::make_shared<const std::string>(make_frame(binary ? ws_op::binary : ws_op::text, payload)), binary, coalesce_key,
                  true};
}

std::string_view ws_frame::payload() const noexcept {
  if (!data) return {};
  const std::string_view all(*data);
  if (!framed || all.size() < 2) return all;
  const auto len = static_cast<std::uint8_t>(all[1]) & 0x7F;
  return all.substr(len < 126 ? 2 : len == 126 ? 4 : 10);
}

}  // namespace metronome::net

namespace metronome::net::detail {

std::string make_frame(std::uint8_t opcode, std::string_view payload) {
  char header[max_frame_header];
  const std::size_t h = write_frame_header(opcode, payload.size(), header);
  std::string out;
  out.reserve(h + payload.size());
  out.append(header, h);
  out.append(payload);
  return out;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason.substr(0, 123));
  return out;
}

client_frame parse_client_frame(char* data, std::size_t size, std::size_t max_payload) noexcept {
  client_frame f;
  if (size < 2) return f;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  f.opcode = static_cast<std::uint8_t>(b0 & 0x0F);
  f.fin = (b0 & 0x80) != 0;
  const bool control = (f.opcode & 0x08) != 0;
  const bool known = f.opcode <= ws_op::binary || (f.opcode >= ws_op::close && f.opcode <= ws_op::pong);
  std::uint64_t len = b1 & 0x7F;
  auto fail = [&](std::uint16_t code) {
    f.result = client_frame::status::error;
    f.close_code = code;
    return f;
  };
  if ((b0 & 0x70) != 0 || (b1 & 0x80) == 0 || !known) return fail(1002);
  if (control && (!f.fin || len > 125)) return fail(1002);
  std::size_t header = 2;
  if (len == 126) {
    if (size < 4) return f;
    len = (std::uint64_t{static_cast<std::uint8_t>(data[2])} << 8) | static_cast<std::uint8_t>(data[3]);
    header = 4;
  } else if (len == 127) {
    if (size < 10) return f;
    len = 0;
    for (std::size_t i = 2; i < 10; ++i) len = (len << 8) | static_cast<std::uint8_t>(data[i]);
    header = 10;
  }
  if (len > max_payload) return fail(1009);
  header += 4;  // the mask key
  if (size < header || size - header < len) return f;
  const char* key = data + header - 4;
  char* p = data + header;
  for (std::size_t i = 0; i < len; ++i) p[i] = static_cast<char>(p[i] ^ key[i & 3]);
  f.result = client_frame::status::ok;
  f.consumed = header + static_cast<std::size_t>(len);
  f.payload = p;
  f.size = static_cast<std::size_t>(len);
  return f;
}

bool valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  const unsigned char* const end = p + text.size();
  while (p < end) {
    // ASCII, eight bytes at a time (the common case for JSON messages).
    while (end - p >= 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, p, 8);
      if ((word & 0x8080808080808080ULL) != 0) break;
      p += 8;
    }
    if (p == end) break;
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // The lead byte fixes the length and the range of the second byte
    // (which rules out overlong forms, surrogates and > U+10FFFF).
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c == 0xE0) {
      n = 3, lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      n = 3;
    } else if (c == 0xED) {
      n = 3, hi = 0x9F;
    } else if (c == 0xF0) {
      n = 4, lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      n = 4;
    } else if (c == 0xF4) {
      n = 4, hi = 0x8F;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) < n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i < n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += n;
  }
  return true;
}

std::uint16_t check_close_payload(std::string_view payload) noexcept {
  if (payload.empty()) return 0;
  if (payload.size() == 1) return 1002;
  const auto code = static_cast<std::uint16_t>((static_cast<unsigned>(static_cast<unsigned char>(payload[0])) << 8) |
                                               static_cast<unsigned char>(payload[1]));
  const bool defined = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
  if (!defined && (code < 3000 || code > 4999)) return 1002;
  return valid_utf8(payload.substr(2)) ? std::uint16_t{0} : std::uint16_t{1007};
}

}  // namespace metronome::net::detail
