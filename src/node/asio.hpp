// Private to the node: the Boost.Asio headers the node uses, in one place.
//
// GCC 12 reports -Wnull-dereference inside Asio's scheduler when it inlines
// it into our code (a false positive, as in src/p2p/asio.hpp).
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#pragma GCC diagnostic pop
