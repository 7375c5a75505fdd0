#include "redis/connection.hpp"

#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace metronome::store::detail::redis {
namespace {

constexpr std::string_view asking_command = "*1\r\n$6\r\nASKING\r\n";
constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::size_t max_reads_per_wakeup = 16;  // then let other connections run
constexpr std::chrono::milliseconds min_backoff{50};
constexpr std::chrono::milliseconds max_backoff{500};

std::string errno_text(int e) { return std::strerror(e); }

}  // namespace

connection::connection(std::string host, std::uint16_t port, connection_settings settings, completion_sink& sink)
    : host_(std::move(host)), port_(port), settings_(settings), sink_(sink) {}

connection::~connection() { fail_all(errc::unavailable, "the session store is shutting down"); }

std::string connection::where() const { return "redis " + host_ + ":" + std::to_string(port_); }

short connection::events() const noexcept {
  if (state_ == state::connecting) return POLLOUT;
  if (state_ != state::connected) return 0;
  return static_cast<short>(POLLIN | (out_pos_ < out_.size() ? POLLOUT : 0));
}

void connection::enqueue(request_ptr r, steady::time_point now) {
  if (state_ == state::backoff) {
    if (now < next_attempt_ && r->deadline <= next_attempt_) {
      sink_.on_complete(std::move(r), completion{{}, error{errc::unavailable, where() + " is down (reconnecting)"}, false});
      return;
    }
    if (now >= next_attempt_) state_ = state::idle;
  }
  if (state_ == state::connected) {
    write_request(std::move(r), now);
    return;
  }
  waiting_.push_back(std::move(r));
  if (state_ == state::idle) start_connect(now);
}

void connection::write_request(request_ptr r, steady::time_point now) {
  if (in_flight_.empty()) last_progress_ = now;
  std::uint32_t expected = r->commands;
  if (r->asking) {
    out_.append(asking_command);
    ++expected;
  }
  out_.append(r->payload);
  sent s;
  s.expected = expected;
  s.req = std::move(r);
  in_flight_.push_back(std::move(s));
}

void connection::start_connect(steady::time_point now) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port_);
  // Blocking name resolution: configured addresses are IPs or local names.
  const int rc = ::getaddrinfo(host_.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    connect_failed(now, std::string("cannot resolve host: ") + ::gai_strerror(rc));
    return;
  }
  ++generation_;
  fd_ = ::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, found->ai_protocol);
  if (fd_ < 0) {
    const int e = errno;
    ::freeaddrinfo(found);
    connect_failed(now, "socket: " + errno_text(e));
    return;
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const int c = ::connect(fd_, found->ai_addr, found->ai_addrlen);
  const int e = errno;
  ::freeaddrinfo(found);
  if (c == 0) {
    on_connected(now);
  } else if (e == EINPROGRESS) {
    state_ = state::connecting;
    connect_deadline_ = now + settings_.connect_timeout;
  } else {
    connect_failed(now, "connect: " + errno_text(e));
  }
}

void connection::on_connected(steady::time_point now) {
  state_ = state::connected;
  failures_ = 0;
  reader_ = redisReaderCreate();
  if (reader_ == nullptr) {
    drop(errc::internal, "out of memory creating a reply reader");
    return;
  }
  auto queued = std::move(waiting_);
  waiting_.clear();
  for (auto& r : queued) write_request(std::move(r), now);
}

void connection::connect_failed(steady::time_point now, const std::string& why) {
  close_socket();
  state_ = state::backoff;
  ++failures_;
  const auto backoff = std::min<std::chrono::milliseconds>(min_backoff * (1u << std::min(failures_ - 1, 4u)), max_backoff);
  next_attempt_ = now + backoff;
  auto doomed = std::move(waiting_);
  waiting_.clear();
  const std::string message = "cannot connect to " + where() + ": " + why;
  for (auto& r : doomed) sink_.on_complete(std::move(r), completion{{}, error{errc::unavailable, message}, false});
}

void connection::close_socket() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (reader_ != nullptr) redisReaderFree(reader_);
  reader_ = nullptr;
  out_.clear();
  out_pos_ = 0;
}

void connection::drop(errc code, const std::string& why) {
  close_socket();
  state_ = state::idle;  // reconnect on the next request
  auto doomed = std::move(in_flight_);
  in_flight_.clear();
  const std::string message = where() + ": " + why;
  for (auto& s : doomed) {
    if (s.req) sink_.on_complete(std::move(s.req), completion{{}, error{code, message}, true});
  }
}

void connection::fail_all(errc code, const std::string& why) {
  drop(code, why);
  auto doomed = std::move(waiting_);
  waiting_.clear();
  for (auto& r : doomed) sink_.on_complete(std::move(r), completion{{}, error{code, why}, false});
}

