// For the WebSocket tests of net: an http_server on 127.0.0.1 whose
// upgrades at /ws open an echo handler, and a raw client that speaks RFC
// 6455 frame by frame (masked or not, fragmented, any opcode), so that
// tests can send what no WebSocket library would.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "metronome/net/server.hpp"
#include "metronome/net/websocket.hpp"

namespace metronome::net::test_ws {

/// Sends every message back as it came; `closes` counts on_close calls.
class echo final : public ws_session_handler {
 public:
  echo(std::shared_ptr<ws_connection> c, std::atomic<int>& closes) : c_(std::move(c)), closes_(closes) {}
  void on_message(std::string_view data, bool binary) override { c_->send(ws_frame{std::make_shared<const std::string>(data), binary, 0}); }
  void on_pong(std::string_view payload) override {
    c_->send(ws_frame{std::make_shared<const std::string>("pong:" + std::string(payload)), false, 0});
  }
  void on_close() override {
    closes_.fetch_add(1);
    c_.reset();
  }

 private:
  std::shared_ptr<ws_connection> c_;
  std::atomic<int>& closes_;
};

/// A server whose upgrades at /ws go through `ws.accept` and open an echo.
struct ws_server {
  explicit ws_server(ws_config ws = {}, unsigned threads = 2) {
    server_config cfg;
    cfg.port = 0;
    cfg.threads = threads;
    server = std::make_unique<http_server>(cfg, [](request&&, reply_fn reply) {
      response r;
      r.status = 404;
      reply(std::move(r));
    });
    server->set_websocket(std::move(ws), [this](std::shared_ptr<ws_connection> c, const request&) -> std::shared_ptr<ws_session_handler> {
      opened.fetch_add(1);
      return std::make_shared<echo>(std::move(c), closed);
    });
    auto started = server->start();
    if (!started) throw std::runtime_error(started.error().message);
  }
  std::uint16_t port() const { return server->port(); }
  std::atomic<int> opened{0}, closed{0};
  std::unique_ptr<http_server> server;
};

/// One frame as the raw client reads it.
struct raw_frame {
  std::uint8_t opcode = 0;
  bool fin = false;
  std::string payload;
};

/// A blocking client on a plain socket: the opening handshake, then frames.
class raw_ws {
 public:
  explicit raw_ws(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    const std::string hello =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    send_bytes(hello);
    for (;;) {
      const auto end = in_.find("\r\n\r\n");
      if (end != std::string::npos) {
        upgraded_ = in_.rfind("HTTP/1.1 101", 0) == 0;
        in_.erase(0, end + 4);
        return;
      }
      if (!fill(std::chrono::milliseconds(5000))) return;
    }
  }
  ~raw_ws() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_ws(const raw_ws&) = delete;
  raw_ws& operator=(const raw_ws&) = delete;

  bool upgraded() const noexcept { return upgraded_; }

  /// Sends one frame: `first_byte` is FIN | RSV | opcode; masked unless told.
  void send_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true) {
    std::string out(1, static_cast<char>(first_byte));
    const std::size_t n = payload.size();
    const auto mask_bit = static_cast<unsigned char>(masked ? 0x80 : 0);
    if (n < 126) {
      out.push_back(static_cast<char>(mask_bit | n));
    } else if (n <= 0xFFFF) {
      out.push_back(static_cast<char>(mask_bit | 126));
      out.push_back(static_cast<char>(n >> 8));
      out.push_back(static_cast<char>(n & 0xFF));
    } else {
      out.push_back(static_cast<char>(mask_bit | 127));
      for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
    }
    const char key[4] = {'\x37', '\xfa', '\x21', '\x3d'};
    if (masked) out.append(key, 4);
    for (std::size_t i = 0; i < n; ++i) out.push_back(masked ? static_cast<char>(payload[i] ^ key[i & 3]) : payload[i]);
    send_bytes(out);
  }

  void send_bytes(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  /// The next frame from the server, or nullopt on timeout or end of stream.
  std::optional<raw_frame> read(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (in_.size() >= 2) {
        const auto b1 = static_cast<std::uint8_t>(in_[1]);
        std::size_t len = b1 & 0x7F, header = 2;
        if (len == 126 && in_.size() >= 4) {
          len = (std::size_t{static_cast<std::uint8_t>(in_[2])} << 8) | static_cast<std::uint8_t>(in_[3]);
          header = 4;
        } else if (len == 127 && in_.size() >= 10) {
          len = 0;
          for (std::size_t i = 2; i < 10; ++i) len = (len << 8) | static_cast<std::uint8_t>(in_[i]);
          header = 10;
        }
        if (len < 126 || header > 2) {
          if (in_.size() >= header + len) {
            raw_frame f{static_cast<std::uint8_t>(in_[0] & 0x0F), (in_[0] & 0x80) != 0, in_.substr(header, len)};
            in_.erase(0, header + len);
            return f;
          }
        }
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !fill(left)) return std::nullopt;
    }
  }

  /// The server's close frame's code (0 if none came before end of stream
  /// or the timeout), skipping data frames.
  std::uint16_t read_close_code(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      auto f = read(std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()));
      if (!f) return 0;
      if (f->opcode == 0x8) {
        if (f->payload.size() < 2) return 1005;
        return static_cast<std::uint16_t>((static_cast<std::uint8_t>(f->payload[0]) << 8) | static_cast<std::uint8_t>(f->payload[1]));
      }
    }
    return 0;
  }

  /// True when the server has closed the TCP connection within `timeout`.
  bool ended(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      in_.clear();
      if (!fill(std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()))) return eof_;
    }
    return false;
  }

 private:
  /// Reads what is there within `timeout`; false on timeout or end of stream.
  bool fill(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[8192];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool upgraded_ = false, eof_ = false;
  std::string in_;
};

}  // namespace metronome::net::test_ws
