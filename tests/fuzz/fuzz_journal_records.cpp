// The log's record scanner on arbitrary bytes: it never reads past them,
// accepts a prefix, and that prefix is exactly what append_record writes for
// the records it reported (so nothing it passes on was made up).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fuzz_check.hpp"
#include "metronome/journal/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace metronome::journal;
  const auto bytes = std::as_bytes(std::span(data, size));
  std::string again;
  std::uint64_t previous = 0;
  bool increasing = true;
  const scan_result r = scan_records(bytes, 0, [&](std::uint64_t seq, std::string_view payload) {
    increasing = increasing && (again.empty() || seq > previous);
    previous = seq;
    append_record(again, seq, payload);
  });
  FUZZ_CHECK(r.valid_bytes <= size, "accepted more bytes than given");
  FUZZ_CHECK(increasing, "sequences passed on out of order");
  FUZZ_CHECK(again.size() == r.valid_bytes, "re-encoded records differ in size from the accepted prefix");
  FUZZ_CHECK(again.compare(0, again.size(), reinterpret_cast<const char*>(data), r.valid_bytes) == 0,
             "re-encoded records differ from the accepted prefix");
  FUZZ_CHECK((r.stop == scan_stop::end) == (r.valid_bytes == size), "stopped early without a reason, or the reverse");
  return 0;
}
