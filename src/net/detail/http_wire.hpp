// HTTP/1.1 on the wire, as the server speaks it: requests parsed from bytes
// straight into a net::request, and the head written before a response body.
// The session (http_session.cpp) and the request fuzzer
// (tests/fuzz/fuzz_http_request.cpp) both call these: one conversion, fuzzed
// as it runs.
//
// Allocation: request_reader writes into a request the caller keeps across
// keep-alive requests; strings are assigned in place, so once their capacity
// fits, parsing a request allocates nothing (Beast's basic_parser needs no
// heap when the input is one contiguous buffer, as a flat_buffer is).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/basic_parser.hpp>

#include "metronome/net/http.hpp"

namespace metronome::net::detail {

/// One request at a time: start(), then feed() until done() or failed().
class request_reader {
 public:
  request_reader(std::size_t header_limit, std::size_t body_limit) noexcept : header_limit_(header_limit), body_limit_(body_limit) {}

  /// Begins the next request into `out`, clearing it but keeping the
  /// capacity of its strings and header list. `out` must outlive the request.
  void start(request& out);

  /// Parses from `bytes`; returns how many were used (the rest belongs to
  /// later reads or to the next pipelined request).
  std::size_t feed(std::string_view bytes);

  bool done() const noexcept { return parser_ && parser_->is_done(); }
  bool header_done() const noexcept { return parser_ && parser_->is_header_done(); }
  /// The parser rejected the input; error_reply() says what to answer.
  bool failed() const noexcept { return failure_.has_value(); }
  /// Whether any byte of the current request has been parsed.
  bool got_some() const noexcept { return parser_ && parser_->got_some(); }

  /// After header_done(): the client waits for "100 Continue" before its body.
  bool expects_continue() const noexcept { return expects_continue_; }
  /// After header_done(): a WebSocket upgrade (Connection: upgrade, Upgrade: websocket, GET).
  bool websocket_upgrade() const noexcept { return upgrade_; }
  /// After header_done(): HTTP/1.x minor version (0 or 1).
  unsigned version() const noexcept { return version_; }

  /// For failed(): the response sent before closing (413 body too large,
  /// 431 header too large, 400 malformed), or nullopt when the connection
  /// should just close (never for a parse failure, so always set today).
  std::optional<response> error_reply() const;

 private:
  std::size_t header_limit_;
  std::size_t body_limit_;
  request* out_ = nullptr;
  std::size_t fields_ = 0;  ///< Header fields of the current request so far.
  bool expects_continue_ = false;
  bool upgrade_ = false;
  unsigned version_ = 11;
  std::optional<boost::beast::error_code> failure_;

 public:
  /// Beast's parser, calling back into the reader. Public only so that
  /// std::optional can build it.
  class parser_impl final : public boost::beast::http::basic_parser<true> {
   public:
    explicit parser_impl(request_reader& owner) noexcept : owner_(owner) {}

   private:
    void on_request_impl(boost::beast::http::verb, boost::beast::string_view method, boost::beast::string_view target, int version,
                         boost::beast::error_code&) override;
    void on_response_impl(int, boost::beast::string_view, int, boost::beast::error_code&) override {}
    void on_field_impl(boost::beast::http::field f, boost::beast::string_view name, boost::beast::string_view value,
                       boost::beast::error_code&) override;
    void on_header_impl(boost::beast::error_code&) override;
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, boost::beast::error_code&) override;
    std::size_t on_body_impl(boost::beast::string_view data, boost::beast::error_code&) override;
    void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, boost::beast::error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view data, boost::beast::error_code&) override;
    void on_finish_impl(boost::beast::error_code&) override;

    request_reader& owner_;
  };

 private:
  // Re-emplaced per request (a basic_parser cannot be reset); it lives in
  // place, so that costs no heap.
  std::optional<parser_impl> parser_;
};

/// Writes the status line and header of `res` into `out` (cleared first, its
/// capacity reused): Content-Type, the extra headers, X-Request-Id,
/// Content-Length (not for 1xx, 204 and 304), and "Connection: close" unless
/// keep_alive. The body follows it on the wire, unchanged.
void write_response_head(std::string& out, const response& res, std::string_view request_id, bool keep_alive);

}  // namespace metronome::net::detail
