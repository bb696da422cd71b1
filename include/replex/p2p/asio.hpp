// The Boost.Asio headers of the node's network code (p2p, and the node and
// API servers built on it), included in one place.
//
// GCC 12 reports -Wnull-dereference inside Asio's scheduler when it inlines
// it into our code (a false positive: the thread-info pointer is checked one
// line before). The pragma covers only Asio's own source locations.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#pragma GCC diagnostic pop
