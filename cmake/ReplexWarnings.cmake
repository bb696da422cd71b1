# replex_set_warnings(<target>): the warning set every first-party target uses.
# The build is kept free of warnings; CI does not turn them into errors so a new
# compiler's new warning cannot break a release build, but review does.
function(replex_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
    -Wnull-dereference -Wimplicit-fallthrough)
  if(REPLEX_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
option(REPLEX_WERROR "Treat warnings as errors" OFF)
