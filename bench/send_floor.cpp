// The kernel's floor for a broadcast: what one small message per socket per
// tick costs the sending thread on this machine, with no WebSocket server
// around it. It bounds what any server (Metronome, Node ws, uWebSockets) can
// reach in bench/broadcast_bench.py, whose figures count the same work.
//
//   send_floor [--sockets 1000] [--seconds 5] [--hz 10] [--bytes 42]
//
// N TCP connections on 127.0.0.1; a reader thread drains the client ends
// with epoll (as a load client does); the main thread sends one message of
// --bytes to every server end --hz times a second, by each method in turn:
// - send:   one send(2) per socket;
// - writev: one writev(2) per socket (a one-entry iovec);
// - uring:  one io_uring submission of every socket's IORING_OP_SEND per
//           round (liburing), completions reaped after.
// Printed per method: the sending side's CPU per message: the process's
// CPU (RUSAGE_SELF, which counts io_uring's worker threads too) minus the
// reader thread's own. On loopback that includes the receiving side's TCP
// processing, which the kernel runs in the sender's context, exactly as it
// does under the real benchmark. Loopback only, bounded in time; stops by
// itself.
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct options {
  int sockets = 1000;
  double seconds = 5;
  int hz = 10;
  int bytes = 42;
};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "send_floor: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "send_floor: %s\nusage: send_floor [--sockets N] [--seconds S] [--hz H] [--bytes B]\n", why);
  std::exit(2);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + a).c_str());
    const char* v = argv[++i];
    char* end = nullptr;
    const double x = std::strtod(v, &end);
    if (end == v || *end != '\0' || x <= 0) usage(("not a positive number: " + a + " " + v).c_str());
    if (a == "--sockets") {
      o.sockets = static_cast<int>(x);
    } else if (a == "--seconds") {
      o.seconds = x;
    } else if (a == "--hz") {
      o.hz = static_cast<int>(x);
    } else if (a == "--bytes") {
      o.bytes = static_cast<int>(x);
    } else {
      usage(("unknown option " + a).c_str());
    }
  }
  if (o.sockets > 60000 || o.hz > 1000 || o.bytes > 65536 || o.seconds > 120) usage("a value is out of range");
  return o;
}

double cpu_us(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

/// N connected pairs: server ends (blocking off) and client ends.
void connect_pairs(int n, std::vector<int>& server, std::vector<int>& client) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listener, 4096) != 0) die("listen");
  if (::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) die("getsockname");
  for (int i = 0; i < n; ++i) {
    const int c = ::socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || ::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect");
    const int s = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
    if (s < 0) die("accept");
    const int one = 1;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    server.push_back(s);
    client.push_back(c);
  }
  ::close(listener);
}

/// Drains the client ends until `stop`; publishes its own CPU in `cpu`.
void reader(const std::vector<int>& client, std::atomic<bool>& stop, std::atomic<double>& cpu) {
  const int ep = ::epoll_create1(0);
  for (std::size_t i = 0; i < client.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.fd = client[i];
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, client[i], &ev) != 0) die("epoll_ctl");
  }
  std::vector<epoll_event> events(1024);
  char buf[65536];
  while (!stop.load()) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
    for (int i = 0; i < n; ++i) {
      for (;;) {
        const ssize_t got = ::recv(events[static_cast<std::size_t>(i)].data.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (got <= 0) break;
      }
    }
    cpu.store(cpu_us(RUSAGE_THREAD));
  }
  ::close(ep);
}

enum class method { send, writev, uring };
const char* name(method m) { return m == method::send ? "send" : m == method::writev ? "writev" : "uring"; }

struct outcome {
  double cpu_us_per_msg = 0;
  long long messages = 0, short_writes = 0;
};

outcome run(method m, const options& o, const std::vector<int>& server, const std::string& msg, const std::atomic<double>& reader_cpu) {
  io_uring ring{};
  const auto entries = static_cast<unsigned>(std::min(o.sockets, 4096));
  if (m == method::uring && io_uring_queue_init(entries, &ring, 0) != 0) die("io_uring_queue_init");
  outcome out;
  const auto period = std::chrono::microseconds(1'000'000 / o.hz);
  const auto rounds = static_cast<long long>(o.seconds * o.hz);
  auto next = std::chrono::steady_clock::now();
  const double cpu0 = cpu_us(RUSAGE_SELF) - reader_cpu.load();
  for (long long r = 0; r < rounds; ++r) {
    if (m == method::uring) {
      std::size_t i = 0;
      while (i < server.size()) {
        unsigned queued = 0;
        for (; i < server.size() && queued < entries; ++i, ++queued) {
          io_uring_sqe* sqe = io_uring_get_sqe(&ring);
          io_uring_prep_send(sqe, server[i], msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        io_uring_submit(&ring);
        for (unsigned k = 0; k < queued; ++k) {
          io_uring_cqe* cqe = nullptr;
          if (io_uring_wait_cqe(&ring, &cqe) != 0) die("io_uring_wait_cqe");
          if (cqe->res != static_cast<int>(msg.size())) ++out.short_writes;
          io_uring_cqe_seen(&ring, cqe);
        }
      }
    } else {
      for (const int fd : server) {
        ssize_t n = 0;
        if (m == method::send) {
          n = ::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
        } else {
          iovec v{const_cast<char*>(msg.data()), msg.size()};  // NOLINT(cppcoreguidelines-pro-type-const-cast)
          n = ::writev(fd, &v, 1);
        }
        if (n != static_cast<ssize_t>(msg.size())) ++out.short_writes;
      }
    }
    out.messages += static_cast<long long>(server.size());
    next += period;
    std::this_thread::sleep_until(next);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the reader's last drain is counted
  out.cpu_us_per_msg = (cpu_us(RUSAGE_SELF) - reader_cpu.load() - cpu0) / static_cast<double>(out.messages);
  if (m == method::uring) io_uring_queue_exit(&ring);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  std::vector<int> server, client;
  connect_pairs(o.sockets, server, client);
  std::atomic<bool> stop{false};
  std::atomic<double> reader_cpu{0};
  std::thread drain([&] { reader(client, stop, reader_cpu); });
  const std::string msg(static_cast<std::size_t>(o.bytes), 'x');
  std::printf(
      "| method | sockets | Hz | bytes | messages | sending side CPU-us / message | short writes |\n|---|---|---|---|---|---|---|\n");
  for (const method m : {method::send, method::writev, method::uring}) {
    const outcome r = run(m, o, server, msg, reader_cpu);
    std::printf("| %s | %d | %d | %d | %lld | %.2f | %lld |\n", name(m), o.sockets, o.hz, o.bytes, r.messages, r.cpu_us_per_msg,
                r.short_writes);
    std::fflush(stdout);
  }
  stop = true;
  drain.join();
  for (const int fd : server) ::close(fd);
  for (const int fd : client) ::close(fd);
  return 0;
}
