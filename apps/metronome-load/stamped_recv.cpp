#include "stamped_recv.hpp"

#include <sys/socket.h>
#include <time.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace metronome::load {

std::int64_t system_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void send_pending(int fd, std::string& outbox) {
  while (!outbox.empty()) {
    const ssize_t n = ::send(fd, outbox.data(), outbox.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      outbox.clear();
      return;
    }
    outbox.erase(0, static_cast<std::size_t>(n));
  }
}

ssize_t recv_stamped(int fd, char* buf, std::size_t size, std::int64_t& arrival_us) {
  std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
  iovec iov{buf, size};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  const ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? recv_would_block : -1;
  arrival_us = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      arrival_us = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
    }
  }
  if (arrival_us == 0) arrival_us = system_now_us();
  return n;
}

}  // namespace metronome::load
