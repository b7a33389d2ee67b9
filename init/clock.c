#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static int read_rtc(struct rtc_time *rt, struct err *e)
{
	int fd = open("/dev/rtc0", O_RDONLY | O_CLOEXEC), rc, saved;

	if (fd < 0)
		return err_set(e, "opening /dev/rtc0: %s", strerror(errno));
	rc = ioctl(fd, RTC_RD_TIME, rt);
	saved = errno;
	close(fd);
	if (rc < 0)
		return err_set(e, "reading /dev/rtc0: %s", strerror(saved));
	return 0;
}

static void log_now(struct log *log, const char *source)
{
	char when[32];
	struct tm tm;
	time_t t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (tm.tm_year + 1900 < CLOCK_SANE_YEAR)
		log_warn(log, "clock", "%s (%s) is before %d: TLS certificates will not verify",
			 when, source, CLOCK_SANE_YEAR);
	else
		log_info(log, "clock", "%s (%s)", when, source);
}

int clock_from_rtc(struct log *log, struct err *e)
{
	struct rtc_time rt;
	struct tm tm;
	struct timespec ts = { 0, 0 };

	if (read_rtc(&rt, e) < 0) {
		/* Keep going on the kernel's idea of the time, but say so. */
		log_warn(log, "clock", "%s", e->msg);
		log_now(log, "kernel clock, no RTC");
		return 0;
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_sec = rt.tm_sec;
	tm.tm_min = rt.tm_min;
	tm.tm_hour = rt.tm_hour;
	tm.tm_mday = rt.tm_mday;
	tm.tm_mon = rt.tm_mon;
	tm.tm_year = rt.tm_year;
	ts.tv_sec = timegm(&tm);
	if (ts.tv_sec == (time_t)-1)
		return err_set(e, "the RTC's time %04d-%02d-%02d is not representable",
			       rt.tm_year + 1900, rt.tm_mon + 1, rt.tm_mday);
	if (clock_settime(CLOCK_REALTIME, &ts) < 0)
		return err_set(e, "setting the clock from the RTC: %s", strerror(errno));
	log_now(log, "from the RTC");
	return 0;
}

long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void clock_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

unsigned clock_jitter(void)
{
	unsigned r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (unsigned)clock_ms() * 2654435761u;
	return r;
}
