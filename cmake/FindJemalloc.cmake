# jemalloc, the daemon's allocator: Debian ships only a .pc file.
include(ReplexPkgConfig)
replex_pkg_config_target(Jemalloc::jemalloc jemalloc jemalloc/jemalloc.h)
set(Jemalloc_FOUND TRUE)
