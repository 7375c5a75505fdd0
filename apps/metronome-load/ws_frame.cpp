#include "ws_frame.hpp"

namespace metronome::load::ws {
namespace {

bool known(std::uint8_t op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

parse_result parse_frame(std::string_view d, std::size_t max_payload) {
  parse_result r;
  if (d.size() < 2) return r;
  const auto b0 = static_cast<std::uint8_t>(d[0]);
  const auto b1 = static_cast<std::uint8_t>(d[1]);
  const auto op = static_cast<std::uint8_t>(b0 & 0x0F);
  if ((b1 & 0x80) != 0 || (b0 & 0x70) != 0 || !known(op)) {
    r.error = true;  // masked server frame, reserved bits (no extension was offered), or unknown opcode
    return r;
  }
  std::size_t header = 2;
  std::uint64_t len = b1 & 0x7F;
  if (len == 126) {
    if (d.size() < 4) return r;
    len = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(d[2])) << 8) | static_cast<std::uint8_t>(d[3]);
    header = 4;
  } else if (len == 127) {
    if (d.size() < 10) return r;
    len = 0;
    for (std::size_t i = 2; i < 10; ++i) len = (len << 8) | static_cast<std::uint8_t>(d[i]);
    header = 10;
  }
  if (len > max_payload) {
    r.error = true;
    return r;
  }
  if (d.size() - header < len) return r;
  r.consumed = header + static_cast<std::size_t>(len);
  r.f.fin = (b0 & 0x80) != 0;
  r.f.op = static_cast<opcode>(op);
  r.f.payload = d.substr(header, static_cast<std::size_t>(len));
  return r;
}

void append_client_frame(std::string& out, opcode op, std::string_view payload, std::uint32_t mask_key) {
  out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(op)));
  const std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>((n >> 8) & 0xFF));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF));
  }
  char mask[4];
  for (int i = 0; i < 4; ++i) mask[i] = static_cast<char>((mask_key >> (8 * i)) & 0xFF);
  out.append(mask, 4);
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
}

std::string handshake_request(std::string_view host, std::string_view path, std::string_view key, std::string_view subprotocol) {
  std::string r;
  r.reserve(256);
  r.append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host);
  r.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ").append(key);
  if (!subprotocol.empty()) r.append("\r\nSec-WebSocket-Protocol: ").append(subprotocol);
  r.append("\r\n\r\n");
  return r;
}

std::string check_handshake_response(std::string_view head) {
  const std::size_t eol = head.find("\r\n");
  const std::string_view status = head.substr(0, eol);
  if (status.size() < 12 || status.substr(0, 5) != "HTTP/" || status.substr(9, 3) != "101") {
    return "handshake refused: " + std::string(status.substr(0, 64));
  }
  bool upgrade = false;
  std::size_t at = eol;
  while (at != std::string_view::npos && at + 2 < head.size()) {
    const std::size_t next = head.find("\r\n", at + 2);
    const std::string_view line = head.substr(at + 2, next == std::string_view::npos ? std::string_view::npos : next - at - 2);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(line.substr(0, colon), "upgrade")) {
      std::string_view v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      upgrade = iequals(v, "websocket");
    }
    at = next;
  }
  return upgrade ? "" : "handshake: no Upgrade: websocket";
}

std::string make_key(std::uint64_t a, std::uint64_t b) {
  static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned char raw[16];
  for (int i = 0; i < 8; ++i) {
    raw[i] = static_cast<unsigned char>((a >> (8 * i)) & 0xFF);
    raw[8 + i] = static_cast<unsigned char>((b >> (8 * i)) & 0xFF);
  }
  std::string out;
  for (std::size_t i = 0; i < 15; i += 3) {
    const unsigned v = (unsigned{raw[i]} << 16) | (unsigned{raw[i + 1]} << 8) | raw[i + 2];
    out.push_back(digits[(v >> 18) & 63]);
    out.push_back(digits[(v >> 12) & 63]);
    out.push_back(digits[(v >> 6) & 63]);
    out.push_back(digits[v & 63]);
  }
  const unsigned v = unsigned{raw[15]} << 16;
  out.push_back(digits[(v >> 18) & 63]);
  out.push_back(digits[(v >> 12) & 63]);
  out.append("==");
  return out;
}

int close_code(std::string_view payload) {
  if (payload.size() < 2) return 1005;
  return (static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]);
}

}  // namespace metronome::load::ws
