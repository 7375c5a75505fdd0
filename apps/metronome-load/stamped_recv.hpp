// One non-blocking read that also says when the bytes reached the socket:
// the kernel's SO_TIMESTAMPNS stamp (system clock), so a receive time
// measures the server and the network, not this process's backlog. The
// socket must have SO_TIMESTAMPNS set. Used by both client pools.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace metronome::load {

/// Nothing was waiting (EAGAIN or EINTR).
inline constexpr ssize_t recv_would_block = -2;

/// recvmsg(MSG_DONTWAIT) of up to `size` bytes into `buf`. Returns the bytes
/// read, 0 on EOF, -1 on an error, or recv_would_block. On a read,
/// `arrival_us` is the kernel's stamp in microseconds since the epoch (the
/// system clock now if the kernel gave none).
ssize_t recv_stamped(int fd, char* buf, std::size_t size, std::int64_t& arrival_us);

/// Sends what the socket takes now of `outbox` (non-blocking) and erases
/// it; what is left waits for writability. On a hard error the outbox is
/// cleared (the read side sees the error too).
void send_pending(int fd, std::string& outbox);

/// The system clock in microseconds since the epoch.
std::int64_t system_now_us();

}  // namespace metronome::load
