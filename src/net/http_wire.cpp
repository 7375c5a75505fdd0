// GCC 12 at -O2 reports a false -Wmaybe-uninitialized inside Beast's
// basic_parser<true>::put (a boost::optional it fills before use) once put
// is inlined here. The parser is Beast's and fuzzed; silence only that.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "detail/http_wire.hpp"

#include <array>
#include <charconv>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/status.hpp>

#include "metronome/core/result.hpp"
#include "metronome/net/http_errors.hpp"

namespace metronome::net::detail {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

std::string_view view(beast::string_view s) noexcept { return {s.data(), s.size()}; }

}  // namespace

void request_reader::start(request& out) {
  out_ = &out;
  out.method.clear();
  out.target.clear();
  out.path.clear();
  out.query.clear();
  out.body.clear();
  out.request_id.clear();
  out.keep_alive = true;
  // Header strings stay allocated for the next request's fields; the list is
  // cut to size in on_header_impl.
  fields_ = 0;
  expects_continue_ = false;
  upgrade_ = false;
  version_ = 11;
  failure_.reset();
  parser_.emplace(*this);
  parser_->eager(true);
  parser_->header_limit(static_cast<std::uint32_t>(header_limit_));
  parser_->body_limit(body_limit_);
}

std::size_t request_reader::feed(std::string_view bytes) {
  if (!parser_ || failed() || done()) return 0;
  beast::error_code ec;
  const std::size_t used = parser_->put(boost::asio::const_buffer(bytes.data(), bytes.size()), ec);
  if (ec == http::error::need_more) return used;
  if (ec) failure_ = ec;
  return used;
}

std::optional<response> request_reader::error_reply() const {
  if (!failure_) return std::nullopt;
  const beast::error_code& ec = *failure_;
  if (ec == http::error::body_limit) return error_response(make_error(errc::payload_too_large, "request body too large"));
  if (ec == http::error::header_limit) {
    response r = error_response(make_error(errc::invalid_argument, "request header fields too large"));
    r.status = 431;
    return r;
  }
  return error_response(make_error(errc::invalid_argument, "malformed HTTP request: " + ec.message()));
}

void request_reader::parser_impl::on_request_impl(http::verb, beast::string_view method, beast::string_view target, int version,
                                                  beast::error_code&) {
  request& r = *owner_.out_;
  r.method.assign(method.data(), method.size());
  r.target.assign(target.data(), target.size());
  owner_.version_ = static_cast<unsigned>(version);
}

void request_reader::parser_impl::on_field_impl(http::field, beast::string_view name, beast::string_view value, beast::error_code&) {
  request& r = *owner_.out_;
  if (owner_.fields_ == r.headers.size()) r.headers.emplace_back();
  auto& [n, v] = r.headers[owner_.fields_++];
  n.assign(name.data(), name.size());
  for (char& c : n) c = ascii_lower(c);
  v.assign(value.data(), value.size());
}

void request_reader::parser_impl::on_header_impl(beast::error_code&) {
  request& r = *owner_.out_;
  r.headers.resize(owner_.fields_);
  const std::string_view target = r.target;
  const auto q = target.find('?');
  r.path.assign(target.substr(0, q));
  if (q != std::string_view::npos) r.query.assign(target.substr(q + 1));
  r.keep_alive = keep_alive();
  const std::string_view given = r.header("x-request-id");
  if (valid_request_id(given)) r.request_id.assign(given);
  owner_.expects_continue_ = iequals(r.header("expect"), "100-continue");
  owner_.upgrade_ = owner_.version_ >= 11 && r.method == "GET" && http::token_list(r.header("connection")).exists("upgrade") &&
                    http::token_list(r.header("upgrade")).exists("websocket");
}

void request_reader::parser_impl::on_body_init_impl(const boost::optional<std::uint64_t>& length, beast::error_code&) {
  // Already checked against body_limit by the parser.
  if (length) owner_.out_->body.reserve(static_cast<std::size_t>(*length));
}

std::size_t request_reader::parser_impl::on_body_impl(beast::string_view data, beast::error_code&) {
  owner_.out_->body.append(data.data(), data.size());
  return data.size();
}

std::size_t request_reader::parser_impl::on_chunk_body_impl(std::uint64_t, beast::string_view data, beast::error_code&) {
  owner_.out_->body.append(data.data(), data.size());
  return data.size();
}

void request_reader::parser_impl::on_finish_impl(beast::error_code&) {}

void write_response_head(std::string& out, const response& res, std::string_view request_id, bool keep_alive) {
  out.clear();
  std::array<char, 24> digits{};
  const auto status = static_cast<http::status>(res.status);
  out.append("HTTP/1.1 ");
  out.append(digits.data(), std::to_chars(digits.data(), digits.data() + digits.size(), res.status).ptr);
  out.push_back(' ');
  out.append(view(http::obsolete_reason(status)));
  out.append("\r\nContent-Type: ").append(res.content_type);
  for (const auto& [name, value] : res.headers) out.append("\r\n").append(name).append(": ").append(value);
  out.append("\r\nX-Request-Id: ").append(request_id);
  const bool bodiless = (res.status >= 100 && res.status < 200) || res.status == 204 || res.status == 304;
  if (!bodiless) {
    out.append("\r\nContent-Length: ");
    out.append(digits.data(), std::to_chars(digits.data(), digits.data() + digits.size(), res.body.size()).ptr);
  }
  if (!keep_alive) out.append("\r\nConnection: close");
  out.append("\r\n\r\n");
}

}  // namespace metronome::net::detail
