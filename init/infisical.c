#include "infisical.h"
#include "clock.h"
#include "ipv4.h"
#include "syntax.h"
#include "wipealloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#define CONNECT_TIMEOUT_MS 10000
#define REQUEST_TIMEOUT_MS 30000
#define DEFAULT_DEADLINE_MS 120000

/* ---- pure helpers ---- */


/* ---- calls ---- */

/* One operation: attempts until a final answer or the deadline. On a
 * final answer returns 0 with c->resp filled (any status). */
static int call(struct infisical *c, const char *method, const char *path,
		const char *json, int auth, const char *op, struct err *e)
{
	const char *headers[2] = { NULL, NULL };
	char *bearer = NULL;
	long start = clock_ms();
	int attempt;

	if (auth) {
		size_t n = strlen(c->token) + 32;
		bearer = arena_alloc(c->arena, n);
		if (!bearer)
			return err_set(e, "the secret arena is full");
		snprintf(bearer, n, "Authorization: Bearer %s", c->token);
		headers[0] = bearer;
	}
	for (attempt = 0;; attempt++) {
		int failed = http_request(&c->http, method, path, headers, json,
					  json ? strlen(json) : 0, &c->resp);
		enum retry_class k;
		long wait, spent;

		if (failed == HTTP_LOCAL_ERROR) {
			err_set(e, "cannot ask Infisical to %s: %s", op, c->resp.transport);
			goto fail;
		}
		k = retry_classify(failed, c->resp.status, c->resp.retry_after,
				   c->resp.ratelimit_remaining);
		if (k == RETRY_NO)
			break;
		wait = retry_delay_ms(&c->retry, attempt, c->resp.retry_after, clock_jitter());
		spent = clock_ms() - start;
		if (spent + wait > c->retry.deadline_ms) {
			err_set(e, "Infisical at %s gave no usable answer within %ld s while trying to "
				"%s (%d attempts; last: %s%s%s)", c->cfg->host.text,
				c->retry.deadline_ms / 1000, op, attempt + 1, retry_class_name(k),
				failed ? ": " : "", failed ? c->resp.transport : "");
			goto fail;
		}
		log_warn(c->log, "infisical", "%s %.*s: %s%s%s%s; retrying in %.1f s", method,
			 (int)strcspn(path, "?"), path, retry_class_name(k),
			 failed ? " (" : "", failed ? c->resp.transport : "", failed ? ")" : "",
			 (double)wait / 1000.0);
		clock_sleep_ms(wait);
	}
	if (bearer)
		memset(bearer, 0, strlen(bearer));
	return 0;
fail:
	if (bearer)
		memset(bearer, 0, strlen(bearer));
	return -1;
}

/* The body as JSON, or NULL with e set. */
static cJSON *parse_body(struct infisical *c, const char *op, struct err *e)
{
	cJSON *j;

	if (c->resp.truncated) {
		err_set(e, "Infisical's answer while trying to %s is larger than %d KiB", op,
			INFISICAL_BODY_MAX >> 10);
		return NULL;
	}
	j = cJSON_ParseWithLength((const char *)c->resp.body, c->resp.len);
	if (!j)
		err_set(e, "Infisical's answer while trying to %s is not JSON (HTTP %ld)", op,
			c->resp.status);
	return j;
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A refused request: one sentence from the status and the body. */
static int refused(struct infisical *c, const char *op, struct err *e)
{
	cJSON *j = cJSON_ParseWithLength((const char *)c->resp.body, c->resp.len);
	const char *error = j ? json_str(j, "error") : NULL, *message = j ? json_str(j, "message") : NULL;

	/* Validation failures carry an array of issues instead of a string. */
	if (j && !message && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "message")))
		message = "the request failed validation";
	infisical_explain(e->msg, sizeof e->msg, op, c->resp.status, error, message, c->cfg,
			  c->client_id);
	cJSON_Delete(j);
	return -1;
}

int infisical_open(struct infisical *c, const struct desc_infisical *cfg, struct arena *a,
		   struct log *log, const struct infisical_options *opt, struct err *e)
{
	struct http_config hc = { cfg->host.text, cfg->ca[0] ? cfg->ca : NULL,
				  opt ? opt->resolve : NULL, CONNECT_TIMEOUT_MS, REQUEST_TIMEOUT_MS, NULL, 0 };
	char ip[IPV4_STRLEN];

	memset(c, 0, sizeof *c);
	/* A fixed address still verifies the certificate for the host name. */
	if (!hc.resolve && cfg->address) {
		snprintf(c->resolve, sizeof c->resolve, "%s:%u:%s", cfg->host.host, cfg->host.port,
			 ipv4_format(cfg->address, ip));
		hc.resolve = c->resolve;
	}
	c->log = log;
	c->arena = a;
	c->cfg = cfg;
	c->retry.base_ms = 500;
	c->retry.cap_ms = 8000;
	c->retry.deadline_ms = opt && opt->deadline_ms ? opt->deadline_ms : DEFAULT_DEADLINE_MS;
	c->resp.body = arena_alloc(a, INFISICAL_BODY_MAX);
	c->resp.cap = INFISICAL_BODY_MAX;
	if (!c->resp.body)
		return err_set(e, "the secret arena has no room for Infisical's answers");
	if (wipealloc_install() < 0)
		return err_set(e, "cannot set up libcurl");
	return http_open(&c->http, &hc, e);
}

