#include "cidata.h"
#include "clock.h"
#include "io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Reads the probe area of /dev/name; 0 and a label when it holds a seed. */
static int probe(const char *name, char *dev, size_t devcap, enum seed_fs *fs)
{
	unsigned char buf[SEEDLABEL_PROBE];
	char label[33];
	size_t len = 0;
	int fd;

	snprintf(dev, devcap, "/dev/%s", name);
	/* A CD-ROM drive without a disc fails here with ENOMEDIUM: not a seed. */
	fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	while (len < sizeof buf) {
		ssize_t n = pread(fd, buf + len, sizeof buf - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*fs = seedlabel_probe(buf, len, label);
	return *fs != SEED_NONE && seedlabel_is_cidata(label) ? 0 : -1;
}

static int scan(char *dev, size_t devcap, enum seed_fs *fs)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *ent;
	int found = -1;

	if (!d)
		return -1;
	while (found < 0 && (ent = readdir(d)) != NULL) {
		if (ent->d_name[0] == '.' || strncmp(ent->d_name, "loop", 4) == 0 ||
		    strncmp(ent->d_name, "ram", 3) == 0)
			continue;
		found = probe(ent->d_name, dev, devcap, fs);
	}
	closedir(d);
	return found;
}

/* A missing optional file is fine; anything else about it is not. */
static int read_one(const char *dir, const char *name, char *buf, size_t cap,
		    size_t *len, int required, struct err *e)
{
	char path[256];
	ssize_t n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	n = io_read_file(path, buf, cap);
	if (n < 0 && errno == ENOENT && !required) {
		*len = 0;
		buf[0] = '\0';
		return 0;
	}
	if (n < 0 && errno == EFBIG)
		return err_set(e, "cidata: %s is larger than %zu bytes", name, cap - 1);
	if (n < 0)
		return err_set(e, "cidata: reading %s: %s", name, strerror(errno));
	*len = (size_t)n;
	return 1;
}

static int read_files(struct seed *s, const char *mnt, struct err *e)
{
	int rc;

	if (read_one(mnt, "user-data", s->user_data, sizeof s->user_data,
		     &s->user_data_len, 1, e) < 0 ||
	    read_one(mnt, "meta-data", s->meta_data, sizeof s->meta_data,
		     &s->meta_data_len, 0, e) < 0)
		return -1;
	rc = read_one(mnt, "network-config", s->network_config, sizeof s->network_config,
		      &s->network_config_len, 0, e);
	if (rc < 0)
		return -1;
	s->has_network_config = rc > 0;
	return 0;
}

int cidata_load(struct log *log, struct seed *s, const char *mnt, int timeout_ms,
		struct err *e)
{
	long deadline = clock_ms() + timeout_ms;
	int rc;

	while (scan(s->dev, sizeof s->dev, &s->fs) < 0) {
		struct timespec pause = { 0, 100 * 1000000L };
		if (clock_ms() >= deadline)
			return err_set(e, "cidata: no block device carries a filesystem labelled "
				       "cidata or CIDATA after %d s; attach the cloud-init drive",
				       timeout_ms / 1000);
		nanosleep(&pause, NULL);
	}
	log_info(log, "cidata", "seed found on %s (%s, label cidata)", s->dev,
		 seedlabel_fstype(s->fs));
	if (mkdir(mnt, 0700) < 0 && errno != EEXIST)
		return err_set(e, "cidata: creating %s: %s", mnt, strerror(errno));
	if (mount(s->dev, mnt, seedlabel_fstype(s->fs),
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return err_set(e, "cidata: mounting %s (%s) read-only on %s: %s", s->dev,
			       seedlabel_fstype(s->fs), mnt, strerror(errno));
	rc = read_files(s, mnt, e);
	if (umount(mnt) < 0)
		log_warn(log, "cidata", "unmounting %s: %s", mnt, strerror(errno));
	else if (rmdir(mnt) < 0)
		log_warn(log, "cidata", "removing %s: %s", mnt, strerror(errno));
	if (rc < 0)
		return -1;
	log_info(log, "cidata", "read user-data (%zu bytes), meta-data (%zu bytes), %s",
		 s->user_data_len, s->meta_data_len,
		 s->has_network_config ? "network-config" : "no network-config (DHCP)");
	return 0;
}
