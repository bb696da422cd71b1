// Private to api: the Boost.Beast and Asio headers the gateway uses, in one
// place, included before any other Boost header of a file. GCC 12's false
// -Wnull-dereference inside Asio's scheduler is silenced for Boost's own
// source locations only, as in replex/p2p/asio.hpp.
#pragma once

#include "replex/p2p/asio.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#pragma GCC diagnostic pop
