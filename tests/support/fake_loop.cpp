#include "fake_loop.hpp"

#include <algorithm>

namespace metronome::test {

class fake_loop::fake_timer final : public net::timer {
 public:
  fake_timer(fake_loop& l) : loop_(l), slot_(std::make_shared<slot>()) { loop_.slots_.push_back(slot_); }
  ~fake_timer() override { cancel(); }

  void expire_at_ms(std::int64_t epoch_ms, std::function<void()> fn) override {
    slot_->at_ms = epoch_ms;
    slot_->order = ++loop_.arms_;
    slot_->fn = std::move(fn);
    slot_->armed = true;
  }
  void cancel() override {
    slot_->armed = false;
    slot_->fn = nullptr;
  }

 private:
  fake_loop& loop_;
  std::shared_ptr<slot> slot_;
};

std::unique_ptr<net::timer> fake_loop::make_timer() { return std::make_unique<fake_timer>(*this); }

std::shared_ptr<fake_loop::slot> fake_loop::next_due(std::int64_t limit_ms) const {
  std::shared_ptr<slot> best;
  for (const auto& weak : slots_) {
    auto s = weak.lock();
    if (!s || !s->armed || s->at_ms > limit_ms) continue;
    if (!best || s->at_ms < best->at_ms || (s->at_ms == best->at_ms && s->order < best->order)) best = std::move(s);
  }
  return best;
}

std::size_t fake_loop::run_ready() {
  std::size_t ran = 0;
  for (;;) {
    if (!posted_.empty()) {
      auto fn = std::move(posted_.front());
      posted_.pop_front();
      fn();
      ++ran;
      continue;
    }
    auto due = next_due(clock_.now_ms());
    if (!due) break;
    auto fn = std::move(due->fn);
    due->armed = false;  // a timer fires once; its function may re-arm it
    fn();
    ++ran;
  }
  std::erase_if(slots_, [](const std::weak_ptr<slot>& w) { return w.expired(); });
  return ran;
}

std::size_t fake_loop::advance_ms(std::int64_t ms) {
  const std::int64_t target = clock_.now_ms() + ms;
  std::size_t ran = run_ready();
  while (auto due = next_due(target)) {
    if (due->at_ms > clock_.now_ms()) clock_.set_ms(due->at_ms);
    ran += run_ready();
  }
  clock_.set_ms(target);
  return ran + run_ready();
}

std::size_t fake_loop::armed_timers() const {
  return static_cast<std::size_t>(std::count_if(slots_.begin(), slots_.end(), [](const std::weak_ptr<slot>& w) {
    const auto s = w.lock();
    return s && s->armed;
  }));
}

void fake_ws_connection::send(net::ws_frame frame) {
  if (open()) frames_.push_back(std::move(frame));
}

void fake_ws_connection::ping(std::string_view payload) {
  if (open()) pings_.emplace_back(payload);
}

void fake_ws_connection::close(std::uint16_t code, std::string_view reason) {
  if (!open()) return;
  close_code_ = code;
  close_reason_ = std::string(reason);
}

void fake_ws_connection::deliver(std::string_view data, bool binary) {
  if (open() && handler_) handler_->on_message(data, binary);
}

void fake_ws_connection::pong(std::string_view payload) {
  if (open() && handler_) handler_->on_pong(payload);
}

void fake_ws_connection::finish() {
  if (!open_) return;
  open_ = false;
  if (auto h = std::move(handler_)) h->on_close();
}

std::vector<std::string> fake_ws_connection::frames_containing(std::string_view needle) const {
  std::vector<std::string> out;
  for (const auto& f : frames_) {
    if (f.payload().find(needle) != std::string_view::npos) out.emplace_back(f.payload());
  }
  return out;
}

}  // namespace metronome::test
