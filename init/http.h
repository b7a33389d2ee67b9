/* http: one HTTPS peer over libcurl (BearSSL backend, HTTP/1.1 only).
 *
 * A struct http holds one curl handle, so connections and TLS sessions
 * are reused across requests to the same peer. TLS is always verified:
 * against a PEM CA given by the caller, or the CA bundle file. A peer
 * reached by IP address is given a name to verify (BearSSL cannot match IP
 * addresses in certificates) and connected through CURLOPT_RESOLVE.
 *
 * The caller owns the response buffer (put it in the arena when the body
 * can hold secrets). One request is one attempt: retrying is the caller's
 * policy (see retry.h). Effects only; no parsing of bodies here.
 */
#ifndef CASTELLAN_HTTP_H
#define CASTELLAN_HTTP_H

#include <stddef.h>

#include "err.h"

#define HTTP_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

struct tlspin;

struct http_config {
	const char *base_url;		/* "https://host:port", no trailing slash */
	const char *ca_pem;		/* PEM text, or NULL for HTTP_CA_BUNDLE */
	const char *resolve;		/* "host:port:address", or NULL */
	long connect_timeout_ms;
	long timeout_ms;		/* one whole request */
	struct tlspin *pin;		/* extra certificate checks (tlspin.h), or NULL */
	int skip_name;			/* 1: a pinned key, not the host name, is the identity */
};

struct http {
	void *curl;			/* CURL *, opaque to callers */
	struct http_config cfg;
	void *resolve_list;		/* struct curl_slist * */
};

struct http_response {
	long status;			/* 0 when no HTTP answer came */
	unsigned char *body;		/* caller's buffer */
	size_t cap, len;		/* body is NUL-terminated when len < cap */
	int truncated;			/* the body did not fit */
	long retry_after;		/* seconds, or -1 */
	long ratelimit_remaining;	/* or -1 */
	char reason[256];		/* the status line's reason phrase */
	char transport[512];		/* curl's reason when status is 0 */
};

int http_open(struct http *h, const struct http_config *cfg, struct err *e);
void http_close(struct http *h);

/* Percent-encodes s for a query value or a path segment (RFC 3986
 * unreserved characters pass). 0, or -1 when it does not fit. Pure. */
int http_escape(char *out, size_t cap, const char *s);

#define HTTP_LOCAL_ERROR (-2)

/* method "GET", "POST", ...; path includes the query; headers is a
 * NULL-terminated list of "Name: value" lines (may be NULL); a JSON body is
 * sent with Content-Type: application/json and its exact length. Returns 0
 * when an HTTP answer came (any status), -1 on a transport failure, or
 * HTTP_LOCAL_ERROR for a request that cannot be sent at all (retrying
 * cannot help), with r->transport saying why. */
int http_request(struct http *h, const char *method, const char *path,
		 const char *const *headers, const char *json, size_t json_len,
		 struct http_response *r);

/* POST of one file as multipart/form-data, the way Proxmox's upload wants
 * it: the plain field "content" first, then the file part named
 * "filename" carrying filename. Same returns as http_request. */
int http_upload(struct http *h, const char *path, const char *const *headers,
		const char *content, const char *filename, const unsigned char *data,
		size_t len, struct http_response *r);

#endif
