// A deliberately small blocking HTTP/1.1 client for tests: one request per
// call on a fresh connection, or several on one keep-alive connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace metronome::test {

struct http_result {
  int status = 0;                              ///< 0 when the connection failed or timed out.
  std::map<std::string, std::string> headers;  ///< Names lower-cased.
  std::string body;
  std::string header(const std::string& name) const;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

class http_connection {
 public:
  http_connection(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  bool connected() const noexcept { return fd_ >= 0; }
  /// Sends raw bytes (for malformed-request tests).
  bool send_raw(const std::string& bytes);
  /// Reads one response (Content-Length or chunked framing).
  http_result read_response();
  http_result request(const std::string& method, const std::string& target, const std::string& body = "", const header_list& headers = {});

 private:
  int fd_ = -1;
  std::string buffer_;
  std::chrono::milliseconds timeout_;
};

/// One request on a fresh connection. Content-Type is application/json when
/// a body is given and no Content-Type header is.
http_result http_call(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = "",
                      const header_list& headers = {});

}  // namespace metronome::test
