/* retry: when to try an HTTP request again, and how long to wait first.
 *
 * Pure policy, shared by every API client. Connection failures, 5xx and
 * rate limiting are retried with capped, jittered exponential backoff until
 * a deadline; a server's retry-after is honoured. Rate limiting is
 * 429, or a 5xx with retry-after or x-ratelimit-remaining: 0 (Infisical has
 * answered 500 there, current versions 429). A 2xx is final even when it
 * carries those headers (the last allowed request does), and so are other
 * 4xx: retrying cannot fix credentials or a missing object.
 */
#ifndef CASTELLAN_RETRY_H
#define CASTELLAN_RETRY_H

enum retry_class {
	RETRY_NO,		/* a final answer: success or a 4xx */
	RETRY_TRANSPORT,	/* no HTTP answer at all */
	RETRY_SERVER,		/* 5xx */
	RETRY_RATE_LIMITED,	/* 429, or any status with the rate-limit signs */
};

struct retry_policy {
	long base_ms;		/* first delay */
	long cap_ms;		/* longest delay */
	long deadline_ms;	/* total time allowed for one operation */
};

enum retry_class retry_classify(int transport_failed, long status, long retry_after,
				long ratelimit_remaining);

/* The wait before attempt n+1 (n counts from 0) given a random 32-bit
 * value: a uniform draw in [d/2, d] with d = min(cap, base * 2^n), or the
 * server's retry-after (seconds) when it is longer. */
long retry_delay_ms(const struct retry_policy *p, int attempt, long retry_after_s,
		    unsigned rnd);

const char *retry_class_name(enum retry_class c);

#endif
