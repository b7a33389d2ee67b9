#include "retry.h"

enum retry_class retry_classify(int transport_failed, long status, long retry_after,
				long ratelimit_remaining)
{
	if (transport_failed)
		return RETRY_TRANSPORT;
	/* x-ratelimit-remaining: 0 also rides on the last request that was
	 * allowed: a 2xx or 4xx answer is final whatever its headers say. */
	if (status == 429 || (status >= 500 && (retry_after >= 0 || ratelimit_remaining == 0)))
		return RETRY_RATE_LIMITED;
	if (status >= 500)
		return RETRY_SERVER;
	return RETRY_NO;
}

long retry_delay_ms(const struct retry_policy *p, int attempt, long retry_after_s,
		    unsigned rnd)
{
	long d = p->base_ms;
	long server = retry_after_s > 0 ? retry_after_s * 1000 : 0;

	while (attempt-- > 0 && d < p->cap_ms)
		d *= 2;
	if (d > p->cap_ms)
		d = p->cap_ms;
	d = d / 2 + (long)(rnd % (unsigned long)(d / 2 + 1));
	return server > d ? server : d;
}

const char *retry_class_name(enum retry_class c)
{
	switch (c) {
	case RETRY_TRANSPORT:
		return "connection failed";
	case RETRY_SERVER:
		return "server error";
	case RETRY_RATE_LIMITED:
		return "rate limited";
	default:
		return "answered";
	}
}