void connection::on_ready(short revents, steady::time_point now) {
  if (state_ == state::connecting) {
    if ((revents & (POLLOUT | POLLERR | POLLHUP)) == 0) return;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == 0) {
      on_connected(now);
    } else {
      connect_failed(now, "connect: " + errno_text(err));
    }
    return;
  }
  if (state_ != state::connected) return;
  if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) read_available(now);
  if (state_ == state::connected && (revents & POLLOUT) != 0) flush(now);
}

void connection::read_available(steady::time_point now) {
  if (in_buf_.size() < read_chunk) in_buf_.resize(read_chunk);
  for (std::size_t i = 0; i < max_reads_per_wakeup; ++i) {
    const ssize_t n = ::read(fd_, in_buf_.data(), in_buf_.size());
    if (n > 0) {
      if (redisReaderFeed(reader_, in_buf_.data(), static_cast<std::size_t>(n)) != REDIS_OK) {
        drop(errc::internal, "reply reader: out of memory");
        return;
      }
      if (!take_replies(now)) return;
      if (static_cast<std::size_t>(n) < in_buf_.size()) return;  // drained the socket
      continue;
    }
    if (n == 0) {
      drop(errc::unavailable, "connection closed by the server");
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    drop(errc::unavailable, "read: " + errno_text(errno));
    return;
  }
}

// Returns false when the connection was dropped.
bool connection::take_replies(steady::time_point now) {
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
      drop(errc::internal, std::string("malformed reply: ") + reader_->errstr);
      return false;
    }
    if (raw == nullptr) return true;
    reply_ptr reply(static_cast<redisReply*>(raw));
    if (in_flight_.empty()) {
      drop(errc::internal, "a reply arrived with no request outstanding");
      return false;
    }
    last_progress_ = now;
    sent& front = in_flight_.front();
    front.replies.push_back(std::move(reply));
    if (front.replies.size() < front.expected) continue;
    sent done = std::move(front);
    in_flight_.pop_front();
    if (!done.req) continue;  // tombstone: the caller already had its timeout
    if (done.req->asking) {
      done.req->asking = false;
      done.replies.erase(done.replies.begin());  // ASKING's +OK
    }
    sink_.on_complete(std::move(done.req), completion{std::move(done.replies), std::nullopt, false});
    if (state_ != state::connected) return false;
  }
}

void connection::flush(steady::time_point now) {
  (void)now;
  if (state_ != state::connected) return;
  while (out_pos_ < out_.size()) {
    const ssize_t n = ::send(fd_, out_.data() + out_pos_, out_.size() - out_pos_, MSG_NOSIGNAL);
    if (n > 0) {
      out_pos_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    drop(errc::unavailable, "write: " + errno_text(errno));
    return;
  }
  out_.clear();
  out_pos_ = 0;
  if (out_.capacity() > (1u << 20)) out_.shrink_to_fit();  // a burst should not pin memory
}

void connection::tick(steady::time_point now) {
  if (state_ == state::backoff && !waiting_.empty() && now >= next_attempt_) {
    state_ = state::idle;
    start_connect(now);
  }
  if (state_ == state::connecting && now >= connect_deadline_) {
    connect_failed(now, "connect timed out after " + std::to_string(settings_.connect_timeout.count()) + " ms");
  }
  if (!waiting_.empty()) {
    const errc code = state_ == state::connecting ? errc::timeout : errc::unavailable;
    std::deque<request_ptr> keep;
    std::vector<request_ptr> expired;
    for (auto& r : waiting_) {
      if (r->deadline <= now) {
        expired.push_back(std::move(r));
      } else {
        keep.push_back(std::move(r));
      }
    }
    waiting_ = std::move(keep);
    for (auto& r : expired) {
      sink_.on_complete(std::move(r), completion{{}, error{code, "no connection to " + where() + " before the deadline"}, false});
    }
  }
  if (in_flight_.empty()) return;
  std::vector<request_ptr> expired;
  for (auto& s : in_flight_) {
    if (s.req && s.req->deadline <= now) expired.push_back(std::move(s.req));
  }
  for (auto& r : expired) {
    sink_.on_complete(std::move(r), completion{{}, error{errc::timeout, where() + " did not answer in time"}, true});
  }
  if (state_ == state::connected && !in_flight_.empty() && now - last_progress_ >= settings_.stall_timeout) {
    drop(errc::timeout, "no reply for " + std::to_string(settings_.stall_timeout.count()) + " ms");
  }
}

}  // namespace metronome::store::detail::redis
