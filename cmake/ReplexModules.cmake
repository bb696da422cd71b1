# The module list (src/modules.txt) as CMake sees it, and replex_module(),
# which builds one module's library linked to exactly the modules the list
# allows it. The include check (tests/unit/modules/) reads the same file.
set(REPLEX_MODULES_FILE "${PROJECT_SOURCE_DIR}/src/modules.txt")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${REPLEX_MODULES_FILE}")
file(STRINGS "${REPLEX_MODULES_FILE}" _replex_module_lines REGEX "^module ")
set(REPLEX_ALL_MODULES)
foreach(line ${_replex_module_lines})
  string(REGEX REPLACE "[ \t]+" ";" fields "${line}")
  list(POP_FRONT fields _keyword _name)
  list(APPEND REPLEX_ALL_MODULES ${_name})
  set(REPLEX_MODULE_DEPS_${_name} ${fields})
endforeach()

# replex_module(<name> [SOURCES <files...>] [PUBLIC_LIBS <targets...>] [PRIVATE_LIBS <targets...>])
# Without SOURCES the module is header-only (an INTERFACE library).
function(replex_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  if(NOT DEFINED REPLEX_MODULE_DEPS_${name} AND NOT name IN_LIST REPLEX_ALL_MODULES)
    message(FATAL_ERROR "module '${name}' is not listed in ${REPLEX_MODULES_FILE}")
  endif()
  set(deps)
  foreach(dep ${REPLEX_MODULE_DEPS_${name}})
    if(NOT TARGET replex_${dep})
      message(FATAL_ERROR "module '${name}' needs '${dep}': add it to REPLEX_MODULES")
    endif()
    list(APPEND deps replex_${dep})
  endforeach()
  if(ARG_SOURCES)
    add_library(replex_${name} STATIC ${ARG_SOURCES})
    target_include_directories(replex_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(replex_${name} PUBLIC ${deps} ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
    replex_set_warnings(replex_${name})
    # Unity batches of 8 files: Beast, gRPC and JSON headers and their
    # instantiations are compiled once per batch, not once per file. A name in
    # a file's anonymous namespace must therefore be unique within its module.
    set_target_properties(replex_${name} PROPERTIES UNITY_BUILD ${REPLEX_UNITY_BUILD} UNITY_BUILD_BATCH_SIZE 8)
  else()
    add_library(replex_${name} INTERFACE)
    target_include_directories(replex_${name} INTERFACE ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(replex_${name} INTERFACE ${deps} ${ARG_PUBLIC_LIBS})
  endif()
endfunction()
