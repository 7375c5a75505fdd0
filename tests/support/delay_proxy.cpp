#include "delay_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <stdexcept>
#include <string>

namespace metronome::test {
namespace {

using steady = std::chrono::steady_clock;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

delay_proxy::delay_proxy(std::uint16_t target_port, std::chrono::milliseconds one_way, std::size_t max_connections)
    : target_port_(target_port), one_way_(one_way), max_connections_(max_connections) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(0);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("delay_proxy: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

delay_proxy::~delay_proxy() {
  stopping_ = true;
  acceptor_.join();
  for (auto& t : pumps_) t.join();  // each pump sees stopping_ within its poll bound
  for (const int fd : fds_) ::close(fd);
  ::close(listen_fd_);
}

void delay_proxy::accept_loop() {
  std::size_t accepted = 0;
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (++accepted > max_connections_) {
      ::close(client);
      continue;
    }
    const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in t = loopback(target_port_);
    if (upstream < 0 || ::connect(upstream, reinterpret_cast<sockaddr*>(&t), sizeof t) != 0) {
      ::close(client);
      if (upstream >= 0) ::close(upstream);
      continue;
    }
    const int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::lock_guard lock(mutex_);
    fds_.push_back(client);
    fds_.push_back(upstream);
    pumps_.emplace_back([this, client, upstream] { pump(client, upstream); });
    pumps_.emplace_back([this, client, upstream] { pump(upstream, client); });
  }
}

void delay_proxy::pump(int from, int to) {
  std::deque<std::pair<steady::time_point, std::string>> due;
  bool eof = false;
  char buf[16384];
  while (!stopping_) {
    const auto now = steady::now();
    while (!due.empty() && due.front().first <= now) {
      if (!write_all(to, due.front().second.data(), due.front().second.size())) return;
      due.pop_front();
    }
    if (eof && due.empty()) {
      ::shutdown(to, SHUT_WR);  // pass the end on, after the delayed bytes
      return;
    }
    int wait_ms = 50;  // bounds how late stopping_ is noticed
    if (!due.empty()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due.front().first - now).count();
      wait_ms = static_cast<int>(std::clamp<long long>(left, 0, 50));
    }
    if (eof) {
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));  // only delayed bytes are left
      continue;
    }
    pollfd p{from, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) <= 0) continue;
    const ssize_t n = ::recv(from, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof = true;
      continue;
    }
    due.emplace_back(steady::now() + one_way_, std::string(buf, static_cast<std::size_t>(n)));
  }
}

}  // namespace metronome::test