void infisical_close(struct infisical *c)
{
	http_close(&c->http);
	if (c->resp.body)
		memset(c->resp.body, 0, c->resp.cap);
}

int infisical_login(struct infisical *c, const char *client_id, const char *client_secret,
		    struct err *e)
{
	static const char *const op = "log in";
	cJSON *req = cJSON_CreateObject(), *res;
	char *body;
	const char *token;
	int rc = -1;

	c->client_id = client_id;
	if (!req || !cJSON_AddStringToObject(req, "clientId", client_id) ||
	    !cJSON_AddStringToObject(req, "clientSecret", client_secret) ||
	    !(body = cJSON_PrintUnformatted(req))) {
		cJSON_Delete(req);
		return err_set(e, "out of memory building the login request");
	}
	cJSON_Delete(req);
	if (call(c, "POST", "/api/v1/auth/universal-auth/login", body, 0, op, e) < 0)
		goto out;
	if (c->resp.status != 200) {
		refused(c, op, e);
		goto out;
	}
	res = parse_body(c, op, e);
	if (!res)
		goto out;
	token = json_str(res, "accessToken");
	if (!token || !*token)
		err_set(e, "Infisical's login answer has no accessToken");
	else if (!(c->token = arena_strdup(c->arena, token, strlen(token))))
		err_set(e, "the secret arena is full");
	else
		rc = 0;
	cJSON_Delete(res);
out:
	wipe_free(body);
	return rc;
}

/* Infisical takes a project by id (a UUID) or, on v3 reads, by slug. */
static int project_is_id(const struct infisical *c)
{
	return syntax_uuid(c->cfg->project, NULL) == 0;
}

/* Query naming the project, environment and path, for v4 or v3. */
static int scope_query(const struct infisical *c, char *out, size_t cap)
{
	char proj[256], env[256], path[768];
	int v4 = c->v4;

	if (http_escape(proj, sizeof proj, c->cfg->project) < 0 ||
	    http_escape(env, sizeof env, c->cfg->environment) < 0 ||
	    http_escape(path, sizeof path, c->cfg->path) < 0)
		return -1;
	return snprintf(out, cap, "%s=%s&environment=%s&secretPath=%s",
			v4 ? "projectId" : project_is_id(c) ? "workspaceId" : "workspaceSlug",
			proj, env, path) >= (int)cap ? -1 : 0;
}

/* The server answered 404 for the route itself: it has no v4. */
static int route_missing(const struct infisical *c)
{
	return c->resp.status == 404 && strstr((const char *)c->resp.body, "Route ");
}

/* Issues a secrets request on v4 when it may exist, else v3. suffix is ""
 * or "/NAME" (escaped). */
static int secrets_call(struct infisical *c, const char *method, const char *suffix,
			int with_query, const char *json, const char *op, struct err *e)
{
	char path[1536], q[1280];

	if (!c->v4_known) {
		c->v4 = project_is_id(c);
		c->v4_known = !c->v4;	/* a slug means v3; an id is tried on v4 first */
	}
	for (;;) {
		if (scope_query(c, q, sizeof q) < 0)
			return err_set(e, "the project, environment or path is too long");
		if (snprintf(path, sizeof path, "%s%s%s%s", c->v4 ? "/api/v4/secrets" :
			     "/api/v3/secrets/raw", suffix, with_query ? "?" : "",
			     with_query ? q : "") >= (int)sizeof path)
			return err_set(e, "the Infisical path, project and secret name make too long a URL");
		if (call(c, method, path, json, 1, op, e) < 0)
			return -1;
		if (c->v4 && !c->v4_known && route_missing(c)) {
			c->v4 = 0;	/* an older server: fall back once */
			c->v4_known = 1;
			log_info(c->log, "infisical", "this server has no v4 secrets API; using v3");
			continue;
		}
		c->v4_known = 1;
		return 0;
	}
}

static int keep_secret(struct infisical *c, const cJSON *item, struct infisical_secret *s,
		       struct err *e)
{
	const char *name = json_str(item, "secretKey"), *value = json_str(item, "secretValue");

	if (!name || !value)
		return err_set(e, "Infisical's answer has a secret without secretKey or secretValue");
	s->len = strlen(value);
	s->name = arena_alloc(c->arena, strlen(name) + 1);
	s->value = arena_strdup(c->arena, value, s->len);
	if (!s->name || !s->value)
		return err_set(e, "the secret arena has no room for secret %.64s (%zu bytes)", name, s->len);
	memcpy((char *)s->name, name, strlen(name) + 1);
	return 0;
}

int infisical_list(struct infisical *c, struct infisical_secret *out, int max, int *n,
		   struct err *e)
{
	static const char *const op = "read secrets";
	const cJSON *item, *arr;
	cJSON *res;
	int rc = 0;

