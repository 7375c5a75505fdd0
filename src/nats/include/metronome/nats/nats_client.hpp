// What every NATS user here shares (the events publisher, the world's shard
// processes): a natsStatus as the project's error, and the options of a
// connection that, once made, reconnects without end. The callers keep their
// own subjects, subscriptions and what they do while the server is away.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "metronome/core/error.hpp"
#include "metronome/core/result.hpp"

namespace metronome::nats {

/// "nats: WHAT: STATUS (the client's last error) [JetStream error N]", as
/// errc::timeout for NATS_TIMEOUT and errc::unavailable for anything else.
/// `js_code` 0: no JetStream error.
error failure(natsStatus s, std::string_view what, int js_code = 0);

using options_ptr = std::unique_ptr<natsOptions, decltype(&natsOptions_Destroy)>;

/// Options for `url`: connect and request timeout `timeout`; after the first
/// connection, reconnect forever, 200 ms apart. errc::unavailable (from the
/// client) when an option is refused.
result<options_ptr> reconnecting_options(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace metronome::nats
