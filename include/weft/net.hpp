// weft/net.hpp: networking on the reactor: socket_address, lookup_host, TCP, UDP and unix
// sockets.
#pragma once

#include "weft/io.hpp"
#include "weft/io/socket_ops.hpp"
#include "weft/net/lookup_host.hpp"
#include "weft/net/pooled_buffer.hpp"
#include "weft/net/socket_address.hpp"
#include "weft/net/tcp_listener.hpp"
#include "weft/net/tcp_stream.hpp"
#include "weft/net/udp_socket.hpp"
#include "weft/net/unix_datagram.hpp"
#include "weft/net/unix_listener.hpp"
#include "weft/net/unix_stream.hpp"
