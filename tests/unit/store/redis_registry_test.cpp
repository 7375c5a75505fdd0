// The region registry on Redis (src/store/registry/redis_registry.cpp),
// against a real standalone Redis and a real Redis Cluster, and against a
// fake server whose every answer is a malformed MOVED redirection: the
// registry must fail the operation, never follow it to port 0.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "metronome/store/registry_store.hpp"
#include "redis_servers.hpp"

namespace metronome::store {
namespace {

using namespace std::chrono_literals;

template <class T>
result<T> wait_for(const std::function<void(callback<T>)>& op) {
  auto p = std::make_shared<std::promise<result<T>>>();
  auto f = p->get_future();
  op([p](result<T> r) { p->set_value(std::move(r)); });
  if (f.wait_for(10s) != std::future_status::ready) return make_error(errc::timeout, "no answer within 10 s");
  return f.get();
}

result<region_record> upsert(registry_store& r, region_record rec) {
  return wait_for<region_record>([&](callback<region_record> done) { r.upsert_region(rec, std::move(done)); });
}

result<std::vector<region_record>> list(registry_store& r) {
  return wait_for<std::vector<region_record>>([&](callback<std::vector<region_record>> done) { r.list_regions(std::move(done)); });
}

void registry_contract(registry_store& reg) {
  auto eu = upsert(reg, {"eu", "http://127.0.0.1:8081", "ws://127.0.0.1:9081/ws", 0, 1000});
  ASSERT_TRUE(eu) << eu.error().message;
  EXPECT_EQ(eu->registered_at_ms, 1000);
  ASSERT_TRUE(upsert(reg, {"asia", "http://127.0.0.1:8083", "", 0, 1500}));
  // A heartbeat moves last_seen and the URLs, and keeps registered_at.
  auto again = upsert(reg, {"eu", "http://127.0.0.1:8091", "", 0, 2000});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->registered_at_ms, 1000);
  auto all = list(reg);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], (region_record{"asia", "http://127.0.0.1:8083", "", 1500, 1500}));
  EXPECT_EQ((*all)[1], (region_record{"eu", "http://127.0.0.1:8091", "", 1000, 2000}));
}

TEST(redis_registry, keeps_regions_in_standalone_redis) {
  test::redis_standalone redis;
  auto reg = make_registry_store(redis.url());
  ASSERT_TRUE(reg) << reg.error().message;
  registry_contract(**reg);
  EXPECT_NE(redis.server().cli({"HGET", "mt:regions", "eu"}).find("http://127.0.0.1:8091"), std::string::npos);
}

TEST(redis_registry, keeps_regions_in_a_cluster_following_redirections) {
  test::redis_cluster cluster;
  // Seeded with every node: most of them do not own mt:regions' slot, so
  // the first request to one of them is redirected.
  auto reg = make_registry_store(cluster.url());
  ASSERT_TRUE(reg) << reg.error().message;
  registry_contract(**reg);
}

TEST(redis_registry, a_stored_value_that_does_not_decode_is_left_out) {
  test::redis_standalone redis;
  auto reg = make_registry_store(redis.url());
  ASSERT_TRUE(reg);
  ASSERT_TRUE(upsert(**reg, {"eu", "http://127.0.0.1:8081", "", 0, 1000}));
  redis.server().cli({"HSET", "mt:regions", "bad", "http://x:1\n\nnot-a-number\n5"});
  auto all = list(**reg);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().name, "eu");
}

/// A TCP server on 127.0.0.1 that answers every RESP command it reads with
/// one fixed error line, counting connections.
class fake_redis {
 public:
  explicit fake_redis(std::string answer) : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("fake_redis: cannot listen");
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_redis() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (const int c : clients_) ::close(c);
  }
  std::uint16_t port() const noexcept { return port_; }
  int connections() const noexcept { return connections_.load(); }

 private:
  void serve() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++connections_;
      clients_.push_back(c);
      std::thread([this, c] { answer(c); }).detach();
    }
  }
  /// Counts complete commands (*N then N bulk strings) and answers each.
  void answer(int c) const {
    std::string buf;
    char chunk[4096];
    for (;;) {
      const ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buf.append(chunk, static_cast<std::size_t>(n));
      for (;;) {
        std::size_t pos = 0;
        if (!complete_command(buf, pos)) break;
        buf.erase(0, pos);
        if (::send(c, answer_.data(), answer_.size(), MSG_NOSIGNAL) < 0) return;
      }
    }
  }
  static bool read_line(const std::string& b, std::size_t& pos, std::string& line) {
    const auto end = b.find("\r\n", pos);
    if (end == std::string::npos) return false;
    line = b.substr(pos, end - pos);
    pos = end + 2;
    return true;
  }
  static bool complete_command(const std::string& b, std::size_t& pos) {
    std::string line;
    if (!read_line(b, pos, line) || line.empty() || line[0] != '*') return false;
    const long n = std::stol(line.substr(1));
    for (long i = 0; i < n; ++i) {
      if (!read_line(b, pos, line) || line.empty() || line[0] != '$') return false;
      const auto len = static_cast<std::size_t>(std::stol(line.substr(1)));
      if (b.size() < pos + len + 2) return false;
      pos += len + 2;
    }
    return true;
  }

  std::string answer_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::vector<int> clients_;  // touched by the accept thread only, then by the destructor after join
  std::thread thread_;
};

TEST(redis_registry, a_malformed_moved_reply_fails_the_operation_instead_of_naming_port_0) {
  for (const std::string bad : {"-MOVED 1234 127.0.0.1:notaport\r\n", "-MOVED 1234 127.0.0.1:0\r\n", "-MOVED 1234 127.0.0.1:70000\r\n",
                                "-MOVED 1234\r\n"}) {
    fake_redis fake(bad);
    store_options opts;
    opts.timeout = 2000ms;
    auto reg = make_registry_store("redis://127.0.0.1:" + std::to_string(fake.port()), opts);
    ASSERT_TRUE(reg);
    const auto started = std::chrono::steady_clock::now();
    auto r = upsert(**reg, {"eu", "http://127.0.0.1:8081", "", 0, 1000});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::internal) << bad << ": " << r.error().message;
    EXPECT_NE(r.error().message.find("MOVED"), std::string::npos) << r.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "failed at once, not by timing out";
    auto l = list(**reg);
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().code, errc::internal) << l.error().message;
  }
}

}  // namespace
}  // namespace metronome::store
