// http_client's front: which thread's pools take a request (the modes in
// http_client.hpp). The pools themselves are detail/http_client_pools.cpp.
//
// own_threads: every host:port belongs to one client thread (chosen by hash),
// with its own io_context and pools. request() hands work over through a
// mutex-guarded inbox and posts at most one drain per batch.
//
// caller_loop: on a server I/O thread (detail::current_worker), the pools
// are that worker's loop_service for this client, made on first use; a
// request is submitted to them directly. The client remembers the workers
// it is attached to (under a mutex, taken only when it attaches and when it
// is destroyed), so that its destructor can stop and remove its pools on
// each of those threads.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "detail/http_client_pools.hpp"
#include "detail/worker.hpp"
#include "metronome/net/http_client.hpp"

namespace metronome::net {
namespace {

namespace asio = boost::asio;
using detail::pending_request;

/// One client thread: its io_context, its pools and its inbox.
class client_thread {
 public:
  client_thread(const client_config& config, std::shared_ptr<std::atomic<std::size_t>> open)
      : pools_(std::make_shared<detail::client_pools>(config, std::move(open), io_, false)) {
    thread_ = std::thread([this] { io_.run(); });
  }
  client_thread(const client_thread&) = delete;
  client_thread& operator=(const client_thread&) = delete;

  /// Any thread. Queues `p` for the pools on this thread.
  void enqueue(pending_request p) {
    bool post_drain = false;
    {
      std::lock_guard lock(inbox_mutex_);
      inbox_.push_back(std::move(p));
      post_drain = !drain_posted_;
      drain_posted_ = true;
    }
    if (post_drain) asio::post(io_, [this] { drain_inbox(); });
  }

  /// Any thread. Completes everything with errc::unavailable, then lets the
  /// loop run dry and joins it: no handler is left behind to outlive us.
  void stop() {
    asio::post(io_, [this] {
      pools_->stop();
      drain_inbox();  // the stopped pools fail them
    });
    guard_.reset();
    if (thread_.joinable()) thread_.join();
    pools_.reset();
  }

 private:
  void drain_inbox() {
    {
      std::lock_guard lock(inbox_mutex_);
      batch_.swap(inbox_);
      drain_posted_ = false;
    }
    // A callback run by submit() may call request(): that lands in inbox_, not
    // in the batch being walked.
    for (pending_request& p : batch_) pools_->submit(std::move(p));
    batch_.clear();
  }

  asio::io_context io_{1};  // first: destroyed last, after every socket and timer
  asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
  std::shared_ptr<detail::client_pools> pools_;

  std::mutex inbox_mutex_;
  std::vector<pending_request> inbox_;  ///< Guarded by inbox_mutex_.
  bool drain_posted_ = false;           ///< Guarded by inbox_mutex_.
  std::vector<pending_request> batch_;  ///< This thread only.

  std::thread thread_;
};

/// A server worker this client has pools on, and whether its server still exists.
struct attachment {
  detail::worker* worker;
  std::weak_ptr<detail::shared_config> server;  ///< Expired: the server (and so the worker) is gone.
};

/// On `w`'s thread (or once it has ended): takes the service `id` out of the
/// worker and stops it. Stopping runs callbacks, which may attach more.
void remove_service(detail::worker& w, std::uint64_t id) {
  auto it = std::find_if(w.services_.begin(), w.services_.end(), [id](const auto& s) { return s.first == id; });
  if (it == w.services_.end()) return;
  std::shared_ptr<detail::loop_service> service = std::move(it->second);
  w.services_.erase(it);
  service->stop();
}

}  // namespace

class http_client::impl {
 public:
  explicit impl(const client_config& config) : cfg_(config) {
    cfg_.threads = std::max(1u, cfg_.threads);
    for (unsigned i = 0; i < cfg_.threads; ++i) threads_.push_back(std::make_unique<client_thread>(cfg_, open_));
  }
  ~impl() {
    std::vector<attachment> attached;
    {
      std::lock_guard lock(attach_mutex_);
      attached.swap(attached_);
    }
    try {
      for (const attachment& a : attached) detach(a);
      for (auto& t : threads_) t->stop();
    } catch (...) {}  // posting or joining failed: nothing better to do in a destructor
  }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  void request(client_request req, client_callback done) {
    if (cfg_.mode == client_mode::caller_loop) {
      if (detail::worker* w = detail::current_worker) {
        if (detail::client_pools* pools = pools_on(*w)) return pools->submit(pending_request{std::move(req), std::move(done)});
        // The server is stopping: its threads take no new requests.
        return asio::post(w->io_, [done = std::move(done)]() mutable {
          detail::complete_request(done, make_error(errc::unavailable, "the HTTP client is shutting down"));
        });
      }
    }
    std::size_t i = 0;
    if (threads_.size() > 1) i = (std::hash<std::string>{}(req.host) ^ static_cast<std::size_t>(req.port)) % threads_.size();
    threads_[i]->enqueue(pending_request{std::move(req), std::move(done)});
  }