	*n = 0;
	if (secrets_call(c, "GET", "", 1, NULL, op, e) < 0)
		return -1;
	if (c->resp.status != 200)
		return refused(c, op, e);
	res = parse_body(c, op, e);
	if (!res)
		return -1;
	arr = cJSON_GetObjectItemCaseSensitive(res, "secrets");
	if (!cJSON_IsArray(arr))
		rc = err_set(e, "Infisical's answer has no secrets list");
	cJSON_ArrayForEach(item, arr) {
		if (rc < 0)
			break;
		if (*n == max) {
			rc = err_set(e, "more than %d secrets at %s; castellan reads at most that many",
				     max, c->cfg->path);
			break;
		}
		rc = keep_secret(c, item, &out[*n], e);
		if (rc == 0)
			(*n)++;
	}
	cJSON_Delete(res);
	memset(c->resp.body, 0, c->resp.len);
	return rc;
}

int infisical_get(struct infisical *c, const char *name, struct infisical_secret *s,
		  int *found, struct err *e)
{
	static const char *const op = "read a secret";
	char suffix[300];
	cJSON *res;
	int rc;

	*found = 0;
	suffix[0] = '/';
	if (http_escape(suffix + 1, sizeof suffix - 1, name) < 0)
		return err_set(e, "the secret name %.64s is too long", name);
	if (secrets_call(c, "GET", suffix, 1, NULL, op, e) < 0)
		return -1;
	if (c->resp.status == 404 && strstr((const char *)c->resp.body, "Secret not found"))
		return 0;
	if (c->resp.status != 200)
		return refused(c, op, e);
	res = parse_body(c, op, e);
	if (!res)
		return -1;
	rc = keep_secret(c, cJSON_GetObjectItemCaseSensitive(res, "secret"), s, e);
	cJSON_Delete(res);
	memset(c->resp.body, 0, c->resp.len);
	*found = rc == 0;
	return rc;
}

/* The JSON body of a write: scope, plus a value when given. */
static char *write_body(const struct infisical *c, const char *value)
{
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;

	if (o && cJSON_AddStringToObject(o, c->v4 ? "projectId" : "workspaceId", c->cfg->project) &&
	    cJSON_AddStringToObject(o, "environment", c->cfg->environment) &&
	    cJSON_AddStringToObject(o, "secretPath", c->cfg->path) &&
	    cJSON_AddStringToObject(o, "type", "shared") &&
	    (!value || cJSON_AddStringToObject(o, "secretValue", value)))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static int write_call(struct infisical *c, const char *method, const char *name,
		      const char *value, const char *op, struct err *e)
{
	char suffix[300], *body;
	int rc;

	if (!project_is_id(c))
		return err_set(e, "writing to Infisical needs castellan.infisical.project to be the "
			       "project's id (a UUID), not its slug %s", c->cfg->project);
	suffix[0] = '/';
	if (http_escape(suffix + 1, sizeof suffix - 1, name) < 0)
		return err_set(e, "the secret name %.64s is too long", name);
	if (!c->v4_known && secrets_call(c, "GET", suffix, 1, NULL, op, e) < 0)
		return -1;	/* settles v4 or v3 before a body names the project */
	body = write_body(c, value);
	if (!body)
		return err_set(e, "out of memory building an Infisical request");
	rc = secrets_call(c, method, suffix, 0, body, op, e);
	wipe_free(body);
	return rc;
}

int infisical_put(struct infisical *c, const char *name, const char *value, struct err *e)
{
	const char *op = "create secrets";

	if (write_call(c, "POST", name, value, op, e) < 0)
		return -1;
	if (c->resp.status == 400 && strstr((const char *)c->resp.body, "already exist")) {
		op = "edit secrets";
		if (write_call(c, "PATCH", name, value, op, e) < 0)
			return -1;
	}
	if (c->resp.status != 200)
		return refused(c, op, e);
	memset(c->resp.body, 0, c->resp.len);
	return 0;
}

int infisical_delete(struct infisical *c, const char *name, struct err *e)
{
	if (write_call(c, "DELETE", name, NULL, "delete secrets", e) < 0)
		return -1;
	if (c->resp.status != 200 && c->resp.status != 404)
		return refused(c, "delete secrets", e);
	return 0;
}

int infisical_revoke(struct infisical *c, struct err *e)
{
	cJSON *req;
	char *body;
	int rc;

	if (!c->token)
		return 0;
	req = cJSON_CreateObject();
	body = req && cJSON_AddStringToObject(req, "accessToken", c->token) ?
		       cJSON_PrintUnformatted(req) : NULL;
	cJSON_Delete(req);
	if (!body)
		return err_set(e, "out of memory building the revoke request");
	rc = call(c, "POST", "/api/v1/auth/token/revoke", body, 0, "revoke the access token", e);
	wipe_free(body);
	if (rc == 0 && c->resp.status != 200)
		rc = refused(c, "revoke the access token", e);
	if (rc == 0) {
		memset(c->token, 0, strlen(c->token));
		c->token = NULL;
	}
	return rc;
}
