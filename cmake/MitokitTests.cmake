# mitokit_gtest_suite(NAME [LINK libs...] [DEFINES defs...] [DEPENDS targets...] [TIMEOUT seconds])
# One GoogleTest executable NAME_tests from the folder's tests/*_test.cpp, its cases
# discovered into ctest under the label NAME. Every suite gets the same paths to the
# reference material and the real mitogen, so a test reads them the same way anywhere.
function(mitokit_gtest_suite name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "LINK;DEFINES;DEPENDS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/tests/*_test.cpp")
  add_executable(${name}_tests ${sources})
  target_link_libraries(${name}_tests PRIVATE ${ARG_LINK} mitokit_warnings GTest::gtest_main)
  target_compile_definitions(${name}_tests PRIVATE
    MITOKIT_SHARED_DIR="${MITOKIT_SHARED_DIR}"
    MITOKIT_PYTHON="${MITOKIT_PYTHON}"
    MITOKIT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    ${ARG_DEFINES})
  if(ARG_DEPENDS)
    add_dependencies(${name}_tests ${ARG_DEPENDS})
  endif()
  set(props LABELS ${name})
  if(ARG_TIMEOUT)
    list(APPEND props TIMEOUT ${ARG_TIMEOUT})
  endif()
  gtest_discover_tests(${name}_tests DISCOVERY_TIMEOUT 60 PROPERTIES ${props})
endfunction()
