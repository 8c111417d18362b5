// weft/fs/detail/checked_op.hpp: checked_op<Op>, a future that is either an operation or an
// error found before submitting it (a misaligned O_DIRECT buffer, a bad argument), so the
// argument checks of fs::file cost no coroutine frame.
#pragma once

#include <optional>
#include <system_error>
#include <utility>

#include "weft/core/future.hpp"

namespace weft::fs::detail {

template <class Op> class checked_op {
public:
  using output = future_output_t<Op>;

  explicit checked_op(Op op) : op_(std::in_place, std::move(op)) {}
  explicit checked_op(std::error_code ec) noexcept : ec_(ec) {}

  ::weft::poll<output> poll(context& cx) {
    if (!op_) return ::weft::poll<output>(std::in_place, ec_);
    return op_->poll(cx);
  }

private:
  std::optional<Op> op_;
  std::error_code ec_;
};

} // namespace weft::fs::detail
