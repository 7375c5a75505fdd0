#include <boost/json.hpp>

#include <atomic>

#include "hub.hpp"

namespace metronome::broadcast {

namespace {
std::atomic<std::uint64_t> next_token{1};
}  // namespace

link::link(hub& h, std::shared_ptr<net::ws_connection> conn)
    : hub_(h),
      conn_(std::move(conn)),
      wire_(conn_->subprotocol() == binary_subprotocol ? wire::binary : wire::json),
      bucket_(h.config().messages_per_second, h.config().message_burst),
      token_(next_token.fetch_add(1)),
      last_heard_us_(h.time().monotonic_us()) {}

void link::start() {
  join_deadline_ = hub_.owner().make_timer();
  join_deadline_->expire_at_ms(hub_.time().now_ms() + hub_.config().join_timeout_ms, [weak = weak_from_this()] {
    if (auto self = weak.lock(); self && !self->joined()) {
      self->refuse("join_timeout", "no join within the time allowed");
      self->close(close_code::join_timeout, "join timeout");
    }
  });
}

void link::on_message(std::string_view data, bool binary) {
  if (closed_) return;
  last_heard_us_ = hub_.time().monotonic_us();
  if (!bucket_.take(hub_.time().now_ms())) {
    refuse("rate_limited", "too many messages");
    return;
  }
  client_message m = decode_client(data, binary);
  if (auto* err = std::get_if<decode_error>(&m)) {
    refuse(err->code, err->message);
    return;
  }
  if (auto* join = std::get_if<join_message>(&m)) {
    if (joined() || joining) {
      refuse("bad_message", "this connection has already joined a session");
      return;
    }
    joining = true;
    join_deadline_->cancel();
    hub_.join(shared_from_this(), join->session_id, std::move(join->user_id), join->after);
    return;
  }
  if (auto* ping = std::get_if<ping_message>(&m)) {
    send(encode_pong(wire_, ping->client_ms, hub_.time().now_ms()), 0, "pong");
    return;
  }
  // The echo of the retired application-level ping: accepted from older
  // clients, and like every message it shows the peer is there.
  if (std::holds_alternative<pong_message>(m)) return;
  if (std::holds_alternative<leave_message>(m)) {
    if (joined()) {
      hub_.left(*this, true);
      session_id_.clear();  // on_close must not release the player again, as a drop
    }
    close(close_code::normal, "left");
  }
}

void link::on_pong(std::string_view payload) {
  if (closed_) return;
  last_heard_us_ = hub_.time().monotonic_us();
  if (const auto seq = decode_ping_payload(payload); seq && joined()) hub_.pong(*this, *seq);
}

void link::on_close() {
  if (closed_) return;
  closed_ = true;
  if (join_deadline_) join_deadline_->cancel();
  if (joined()) hub_.left(*this, false);
  hub_.closed(*this);
  hub_.metrics().connections_now->add(-1);
}

void link::send(std::string bytes, int coalesce_key, const char* type) {
  if (!is_open()) return;
  conn_->send(net::ws_frame{std::make_shared<const std::string>(std::move(bytes)), wire_ == wire::binary, coalesce_key});
  hub_.count(type);
}

void link::send_document(const std::string& json_object, const char* type) { send(encode_document(wire_, json_object), 0, type); }

void link::close(std::uint16_t code, std::string_view reason) {
  if (conn_) conn_->close(code, reason);
}

void link::refuse(std::string_view code, std::string_view message, std::int64_t retry_after_ms) {
  hub_.metrics().refused.with({{"code", std::string(code)}}).inc();
  boost::json::object e{{"type", "error"}, {"code", code}, {"message", message}};
  if (retry_after_ms >= 0) e["retryAfterMs"] = retry_after_ms;
  send_document(boost::json::serialize(e), "error");
  // Repeated refusals in a short window are abuse: close with 1008.
  const std::int64_t now = hub_.time().now_ms();
  strikes_.push_back(now);
  std::erase_if(strikes_, [&](std::int64_t t) { return now - t > hub_.config().strike_window_ms; });
  if (static_cast<int>(strikes_.size()) >= hub_.config().strikes_to_close) close(close_code::policy_violation, "too many bad messages");
}

}  // namespace metronome::broadcast
