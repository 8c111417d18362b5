// bench/baselines/asio_echo.cpp: a Boost.Asio C++20-coroutine echo server on one
// io_context run by one thread (Asio's epoll reactor). Built only where Debian's
// libboost-dev is installed. weft_baseline_asio_echo; usage: PROGRAM PORT.
// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "common/listener.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

asio::awaitable<void> echo(tcp::socket s) {
  std::array<char, baseline::buffer_size> buf;
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n =
        co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    co_await asio::async_write(s, asio::buffer(buf.data(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) continue;
    s.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), echo(std::move(s)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int port = baseline::port_from_args(argc, argv);
  baseline::raise_fd_limit();
  asio::io_context io(1);  // concurrency hint 1: one thread, no locking inside the reactor
  tcp::acceptor acceptor(io);
  const tcp::endpoint at(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  acceptor.open(at.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(at);
  acceptor.listen(4096);
  asio::co_spawn(io, listen(acceptor), asio::detached);
  io.run();
}
