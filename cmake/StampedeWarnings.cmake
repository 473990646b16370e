# Compiler warnings and the sanitizer switch shared by every target.
add_compile_options(-Wall -Wextra -Wpedantic -Wno-missing-field-initializers)

# Asio's coroutine support wants the define on every translation unit that sees it.
add_compile_definitions(BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_DISABLE_BOOST_COROUTINE)
# A request nests a handful of coroutine frames (iteration, flow, request, exchange); caching
# that many per thread keeps steady-state requests free of malloc. Must be the same everywhere.
add_compile_definitions(BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE=8)

option(STAMPEDE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(STAMPEDE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
