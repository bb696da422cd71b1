# replex_pkg_config_target(<Target> <pkg-config module> <header>): an IMPORTED
# target for a library that Debian ships with a .pc file but no CMake config.
find_package(PkgConfig REQUIRED)

function(replex_pkg_config_target target module header)
  if(TARGET ${target})
    return()
  endif()
  pkg_check_modules(_${module} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT _${module}_FOUND)
    message(FATAL_ERROR "${module} not found (pkg-config). Run scripts/bootstrap.")
  endif()
  find_path(_${module}_header ${header} HINTS ${_${module}_INCLUDE_DIRS})
  if(NOT _${module}_header)
    message(FATAL_ERROR "${module}: header ${header} not found. Run scripts/bootstrap.")
  endif()
  add_library(${target} ALIAS PkgConfig::_${module})
endfunction()
