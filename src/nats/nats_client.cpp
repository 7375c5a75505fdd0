#include "metronome/nats/nats_client.hpp"

#include <utility>

namespace metronome::nats {

error failure(natsStatus s, std::string_view what, int js_code) {
  std::string message = "nats: " + std::string(what) + ": " + natsStatus_GetText(s);
  if (const char* detail = nats_GetLastError(nullptr); detail != nullptr && *detail != '\0') message += std::string(" (") + detail + ")";
  if (js_code != 0) message += " [JetStream error " + std::to_string(js_code) + "]";
  return error{s == NATS_TIMEOUT ? errc::timeout : errc::unavailable, std::move(message)};
}

result<options_ptr> reconnecting_options(const std::string& url, std::chrono::milliseconds timeout) {
  natsOptions* raw = nullptr;
  if (const natsStatus s = natsOptions_Create(&raw); s != NATS_OK) return failure(s, "options");
  options_ptr opts(raw, &natsOptions_Destroy);
  natsStatus s = natsOptions_SetURL(raw, url.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(raw, timeout.count());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(raw, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(raw, 200);
  if (s != NATS_OK) return failure(s, "options for '" + url + "'");
  return opts;
}

}  // namespace metronome::nats
