/* unseal: open the sealed Machine Identity with the image's age key.
 *
 * Shared by the appliance (stage unseal) and castellan check. The key file
 * and every intermediate (armor decoded, plaintext) live in the arena;
 * the result is a struct sealed whose strings point into the arena.
 */
#ifndef CASTELLAN_UNSEAL_H
#define CASTELLAN_UNSEAL_H

#include <stddef.h>

#include "age.h"
#include "arena.h"
#include "err.h"
#include "sealed.h"

#define UNSEAL_IMAGE_KEY "/etc/castellan/identity.key"
#define UNSEAL_DEMO_MARK "/etc/castellan/demo-key"
#define UNSEAL_SMBIOS_UUID "/sys/class/dmi/id/product_uuid"

/* Reads an age identity file into the arena; returns it, or NULL with e. */
struct age_identity *unseal_load_key(struct arena *a, const char *path, struct err *e);

/* Opens armored (the castellan.identity text) into s. */
int unseal_open(struct arena *a, const struct age_identity *key, const char *armored,
		size_t len, struct sealed *s, struct err *e);

#endif
