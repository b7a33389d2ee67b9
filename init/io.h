/* io: small, careful file I/O shared by every effectful module.
 *
 * Every call retries on EINTR and reports failure with errno intact, so the
 * caller can name the file and strerror(errno) in its one-line error.
 */
#ifndef CASTELLAN_IO_H
#define CASTELLAN_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all of buf to fd. Returns 0, or -1 with errno set. */
int io_write_all(int fd, const void *buf, size_t len);

/* Reads the whole file at path into buf (at most cap - 1 bytes) and
 * NUL-terminates it. Returns the length, or -1 with errno set; EFBIG when
 * the file does not fit. */
ssize_t io_read_file(const char *path, char *buf, size_t cap);

/* The same for an open descriptor (e.g. stdin); does not close it. */
ssize_t io_read_fd(int fd, char *buf, size_t cap);

/* Creates or truncates path with the given mode and writes buf to it.
 * Returns 0, or -1 with errno set. */
int io_write_file(const char *path, const void *buf, size_t len, unsigned mode);

/* Fills buf from the kernel's CSPRNG (getrandom, blocking until it is
 * seeded). Returns 0, or -1 with errno set. */
int io_random(void *buf, size_t n);

#endif
