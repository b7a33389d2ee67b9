/* wipe: zeroing that the compiler may not leave out.
 *
 * Every buffer that held a key, a token or a secret value is wiped with
 * this before it goes out of scope or back to an allocator; a plain
 * memset of memory never read again can be optimised away.
 */
#ifndef CASTELLAN_WIPE_H
#define CASTELLAN_WIPE_H

#include <stddef.h>

void wipe(void *p, size_t n);

#endif