  std::size_t open_connections() const noexcept { return open_->load(std::memory_order_relaxed); }

 private:
  /// On w's thread: this client's pools there, made on first use; null once
  /// the server has stopped its services.
  detail::client_pools* pools_on(detail::worker& w) {
    for (const auto& [id, service] : w.services_) {
      if (id == id_) return static_cast<detail::client_pools*>(service.get());  // id_ is only ever given to client_pools
    }
    if (w.services_stopped_) return nullptr;
    auto pools = std::make_shared<detail::client_pools>(cfg_, open_, w.io_, true);
    w.services_.emplace_back(id_, pools);
    std::lock_guard lock(attach_mutex_);
    attached_.push_back(attachment{&w, w.shared_});
    return pools.get();
  }

  /// Stops and removes this client's pools on a server thread, from the
  /// destructor: directly when that is this thread or it has ended, else by a
  /// task posted to it (waiting for it, or for the thread to end first).
  void detach(const attachment& a) const {
    if (a.server.expired()) return;  // destroyed with the server's workers
    detail::worker& w = *a.worker;
    if (detail::current_worker == &w || w.joined_.load(std::memory_order_acquire)) return remove_service(w, id_);
    auto done = std::make_shared<std::atomic<bool>>(false);
    asio::post(w.io_, [&w, id = id_, done] {
      remove_service(w, id);
      done->store(true, std::memory_order_release);
    });
    while (!done->load(std::memory_order_acquire)) {
      if (w.joined_.load(std::memory_order_acquire)) {
        // Ended before the task ran (the server stopped meanwhile): the
        // task will never run, and nothing else touches the worker now.
        if (!done->load(std::memory_order_acquire)) remove_service(w, id_);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  client_config cfg_;
  const std::uint64_t id_ = detail::next_loop_service_id();
  std::shared_ptr<std::atomic<std::size_t>> open_ = std::make_shared<std::atomic<std::size_t>>(0);
  std::vector<std::unique_ptr<client_thread>> threads_;
  std::mutex attach_mutex_;
  std::vector<attachment> attached_;  ///< Guarded by attach_mutex_.
};

http_client::http_client(client_config config) : impl_(std::make_unique<impl>(config)) {}
http_client::~http_client() = default;

void http_client::request(client_request req, client_callback done) { impl_->request(std::move(req), std::move(done)); }

std::size_t http_client::open_connections() const noexcept { return impl_->open_connections(); }

std::string_view client_response::header(std::string_view lower_name) const noexcept {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

result<std::pair<std::string, std::uint16_t>> parse_http_base_url(std::string_view url) {
  const auto invalid = [&] { return make_error(errc::invalid_argument, "not an http://host[:port] URL: '" + std::string(url) + "'"); };
  constexpr std::string_view scheme = "http://";
  if (url.size() < scheme.size() || !detail::ascii_iequals(url.substr(0, scheme.size()), scheme)) return invalid();
  std::string_view authority = url.substr(scheme.size());
  authority = authority.substr(0, authority.find_first_of("/?#"));
  std::string_view host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return invalid();
    host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return invalid();
      port_text = rest.substr(1);
      if (port_text.empty()) return invalid();
    }
    const bool ok = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
    });
    if (!ok) return invalid();
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return invalid();
    }
    const bool ok = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
    });
    if (!ok) return invalid();
  }
  std::uint16_t port = 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) return invalid();
    port = static_cast<std::uint16_t>(value);
  }
  return std::pair<std::string, std::uint16_t>{std::string(host), port};
}

}  // namespace metronome::net
