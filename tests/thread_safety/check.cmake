# The test thread_safety.analysis_is_on (CMakeLists.txt here): cmake -DBUILD_DIR=<build> -P check.cmake
function(build target)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${target}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(ASCII 27 esc)
  string(REGEX REPLACE "${esc}\\[[0-9;]*[mK]" "" out "${out}")  # the compiler's colours
  set(rc ${rc} PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
endfunction()

build(thread_safety_guarded)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "guarded.cc, which keeps the locking contract, does not compile:\n${out}")
endif()

build(thread_safety_unguarded)
if(rc EQUAL 0)
  message(FATAL_ERROR "unguarded.cc compiled: the thread-safety analysis is off (or not an error) for project code")
endif()
foreach(expected
    "reading variable 'count_' requires holding mutex 'c.mu_' [-Werror,-Wthread-safety-analysis]"
    "writing variable 'count_' requires holding mutex 'c.mu_' exclusively [-Werror,-Wthread-safety-analysis]"
    "calling function 'BumpLocked' requires holding mutex 'c.mu_' exclusively [-Werror,-Wthread-safety-analysis]"
    "cannot call function 'Next' while mutex 'c.mu_' is held [-Werror,-Wthread-safety-analysis]")
  string(FIND "${out}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "unguarded.cc failed, but without the error \"${expected}\":\n${out}")
  endif()
endforeach()
message(STATUS "the thread-safety analysis is on: unguarded.cc fails with the four expected errors")
