#include "boot.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

int boot_signals(struct err *e)
{
	sigset_t all;

	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0)
		return err_set(e, "blocking signals: %s", strerror(errno));
	return 0;
}

static int mount_one(const char *src, const char *dst, const char *type,
		     unsigned long flags, const char *opts, struct err *e)
{
	if (mkdir(dst, 0755) < 0 && errno != EEXIST)
		return err_set(e, "creating %s: %s", dst, strerror(errno));
	if (mount(src, dst, type, flags, opts) < 0 && errno != EBUSY)
		return err_set(e, "mounting %s on %s: %s", type, dst, strerror(errno));
	return 0;
}

/* The kernel opened /dev/console for us from the initramfs node; reopen it
 * from devtmpfs so fds 0-2 are valid even if the initramfs lacked it. */
static int console_fds(struct err *e)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return err_set(e, "opening /dev/console: %s", strerror(errno));
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			return err_set(e, "dup2 of the console to fd %d: %s", i, strerror(errno));
	if (fd > 2)
		close(fd);
	return 0;
}

int boot_mount(struct err *e)
{
	const unsigned long nodev = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	umask(022);
	if (mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755", e) < 0 ||
	    console_fds(e) < 0 ||
	    mount_one("proc", "/proc", "proc", nodev, "hidepid=2", e) < 0 ||
	    mount_one("sysfs", "/sys", "sysfs", nodev, NULL, e) < 0 ||
	    mount_one("tmpfs", "/run", "tmpfs", nodev, "mode=0755,size=64m", e) < 0 ||
	    mount_one("tmpfs", "/tmp", "tmpfs", nodev, "mode=1777,size=16m", e) < 0)
		return -1;
	return 0;
}

/* /proc/swaps has a header line and one line per active swap area. */
static int swap_in_use(void)
{
	char buf[4096];
	ssize_t n = io_read_file("/proc/swaps", buf, sizeof buf);
	char *nl;

	if (n < 0)
		return 0;
	nl = strchr(buf, '\n');
	return nl && nl[1] != '\0';
}

int boot_harden(struct log *log, struct err *e)
{
	struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_set(e, "prctl(PR_SET_DUMPABLE, 0): %s", strerror(errno));
	if (setrlimit(RLIMIT_CORE, &none) < 0)
		return err_set(e, "setrlimit(RLIMIT_CORE, 0): %s", strerror(errno));
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		return err_set(e, "mlockall: %s", strerror(errno));
	if (swap_in_use())
		return err_set(e, "a swap area is active; secrets could reach a disk");
	log_info(log, "boot", "memory locked, no swap, not dumpable");
	return 0;
}

int boot_entropy(struct log *log, struct err *e)
{
	unsigned char b;
	ssize_t n;

	n = getrandom(&b, 1, GRND_NONBLOCK);
	if (n == 1)
		return 0;
	if (errno != EAGAIN && errno != EINTR)
		return err_set(e, "getrandom: %s", strerror(errno));
	log_info(log, "boot", "waiting for the kernel's random pool");
	do
		n = getrandom(&b, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return err_set(e, "getrandom: %s", strerror(errno));
	log_info(log, "boot", "random pool ready");
	return 0;
}
