// A blocking WebSocket client for tests (Beast underneath, hidden here).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace metronome::test {

struct ws_message {
  std::string data;
  bool binary = false;
};

class ws_client {
 public:
  /// Connects to ws://127.0.0.1:port/path offering `subprotocol` (if not empty).
  ws_client(std::uint16_t port, const std::string& path = "/ws", const std::string& subprotocol = "");
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  bool connected() const noexcept;
  const std::string& subprotocol() const noexcept;
  bool send_text(const std::string& text);
  bool send_binary(const std::string& bytes);
  /// The next message, or nullopt on timeout or close (then closed() tells).
  std::optional<ws_message> read(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
  bool closed() const noexcept;
  /// The close code the server sent (0 if none yet).
  std::uint16_t close_code() const noexcept;
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace metronome::test
