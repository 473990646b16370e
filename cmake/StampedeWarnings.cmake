# Compiler warnings and the sanitizer switch shared by every target.
add_compile_options(-Wall -Wextra -Wpedantic -Wno-missing-field-initializers)

# Asio's coroutine support wants the define on every translation unit that sees it.
add_compile_definitions(BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_DISABLE_BOOST_COROUTINE)

option(STAMPEDE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(STAMPEDE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
