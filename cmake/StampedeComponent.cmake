# stampede_add_component(NAME [DEPS targets...])
#
# Turns the current source directory into the static library `stampede_<NAME>`:
#   *.cpp                       -> the library (except the suffixes below)
#   *_test.cpp                  -> one GoogleTest binary `<NAME>_test`, registered with ctest
#                                  under the label `unit`
#   *_bench.cpp                 -> one Google Benchmark binary `<NAME>_bench`
# Includes start from src/ (`#include "metrics/histogram.hpp"`).
# Every unit test binary, so a sanitizer build can build just those: `--target unit_tests`.
if(NOT TARGET unit_tests)
  add_custom_target(unit_tests)
endif()

function(stampede_add_component name)
  cmake_parse_arguments(ARG "" "" "DEPS;TEST_DEPS" ${ARGN})
  file(GLOB all_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp
       ${CMAKE_CURRENT_SOURCE_DIR}/detail/*.cpp)
  set(lib_sources "")
  set(test_sources "")
  set(bench_sources "")
  foreach(src IN LISTS all_sources)
    if(src MATCHES "_test\\.cpp$")
      list(APPEND test_sources ${src})
    elseif(src MATCHES "/main\\.cpp$")
      # a component's main.cpp belongs to an executable, never to the library
    elseif(src MATCHES "_bench\\.cpp$")
      list(APPEND bench_sources ${src})
    else()
      list(APPEND lib_sources ${src})
    endif()
  endforeach()

  set(target stampede_${name})
  if(lib_sources)
    add_library(${target} STATIC ${lib_sources})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${target} PUBLIC ${ARG_DEPS})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${target} INTERFACE ${ARG_DEPS})
  endif()

  if(STAMPEDE_BUILD_TESTS AND test_sources)
    add_executable(${name}_test ${test_sources})
    target_link_libraries(${name}_test PRIVATE ${target} ${ARG_TEST_DEPS} GTest::gtest GTest::gmock
                                               GTest::gtest_main)
    add_dependencies(unit_tests ${name}_test)
    add_test(NAME unit.${name} COMMAND ${name}_test)
    set_tests_properties(unit.${name} PROPERTIES LABELS unit TIMEOUT 300)
  endif()

  if(STAMPEDE_BUILD_BENCH AND bench_sources)
    add_executable(${name}_bench ${bench_sources})
    target_link_libraries(${name}_bench PRIVATE ${target} benchmark::benchmark
                                                benchmark::benchmark_main)
  endif()
endfunction()
