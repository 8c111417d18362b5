// tests/fuzz/buffered_reader_fuzz.cpp: weft::stream::buffered_reader over a scripted source
// whose reads are short by any amount, sometimes pending first (woken at once), sometimes
// failing once, with a buffer of 1-64 bytes; the fuzzer picks a sequence of read,
// read_until, read_line and fill_buf/consume calls.
// Oracles: no crash / UB / leak (ASan, UBSan); the bytes the calls hand out, in order, are
// exactly the source's bytes (none lost, none twice, including what read_until/read_line
// appended before an error); read_until/read_line output holds the delimiter only as its
// last byte, and lacks it only at end of stream or on an error; a source error is reported
// by the call that met it; once the source ended, every call returns 0 and appends nothing;
// fill_buf's span is what buffered() says and never larger than the capacity.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "fuzz/fuzz_input.hpp"
#include "weft/core/future.hpp"
#include "weft/core/result.hpp"
#include "weft/stream/buffered_reader.hpp"
#include "weft/task/block_on.hpp"
#include "weft/task/task.hpp"

namespace {

/// The source: hands out `data_` in pieces the script chooses.
class scripted_source {
public:
  scripted_source(std::span<const std::byte> data, weft::fuzz::input& script)
      : data_(data), script_(&script) {}

  struct read_future {
    scripted_source* s;
    std::span<std::byte> out;
    bool waited = false;
    weft::poll<weft::result<std::size_t>> poll(weft::context& cx) {
      // 1 in 4 reads is pending once first; its waker is woken before returning.
      if (!waited && s->script_->below(4) == 0) {
        waited = true;
        cx.waker().wake_by_ref();
        return weft::pending;
      }
      return weft::ready(s->deliver(out));
    }
  };
  read_future read(std::span<std::byte> out) { return read_future{this, out}; }

  [[nodiscard]] std::size_t delivered() const noexcept { return pos_; }
  [[nodiscard]] std::size_t errors() const noexcept { return errors_; }

private:
  weft::result<std::size_t> deliver(std::span<std::byte> out) {
    if (out.empty()) return std::size_t{0};
    // 1 in 16 reads fails (EIO) without handing out anything.
    if (script_->below(16) == 0) {
      ++errors_;
      return weft::make_error(EIO);
    }
    const std::size_t left = data_.size() - pos_;
    const std::size_t most = std::min(out.size(), left);
    const std::size_t n = most == 0 ? 0 : 1 + script_->below(static_cast<std::uint32_t>(most));
    if (n > 0) std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

  std::span<const std::byte> data_;
  weft::fuzz::input* script_;
  std::size_t pos_ = 0;
  std::size_t errors_ = 0;
};

using reader_t = weft::stream::buffered_reader<scripted_source&>;

struct outcome {
  std::vector<std::byte> got;  ///< every byte handed out, in order
  bool ended = false;          ///< a call saw end of stream
};

void append(outcome& o, const std::byte* p, std::size_t n) { o.got.insert(o.got.end(), p, p + n); }

weft::task<void> run(reader_t& r, scripted_source& src, weft::fuzz::input& ops, outcome& o) {
  for (int step = 0; step < 256 && !ops.empty(); ++step) {
    const std::size_t errors_before = src.errors();
    const bool was_ended = o.ended;
    const std::size_t had_bytes = o.got.size();
    switch (ops.below(4)) {
    case 0: {  // read into a buffer of 0-96 bytes
      std::vector<std::byte> buf(ops.below(97));
      auto n = co_await r.read(buf);
      if (!n) {
        FUZZ_CHECK(src.errors() > errors_before);
        break;
      }
      FUZZ_CHECK(*n <= buf.size());
      if (*n == 0 && !buf.empty()) o.ended = true;
      if (o.ended) FUZZ_CHECK(*n == 0);
      append(o, buf.data(), *n);
      break;
    }
    case 1: {  // read_until a delimiter from a small alphabet
      const auto delim = static_cast<std::byte>('a' + ops.below(4));
      std::vector<std::byte> out(ops.below(3), std::byte{'#'});  // appends after what is there
      const std::size_t had = out.size();
      auto n = co_await r.read_until(delim, out);
      const std::size_t added = out.size() - had;
      append(o, out.data() + had, added);
      const auto body = std::span<const std::byte>(out).subspan(had);
      if (added > 0) {
        FUZZ_CHECK(std::find(body.begin(), body.end() - 1, delim) == body.end() - 1);
      }
      if (!n) {
        FUZZ_CHECK(src.errors() > errors_before);
        break;
      }
      FUZZ_CHECK(*n == added);
      if (added == 0) o.ended = true;
      if (added > 0 && body.back() != delim) o.ended = true;  // only at end of stream
      break;
    }
    case 2: {  // read_line
      std::string line;
      auto n = co_await r.read_line(line);
      append(o, reinterpret_cast<const std::byte*>(line.data()), line.size());
      if (!line.empty())
        FUZZ_CHECK(line.find('\n') == std::string::npos || line.find('\n') == line.size() - 1);
      if (!n) {
        FUZZ_CHECK(src.errors() > errors_before);
        break;
      }
      FUZZ_CHECK(*n == line.size());
      if (line.empty() || line.back() != '\n') o.ended = true;
      break;
    }
    default: {  // fill_buf, then consume part of it
      auto s = co_await r.fill_buf();
      if (!s) {
        FUZZ_CHECK(src.errors() > errors_before);
        break;
      }
      FUZZ_CHECK(s->size() <= r.capacity());
      FUZZ_CHECK(s->data() == r.buffered().data() && s->size() == r.buffered().size());
      if (s->empty()) {
        o.ended = true;
        break;
      }
      FUZZ_CHECK(!o.ended);
      const std::size_t k = ops.below(static_cast<std::uint32_t>(s->size()) + 1);
      append(o, s->data(), k);
      r.consume(k);
      break;
    }
    }
    if (was_ended) FUZZ_CHECK(o.got.size() == had_bytes);  // nothing after the end
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Layout: [capacity byte][payload length byte][payload][script...]
  if (size < 2) return 0;
  const std::size_t capacity = 1 + data[0] % 64;
  const std::size_t len = std::min<std::size_t>(data[1], size - 2);
  const auto payload = std::as_bytes(std::span<const std::uint8_t>(data + 2, len));
  weft::fuzz::input script(data + 2 + len, size - 2 - len);

  scripted_source src(payload, script);
  reader_t r(src, capacity);
  outcome o;
  weft::block_on_current_thread(run(r, src, script, o));

  // Whatever was handed out is a prefix of the payload, and all of what the source
  // delivered minus what is still buffered.
  FUZZ_CHECK(o.got.size() <= payload.size());
  FUZZ_CHECK(std::equal(o.got.begin(), o.got.end(), payload.begin()));
  FUZZ_CHECK(o.got.size() + r.buffered().size() == src.delivered());
  if (o.ended) FUZZ_CHECK(src.delivered() == payload.size() && r.buffered().empty());
  return 0;
}
