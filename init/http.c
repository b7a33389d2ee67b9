#include "http.h"
#include "tlspin.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct http_response *r = ud;
	size_t len = size * n, room = r->cap > r->len ? r->cap - r->len - 1 : 0;

	if (r->cap == 0)
		return 0;	/* no buffer: abort the transfer */
	if (len > room) {
		r->truncated = 1;
		len = room;
	}
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = '\0';
	return size * n;	/* keep reading; truncation is reported, not fatal */
}

/* Only the two headers the retry policy reads. */
static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
	struct http_response *r = ud;
	size_t len = size * n;
	char buf[512];

	if (len >= sizeof buf)
		return len;
	memcpy(buf, line, len);
	buf[len] = '\0';
	/* Proxmox puts its error text in the reason phrase: "HTTP/1.1 500 msg". */
	if (strncmp(buf, "HTTP/", 5) == 0) {
		char *sp = strchr(buf, ' ');
		sp = sp ? strchr(sp + 1, ' ') : NULL;
		snprintf(r->reason, sizeof r->reason, "%.*s", sp ? (int)strcspn(sp + 1, "\r\n") : 0,
			 sp ? sp + 1 : "");
	} else if (strncasecmp(buf, "retry-after:", 12) == 0)
		r->retry_after = strtol(buf + 12, NULL, 10);
	else if (strncasecmp(buf, "x-ratelimit-remaining:", 22) == 0)
		r->ratelimit_remaining = strtol(buf + 22, NULL, 10);
	return len;
}

int http_escape(char *out, size_t cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
		if (o + 4 > cap)
			return -1;
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

static CURLcode on_ssl_ctx(CURL *c, void *ssl_ctx, void *pin)
{
	return tlspin_install(c, ssl_ctx, pin) == 0 ? CURLE_OK : CURLE_SSL_CONNECT_ERROR;
}

int http_open(struct http *h, const struct http_config *cfg, struct err *e)
{
	CURL *c = curl_easy_init();

	memset(h, 0, sizeof *h);
	if (!c)
		return err_set(e, "%s: cannot start an HTTP client", cfg->base_url);
	h->curl = c;
	h->cfg = *cfg;
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	/* BearSSL cannot match an IP address to a certificate; a peer reached by
	 * IP is trusted through its pinned key instead (never without one). */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, cfg->skip_name && cfg->pin ? 0L : 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "castellan");
	if (cfg->ca_pem) {
		struct curl_blob blob = { (void *)cfg->ca_pem, strlen(cfg->ca_pem), CURL_BLOB_COPY };
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	} else {
		curl_easy_setopt(c, CURLOPT_CAINFO, HTTP_CA_BUNDLE);
	}
	if (cfg->pin) {
		curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, cfg->pin);
	}
	if (cfg->resolve) {
		h->resolve_list = curl_slist_append(NULL, cfg->resolve);
		if (!h->resolve_list) {
			http_close(h);
			return err_set(e, "%s: out of memory", cfg->base_url);
		}
		curl_easy_setopt(c, CURLOPT_RESOLVE, (struct curl_slist *)h->resolve_list);
	}
	return 0;
}

void http_close(struct http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	if (h->resolve_list)
		curl_slist_free_all(h->resolve_list);
	h->curl = NULL;
	h->resolve_list = NULL;
}

static struct curl_slist *header_list(const char *const *headers, int json)
{
	struct curl_slist *l = NULL, *t;

	/* curl would add "Expect: 100-continue" to larger bodies: one more
	 * round trip for nothing. */
	l = curl_slist_append(l, "Expect:");
	if (l && json && (t = curl_slist_append(l, "Content-Type: application/json")))
		l = t;
	for (; l && headers && *headers; headers++)
		if ((t = curl_slist_append(l, *headers)))
			l = t;
	return l;
}

static void response_reset(struct http_response *r)
{
	r->status = 0;
	r->len = 0;
	r->truncated = 0;
	r->retry_after = -1;
	r->ratelimit_remaining = -1;
	r->transport[0] = '\0';
	r->reason[0] = '\0';
	if (r->cap)
		r->body[0] = '\0';
}

/* Runs the prepared transfer and fills r; the options it set are undone. */
static int perform(struct http *h, struct curl_slist *hl, struct http_response *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = h->curl;
	CURLcode rc;

	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK) {
		if (!h->cfg.pin || !tlspin_explain(h->cfg.pin, h->cfg.base_url, r->transport,
						   sizeof r->transport))
			snprintf(r->transport, sizeof r->transport, "%s",
				 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	return 0;
}

static int set_url(struct http *h, const char *path, struct http_response *r)
{
	char url[1024];

	if (snprintf(url, sizeof url, "%s%s", h->cfg.base_url, path) >= (int)sizeof url) {
		snprintf(r->transport, sizeof r->transport, "the URL is too long");
		return HTTP_LOCAL_ERROR;
	}
	curl_easy_setopt(h->curl, CURLOPT_URL, url);	/* curl copies it */
	return 0;
}

int http_upload(struct http *h, const char *path, const char *const *headers,
		const char *content, const char *filename, const unsigned char *data,
		size_t len, struct http_response *r)
{
	curl_mime *mime;
	curl_mimepart *part;
	int rc;

	response_reset(r);
	if ((rc = set_url(h, path, r)) != 0)
		return rc;
	mime = curl_mime_init(h->curl);
	if (!mime || !(part = curl_mime_addpart(mime)) || curl_mime_name(part, "content") ||
	    curl_mime_data(part, content, CURL_ZERO_TERMINATED) ||
	    !(part = curl_mime_addpart(mime)) || curl_mime_name(part, "filename") ||
	    curl_mime_filename(part, filename) ||
	    curl_mime_type(part, "application/octet-stream") ||
	    curl_mime_data(part, (const char *)data, len)) {
		curl_mime_free(mime);
		snprintf(r->transport, sizeof r->transport, "out of memory building the upload");
		return HTTP_LOCAL_ERROR;
	}
	curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(h->curl, CURLOPT_MIMEPOST, mime);
	rc = perform(h, header_list(headers, 0), r);
	curl_mime_free(mime);
	return rc;
}

int http_request(struct http *h, const char *method, const char *path,
		 const char *const *headers, const char *json, size_t json_len,
		 struct http_response *r)
{
	CURL *c = h->curl;
	int rc;

	response_reset(r);
	if ((rc = set_url(h, path, r)) != 0)
		return rc;
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_HTTPGET, json ? 0L : 1L);
	if (json) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)json_len);
	}
	return perform(h, header_list(headers, json != NULL), r);
}
