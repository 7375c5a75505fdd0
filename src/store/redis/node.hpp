// A Redis node as the store sees it: an address, a few pipelined
// connections used round-robin, and the bound on what may queue for it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "redis/connection.hpp"

namespace metronome::store::detail::redis {

struct node_settings {
  connection_settings connection;
  std::size_t connections = 2;       ///< Per node, at least 1.
  std::size_t max_in_flight = 4096;  ///< Queued plus in flight, over all of the node's connections.
};

class node {
 public:
  node(std::string host, std::uint16_t port, const node_settings& settings, completion_sink& sink);

  /// Sends `r` on the next connection, or completes it (its callback, not
  /// the sink) with unavailable at once when max_in_flight requests are
  /// already queued for this node.
  void enqueue(request_ptr r, steady::time_point now);

  void tick(steady::time_point now);
  bool busy() const noexcept;
  void collect(std::vector<connection*>& out);
  void fail_all(errc code, const std::string& why);

  const std::string& host() const noexcept { return host_; }
  std::uint16_t port() const noexcept { return port_; }
  const std::string& name() const noexcept { return name_; }  ///< "host:port"

 private:
  std::string host_;
  std::uint16_t port_;
  std::string name_;
  std::size_t max_in_flight_;
  std::vector<std::unique_ptr<connection>> connections_;
  std::size_t next_ = 0;
};

}  // namespace metronome::store::detail::redis
