/* cidata: find the appliance's NoCloud seed and read its three files.
 *
 * Scans every block device for an ISO 9660 or FAT filesystem labelled
 * cidata/CIDATA (devices appear while drivers probe, so it polls for a
 * bounded time), mounts it read-only, copies meta-data, user-data and
 * network-config into the caller's struct seed, and unmounts it again.
 */
#ifndef CASTELLAN_CIDATA_H
#define CASTELLAN_CIDATA_H

#include <stddef.h>

#include "err.h"
#include "log.h"
#include "seedlabel.h"

#define SEED_USER_DATA_MAX (1024 * 1024)
#define SEED_SMALL_MAX (64 * 1024)

struct seed {
	char dev[64];			/* /dev/sr1, /dev/vda, ... */
	enum seed_fs fs;
	char user_data[SEED_USER_DATA_MAX];
	size_t user_data_len;
	char meta_data[SEED_SMALL_MAX];
	size_t meta_data_len;
	char network_config[SEED_SMALL_MAX];
	size_t network_config_len;
	int has_network_config;
};

/* Waits up to timeout_ms for a seed device, then reads it into s (the
 * caller allocates it: it is over 1 MiB). mountpoint must be on a tmpfs.
 * Returns 0, or -1 with one sentence in e. */
int cidata_load(struct log *log, struct seed *s, const char *mountpoint,
		int timeout_ms, struct err *e);

#endif
