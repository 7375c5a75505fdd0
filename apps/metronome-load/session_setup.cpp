#include "session_setup.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string_view>

#include "wire.hpp"

namespace metronome::load {

std::string http_exchange(const endpoint_url& u, const std::string& request, std::string& error, std::size_t max_bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    error = "socket failed";
    return {};
  }
  timeval tv{5, 0};  // every send/recv bounded by 5 s
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(u.port);
  std::string response;
  if (::inet_pton(AF_INET, u.host.c_str(), &addr.sin_addr) != 1) {
    error = "bad address " + u.host;
  } else if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    error = "connect to " + u.host + ":" + std::to_string(u.port) + " failed";
  } else if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    error = "send failed";
  } else {
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0 && response.size() < max_bytes) response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response;
}

created_sessions create_sessions(const endpoint_url& region, int count, int tick_ms) {
  created_sessions out;
  const std::string body = R"({"mode":"server","tick_ms":)" + std::to_string(tick_ms) + "}";
  std::string path = region.path;
  if (path.empty() || path == "/") path = "/v1/sessions";
  const std::string request = "POST " + path + " HTTP/1.1\r\nHost: " + region.host + ":" + std::to_string(region.port) +
                              "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
                              "\r\n\r\n" + body;
  for (int i = 0; i < count; ++i) {
    const std::string response = http_exchange(region, request, out.error);
    if (!out.error.empty()) return out;
    const std::string_view r(response);
    if (r.substr(0, 12) != "HTTP/1.1 201" && r.substr(0, 12) != "HTTP/1.1 200") {
      out.error = "POST " + path + " answered: " + std::string(r.substr(0, r.find('\r')));
      return out;
    }
    const std::size_t body_at = r.find("\r\n\r\n");
    const auto id = body_at == std::string_view::npos ? std::nullopt : detail::json_string(r.substr(body_at + 4), "id");
    if (!id) {
      out.error = "no \"id\" in the answer to POST " + path;
      return out;
    }
    out.ids.emplace_back(*id);
  }
  return out;
}

}  // namespace metronome::load
