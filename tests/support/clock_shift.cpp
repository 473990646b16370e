// SPDX-License-Identifier: Apache-2.0
// Loaded with LD_PRELOAD into a process under test, it shifts that process's wall clock
// (CLOCK_REALTIME and its coarse variant, gettimeofday, time) by the number of seconds written
// in the file $STAMPEDE_CLOCK_SHIFT_FILE, re-read every 50 ms; the steady clocks are left
// alone. It calls the kernel directly and never allocates, so it works beside any allocator
// (libfaketime does not beside jemalloc).
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>

namespace {

long long shift_ns;
long long next_read_ns;

long long monotonic_ns() {
  struct timespec ts;
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void refresh_shift() {
  const long long now = monotonic_ns();
  if (now < __atomic_load_n(&next_read_ns, __ATOMIC_RELAXED)) {
    return;
  }
  __atomic_store_n(&next_read_ns, now + 50000000LL, __ATOMIC_RELAXED);
  const char* path = std::getenv("STAMPEDE_CLOCK_SHIFT_FILE");
  if (path == nullptr) {
    return;
  }
  const int fd = static_cast<int>(syscall(SYS_open, path, O_RDONLY | O_CLOEXEC));
  if (fd < 0) {
    return;
  }
  char buf[32];
  const long n = syscall(SYS_read, fd, buf, sizeof buf - 1);
  syscall(SYS_close, fd);
  if (n <= 0) {
    return;
  }
  buf[n] = '\0';
  long long seconds = 0;
  int sign = 1;
  const char* p = buf;
  if (*p == '-' || *p == '+') {
    sign = *p == '-' ? -1 : 1;
    ++p;
  }
  while (*p >= '0' && *p <= '9') {
    seconds = seconds * 10 + (*p++ - '0');
  }
  __atomic_store_n(&shift_ns, sign * seconds * 1000000000LL, __ATOMIC_RELAXED);
}

}  // namespace

extern "C" {

int clock_gettime(clockid_t id, struct timespec* ts) noexcept {
  const long rc = syscall(SYS_clock_gettime, id, ts);
  if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
    refresh_shift();
    long long t = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec +
                  __atomic_load_n(&shift_ns, __ATOMIC_RELAXED);
    ts->tv_sec = static_cast<time_t>(t / 1000000000LL);
    ts->tv_nsec = static_cast<long>(t % 1000000000LL);
  }
  return static_cast<int>(rc);
}

int gettimeofday(struct timeval* tv, void* tz) noexcept {
  (void)tz;
  struct timespec ts;
  const int rc = clock_gettime(CLOCK_REALTIME, &ts);
  if (rc == 0) {  // glibc declares tv nonnull
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  return rc;
}

time_t time(time_t* out) noexcept {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (out != nullptr) {
    *out = ts.tv_sec;
  }
  return ts.tv_sec;
}

}  // extern "C"
