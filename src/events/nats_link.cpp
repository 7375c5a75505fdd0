#include "nats_link.hpp"

#include <nats/nats.h>

#include <array>
#include <utility>

#include "metronome/events/event.hpp"
#include "metronome/nats/nats_client.hpp"

namespace metronome::events::detail {
namespace {

// The stream keeps every subject event.hpp names: one wildcard per prefix.
constexpr std::array<const char*, 3> stream_subjects{"game.>", "region.>", "player.>"};

metronome::error nats_failure(natsStatus s, std::string_view what, jsErrCode js_code = static_cast<jsErrCode>(0)) {
  return nats::failure(s, what, static_cast<int>(js_code));
}

std::int64_t nanos(std::chrono::nanoseconds d) { return static_cast<std::int64_t>(d.count()); }

}  // namespace

struct nats_link::state {
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
  natsSubscription* reader = nullptr;
  std::int64_t wait_ms = 2000;

  ~state() {
    natsSubscription_Destroy(reader);
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
  }
};

nats_link::nats_link(std::unique_ptr<state> s) : s_(std::move(s)) {}
nats_link::~nats_link() = default;

result<std::unique_ptr<nats_link>> nats_link::connect(const std::string& url, std::chrono::milliseconds timeout) {
  // Once connected, reconnect without end: the publisher's backoff decides
  // what to do meanwhile (publishes fail and the events stay in the outbox).
  auto opts = nats::reconnecting_options(url, timeout);
  if (!opts) return std::move(opts).error();
  auto st = std::make_unique<state>();
  st->wait_ms = timeout.count();
  natsStatus s = natsConnection_Connect(&st->connection, opts->get());
  if (s != NATS_OK) return nats_failure(s, "connect to '" + url + "'");
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = timeout.count();
  if (s = natsConnection_JetStream(&st->js, st->connection, &jo); s != NATS_OK) return nats_failure(s, "JetStream context");
  return std::unique_ptr<nats_link>(new nats_link(std::move(st)));
}

result<void> nats_link::ensure_stream(const stream_settings& settings) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, s_->js, settings.name.c_str(), nullptr, &code);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return {};
  }
  if (s != NATS_NOT_FOUND) return nats_failure(s, "look up stream " + settings.name, code);
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = settings.name.c_str();
  std::array<const char*, stream_subjects.size()> subjects = stream_subjects;
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Storage = js_FileStorage;
  cfg.Retention = js_LimitsPolicy;
  cfg.MaxAge = nanos(settings.max_age);
  cfg.MaxMsgs = settings.max_msgs;
  cfg.Duplicates = nanos(settings.duplicate_window);
  s = js_AddStream(&info, s_->js, &cfg, nullptr, &code);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return {};
  }
  // Another process created it first.
  if (code == JSStreamNameExistErr) return {};
  return nats_failure(s, "create stream " + settings.name, code);
}

result<bool> nats_link::publish(const std::string& subject, const std::string& payload, const std::string& msg_id) {
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = msg_id.c_str();
  jsPubAck* ack = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_Publish(&ack, s_->js, subject.c_str(), payload.data(), static_cast<int>(payload.size()), &po, &code);
  if (s != NATS_OK) return nats_failure(s, "publish " + subject, code);
  const bool duplicate = ack != nullptr && ack->Duplicate;
  jsPubAck_Destroy(ack);
  return duplicate;
}

bool nats_link::connected() const { return natsConnection_Status(s_->connection) == NATS_CONN_STATUS_CONNECTED; }

result<void> nats_link::start_reading(const std::string& stream, const std::string& filter, bool from_start) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = from_start ? js_DeliverAll : js_DeliverNew;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_SubscribeSync(&s_->reader, s_->js, filter.empty() ? ">" : filter.c_str(), nullptr, &so, &code);
  if (s != NATS_OK) return nats_failure(s, "read stream " + stream, code);
  return {};
}

result<std::optional<std::string>> nats_link::next(std::chrono::milliseconds wait) {
  natsMsg* msg = nullptr;
  const natsStatus s = natsSubscription_NextMsg(&msg, s_->reader, wait.count());
  if (s == NATS_TIMEOUT) return std::optional<std::string>{};
  if (s != NATS_OK) return nats_failure(s, "read");
  std::string data(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  natsMsg_Destroy(msg);
  return std::optional<std::string>(std::move(data));
}

}  // namespace metronome::events::detail
