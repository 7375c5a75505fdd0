#include "events_command.hpp"

#include <csignal>
#include <cstdio>
#include <optional>

#include "cli_args.hpp"
#include "metronome/events/tail.hpp"

namespace metronome::cli {
namespace {

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_stop_signal(int) { stop_requested = 1; }

/// NATS subject filters: dot-separated non-empty tokens of printable
/// characters without spaces; `*` is a whole token, `>` only the last one.
bool valid_subject_filter(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  std::size_t start = 0;
  for (;;) {
    const auto dot = s.find('.', start);
    const std::string_view token = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (token.empty()) return false;
    for (const char c : token) {
      if (c <= ' ' || c > '~') return false;
    }
    if (token.find_first_of("*>") != std::string_view::npos && token.size() != 1) return false;
    if (token == ">" && dot != std::string_view::npos) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

struct tail_flags {
  std::string nats_url = "nats://127.0.0.1:4222", subject, count, timeout_ms;
  bool from_start = false;
};

int run_tail(const tail_flags& f) {
  events::tail_options o;
  if (auto ok = events::check_nats_url(f.nats_url); !ok) throw usage_error("--nats (NATS_URL): " + ok.error().message);
  o.nats_url = f.nats_url;
  if (!f.subject.empty() && !valid_subject_filter(f.subject)) {
    throw usage_error("--subject: expected a NATS subject such as game.* or game.started or >, got '" + f.subject + "'");
  }
  o.subject = f.subject;
  o.from_start = f.from_start;
  if (!f.count.empty()) o.count = static_cast<std::size_t>(parse_int("--count", f.count, 1, 100'000'000));
  if (!f.timeout_ms.empty()) o.timeout = std::chrono::milliseconds(parse_int("--timeout-ms", f.timeout_ms, 1, 86'400'000));
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  auto outcome = events::tail(
      o,
      [](std::string_view line) {
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
      },
      [] { return stop_requested != 0; });
  if (!outcome) {
    std::fprintf(stderr, "metronome: events tail: %s\n", outcome.error().message.c_str());
    return 1;
  }
  if (o.count && outcome->timed_out) {
    std::fprintf(stderr, "metronome: events tail: %zu of %zu events within --timeout-ms\n", outcome->events, *o.count);
    return 1;
  }
  return 0;
}

}  // namespace

void events_flags::add(CLI::App& cmd) {
  add_env_option(cmd, "--nats", nats_url_, "NATS_URL",
                 "Publish events to this NATS server (nats://HOST:PORT, with JetStream); unset: no events (docs/events.md)");
  add_env_option(cmd, "--events-outbox-max", outbox_max_, "EVENTS_OUTBOX_MAX",
                 "Events kept in the store's outbox while NATS is away; beyond it new events are dropped and counted");
}

void events_flags::apply(store::store_options& options) const {
  if (!nats_url_.empty()) {
    if (auto ok = events::check_nats_url(nats_url_); !ok) throw usage_error("--nats (NATS_URL): " + ok.error().message);
  }
  options.outbox_max_depth = static_cast<std::size_t>(parse_int("--events-outbox-max (EVENTS_OUTBOX_MAX)", outbox_max_, 1, 100'000'000));
}

std::unique_ptr<events::publisher> events_flags::start(store::session_store& store, const store::store_options& options,
                                                       obs::registry& metrics) const {
  if (nats_url_.empty()) return nullptr;
  store::outbox_store* outbox = store.outbox();
  if (outbox == nullptr) throw usage_error("--nats (NATS_URL): the " + std::string(store.kind()) + " store keeps no event outbox");
  return std::make_unique<events::publisher>(events::publisher_config{.nats_url = nats_url_, .outbox_max = options.outbox_max_depth},
                                             *outbox, metrics);
}

void add_events_command(CLI::App& app) {
  auto* events = app.add_subcommand("events", "Events on NATS JetStream (docs/events.md)");
  events->require_subcommand(1);
  auto* tail = events->add_subcommand("tail", "Print events from the JetStream stream, one JSON object per line");
  auto f = std::make_shared<tail_flags>();
  add_env_option(*tail, "--nats", f->nats_url, "NATS_URL", "NATS server (nats://HOST:PORT)");
  tail->add_option("--subject", f->subject, "Only these subjects, e.g. game.* or player.kicked (default: every event)");
  tail->add_flag("--from-start", f->from_start, "From the first event the stream keeps (default: new events only)");
  tail->add_option("--count", f->count, "Stop after this many events (exit 1 if --timeout-ms comes first)");
  tail->add_option("--timeout-ms", f->timeout_ms, "Stop after this long (ms)");
  tail->callback([f] {
    const int code = run_tail(*f);
    if (code != 0) std::exit(code);
  });
}

}  // namespace metronome::cli
