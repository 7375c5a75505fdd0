#include "redis/request.hpp"

#include <charconv>

namespace metronome::store::detail::redis {
namespace {

void append_header(std::string& out, char kind, std::size_t n) {
  char buf[24];
  buf[0] = kind;
  const auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf - 2, n);
  (void)ec;  // 21 digits always fit a size_t
  out.append(buf, end);
  out.append("\r\n", 2);
}

void append_arg(std::string& out, std::string_view a) {
  append_header(out, '$', a.size());
  out.append(a);
  out.append("\r\n", 2);
}

}  // namespace

void append_command(std::string& out, std::initializer_list<std::string_view> args) {
  append_header(out, '*', args.size());
  for (std::string_view a : args) append_arg(out, a);
}

void append_command(std::string& out, const std::vector<std::string_view>& args) {
  append_header(out, '*', args.size());
  for (std::string_view a : args) append_arg(out, a);
}

std::string decimal(std::int64_t v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  return std::string(buf, end);
}

void finish(request_ptr r, completion&& c) noexcept {
  if (!r || !r->done) return;
  auto done = std::move(r->done);
  r.reset();  // the request is gone before the callback runs: it may submit more work
  try {
    done(std::move(c));
  } catch (...) {
    // The session_store contract forbids throwing from callbacks; swallowing
    // here keeps one bad caller from taking the I/O thread down for everyone.
  }
}

void finish_with(request_ptr r, errc code, std::string message, bool maybe_executed) noexcept {
  completion c;
  try {
    c.failure = error{code, std::move(message)};
  } catch (...) {
    c.failure = error{code, {}};
  }
  c.maybe_executed = maybe_executed;
  finish(std::move(r), std::move(c));
}

}  // namespace metronome::store::detail::redis
