#include "metronome/events/tail.hpp"

#include "metronome/events/event.hpp"
#include "nats_link.hpp"

namespace metronome::events {

result<tail_outcome> tail(const tail_options& options, const std::function<void(std::string_view)>& line,
                          const std::function<bool()>& stop) {
  auto link = detail::nats_link::connect(options.nats_url, options.connect_timeout);
  if (!link) return std::move(link).error();
  // Tailing before anything was published: the stream may not exist yet.
  // Creating it here is what the first publisher would do (same settings).
  if (auto stream = (*link)->ensure_stream(detail::stream_settings{.name = std::string(stream_name)}); !stream) return stream.error();
  if (auto reading = (*link)->start_reading(std::string(stream_name), options.subject, options.from_start); !reading)
    return reading.error();
  const auto started = std::chrono::steady_clock::now();
  tail_outcome out;
  while (!options.count || out.events < *options.count) {
    if (stop && stop()) break;
    auto slice = std::chrono::milliseconds(100);
    if (options.timeout) {
      const auto left =
          *options.timeout - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      if (left <= std::chrono::milliseconds(0)) {
        out.timed_out = true;
        break;
      }
      slice = std::min(slice, left);
    }
    auto msg = (*link)->next(slice);
    if (!msg) return std::move(msg).error();
    if (!*msg) continue;
    line(**msg);
    ++out.events;
  }
  return out;
}

}  // namespace metronome::events
