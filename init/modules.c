#include "modules.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int load_one(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc, saved;

	if (fd < 0)
		return -1;
	rc = (int)syscall(SYS_finit_module, fd, "", 0);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int modules_load(struct log *log, const char *list, struct err *e)
{
	char buf[64 * 1024], *line, *save = NULL;
	int loaded = 0, skipped = 0;

	if (io_read_file(list, buf, sizeof buf) < 0)
		return err_set(e, "reading the module list %s: %s", list, strerror(errno));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (load_one(line) == 0 || errno == EEXIST) {
			loaded++;
		} else if (errno == ENODEV) {
			/* e.g. a CPU-specific crypto module on a CPU without the feature */
			log_warn(log, "boot", "module %s: no matching hardware, skipped", line);
			skipped++;
		} else {
			return err_set(e, "loading kernel module %s: %s", line, strerror(errno));
		}
	}
	log_info(log, "boot", "loaded %d kernel modules%s", loaded,
		 skipped ? " (some skipped)" : "");
	return 0;
}
