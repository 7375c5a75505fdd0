// How the edge reaches regions: one asynchronous request at a time, with the
// failure meanings of net::http_client (unavailable: not delivered; timeout:
// may have acted; internal: a bad answer). An interface so that the edge's
// choice, forwarding and retry logic runs in unit tests against a fake.
#pragma once

#include "metronome/net/http_client.hpp"

namespace metronome::edge {

class upstream {
 public:
  virtual ~upstream() = default;
  /// Sends `req`; `done` runs exactly once, on any thread, and must not block.
  virtual void request(net::client_request req, net::client_callback done) = 0;
};

/// The real thing: requests go out through a net::http_client's pools.
class http_upstream final : public upstream {
 public:
  explicit http_upstream(net::http_client& client) : client_(client) {}
  void request(net::client_request req, net::client_callback done) override { client_.request(std::move(req), std::move(done)); }

 private:
  net::http_client& client_;
};

}  // namespace metronome::edge
