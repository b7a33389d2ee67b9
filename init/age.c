#include "age.h"
#include "base64.h"
#include "bech32.h"
#include "wipe.h"

#include <bearssl.h>
#include <string.h>

#define VERSION_LINE "age-encryption.org/v1\n"
#define ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define ARMOR_END "-----END AGE ENCRYPTED FILE-----"
#define X25519_INFO "age-encryption.org/v1/X25519"
#define MAX_BODY 4096		/* a stanza body; X25519's is 32 bytes */
#define TAG 16

static const unsigned char basepoint[32] = { 9 };

static int x25519(unsigned char out[32], const unsigned char scalar[32],
		  const unsigned char point[32])
{
	memcpy(out, point, 32);
	return br_ec_c25519_m31.mul(out, 32, scalar, 32, BR_EC_curve25519) ? 0 : -1;
}

static void hkdf(unsigned char *out, size_t outlen, const void *salt, size_t saltlen,
		 const void *ikm, size_t ikmlen, const char *info)
{
	br_hkdf_context hc;

	br_hkdf_init(&hc, &br_sha256_vtable, salt, saltlen);
	br_hkdf_inject(&hc, ikm, ikmlen);
	br_hkdf_flip(&hc);
	br_hkdf_produce(&hc, info, strlen(info), out, outlen);
	wipe(&hc, sizeof hc);
}

static void hmac_sha256(unsigned char out[32], const unsigned char key[32],
			const void *msg, size_t len)
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, 32);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, msg, len);
	br_hmac_out(&hc, out);
	wipe(&kc, sizeof kc);
	wipe(&hc, sizeof hc);
}

static int equal_ct(const unsigned char *a, const unsigned char *b, size_t n)
{
	unsigned char d = 0;

	while (n--)
		d |= *a++ ^ *b++;
	return d == 0;
}

/* ChaCha20-Poly1305 (RFC 8439) in place; on open, 0 only if the tag is good. */
static void aead_seal(const unsigned char key[32], const unsigned char nonce[12],
		      unsigned char *data, size_t len, unsigned char tag[TAG])
{
	br_poly1305_ctmul_run(key, nonce, data, len, NULL, 0, tag, br_chacha20_ct_run, 1);
}

static int aead_open(const unsigned char key[32], const unsigned char nonce[12],
		     unsigned char *data, size_t len, const unsigned char tag[TAG])
{
	unsigned char want[TAG];
	int ok;

	br_poly1305_ctmul_run(key, nonce, data, len, NULL, 0, want, br_chacha20_ct_run, 0);
	ok = equal_ct(want, tag, TAG);
	if (!ok)
		wipe(data, len);	/* never hand out unauthenticated plaintext */
	return ok ? 0 : -1;
}

/* ---- keys ---- */

void age_identity_from_secret(struct age_identity *id, const unsigned char secret[32])
{
	memcpy(id->secret, secret, 32);
	x25519(id->public, id->secret, basepoint);
}

void age_recipient_of(struct age_recipient *r, const struct age_identity *id)
{
	memcpy(r->public, id->public, 32);
}

void age_identity_format(const struct age_identity *id, char out[AGE_IDENTITY_LEN])
{
	char *p;

	bech32_encode(out, AGE_IDENTITY_LEN, "age-secret-key-", id->secret, 32);
	for (p = out; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
}

void age_recipient_format(const struct age_recipient *r, char out[AGE_RECIPIENT_LEN])
{
	bech32_encode(out, AGE_RECIPIENT_LEN, "age", r->public, 32);
}

int age_recipient_parse(struct age_recipient *r, const char *s, struct err *e)
{
	char hrp[8];
	long n = bech32_decode(hrp, sizeof hrp, r->public, sizeof r->public, s);

	if (n != 32 || strcmp(hrp, "age") != 0)
		return err_set(e, "not an age X25519 recipient (age1...)");
	return 0;
}

static int parse_key_line(struct age_identity *id, const char *line, size_t n, struct err *e)
{
	char buf[128], hrp[24];
	unsigned char secret[40];
	long got;

	if (n >= sizeof buf)
		return err_set(e, "the age identity line is too long");
	memcpy(buf, line, n);
	buf[n] = '\0';
	got = bech32_decode(hrp, sizeof hrp, secret, sizeof secret, buf);
	wipe(buf, sizeof buf);
	if (got != 32 || strcmp(hrp, "age-secret-key-") != 0 || line[0] != 'A') {
		wipe(secret, sizeof secret);
		return err_set(e, "the age identity is not an X25519 secret key (AGE-SECRET-KEY-1...)");
	}
	age_identity_from_secret(id, secret);
	wipe(secret, sizeof secret);
	return 0;
}

int age_identity_parse(struct age_identity *id, const char *text, size_t len, struct err *e)
{
	size_t i = 0;

	while (i < len) {
		size_t end = i, n;
		while (end < len && text[end] != '\n')
			end++;
		n = end - i;
		if (n > 0 && text[i + n - 1] == '\r')
			n--;
		if (n > 0 && text[i] != '#')
			return parse_key_line(id, text + i, n, e);
		i = end + 1;
	}
	return err_set(e, "the age identity file holds no AGE-SECRET-KEY-1... line");
}

/* ---- armor ---- */

static size_t skip_space(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

int age_is_armored(const unsigned char *in, size_t len)
{
	size_t i = skip_space((const char *)in, 0, len);

	return len - i >= strlen(ARMOR_BEGIN) && memcmp(in + i, ARMOR_BEGIN, strlen(ARMOR_BEGIN)) == 0;
}

/* One armor line, without its end of line; *next is past it. */
static size_t line_at(const char *s, size_t i, size_t len, size_t *next)
{
	size_t end = i;

	while (end < len && s[end] != '\n')
		end++;
	*next = end < len ? end + 1 : end;
	if (end > i && s[end - 1] == '\r')
		end--;
	return end - i;
}

long age_dearmor(unsigned char *out, size_t cap, const char *in, size_t len, struct err *e)
{
	size_t i = skip_space(in, 0, len), next, n, o = 0;
	int short_seen = 0;

	if (len > AGE_MAX_INPUT * 2)
		return err_set(e, "the armored age file is larger than %u MiB", AGE_MAX_INPUT >> 19);
	n = line_at(in, i, len, &next);
	if (n != strlen(ARMOR_BEGIN) || memcmp(in + i, ARMOR_BEGIN, n) != 0)
		return err_set(e, "the age file does not start with " ARMOR_BEGIN);
	for (i = next;; i = next) {
		long got;
		if (i >= len)
			return err_set(e, "the armored age file is truncated: no " ARMOR_END " line");
		n = line_at(in, i, len, &next);
		if (n == strlen(ARMOR_END) && memcmp(in + i, ARMOR_END, n) == 0)
			break;
		/* Only the last line may be shorter than 64 columns. */
		if (short_seen || n == 0 || n > 64 || n % 4 != 0)
			return err_set(e, "the armored age file has a malformed line (64 base64 "
				       "columns expected)");
		short_seen = n < 64;
		got = base64_decode(out + o, cap - o, in + i, n, BASE64_PAD);
		if (got < 0)
			return err_set(e, "the armored age file is not canonical base64");
		o += (size_t)got;
		/* Padding may only end the data. */
		if (in[i + n - 1] == '=')
			short_seen = 1;
	}
	if (skip_space(in, next, len) != len)
		return err_set(e, "the armored age file has trailing data after " ARMOR_END);
	return (long)o;
}

static long armor(unsigned char *out, size_t cap, const unsigned char *bin, size_t n)
{
	size_t o = 0, i;

	if (cap < strlen(ARMOR_BEGIN) + strlen(ARMOR_END) + 2)
		return -1;
	memcpy(out, ARMOR_BEGIN "\n", strlen(ARMOR_BEGIN) + 1);
	o = strlen(ARMOR_BEGIN) + 1;
	for (i = 0; i < n; i += 48) {
		size_t k = n - i < 48 ? n - i : 48;
		char line[65];
		base64_encode(line, bin + i, k, BASE64_PAD);
		if (o + strlen(line) + 1 + strlen(ARMOR_END) + 1 > cap)
			return -1;
		memcpy(out + o, line, strlen(line));
		o += strlen(line);
		out[o++] = '\n';
	}
	memcpy(out + o, ARMOR_END "\n", strlen(ARMOR_END) + 1);
	return (long)(o + strlen(ARMOR_END) + 1);
}

/* ---- header ---- */

struct stanza {
	const char *type;		/* first argument */
	size_t type_len;
	const char *arg1;		/* second argument, for X25519 */
	size_t arg1_len;
	int nargs;
	unsigned char body[MAX_BODY];
	size_t body_len;
};

/* Arguments: non-empty runs of VCHAR separated by single spaces. */
static int parse_args(const char *s, size_t n, struct stanza *st)
{
	size_t i = 0;

	st->nargs = 0;
	while (i < n) {
		size_t start = i;
		while (i < n && s[i] != ' ') {
			if (s[i] < 33 || s[i] > 126)
				return -1;
			i++;
		}
		if (i == start)
			return -1;
		if (st->nargs == 0) {
			st->type = s + start;
			st->type_len = i - start;
		} else if (st->nargs == 1) {
			st->arg1 = s + start;
			st->arg1_len = i - start;
		}
		st->nargs++;
		if (i < n && ++i == n)
			return -1;	/* a trailing space */
	}
	return st->nargs > 0 ? 0 : -1;
}

/* Reads lines of the body until one shorter than 64 columns. */
static int parse_body(const unsigned char *in, size_t len, size_t *pos, struct stanza *st)
{
	size_t i = *pos;

	st->body_len = 0;
	for (;;) {
		size_t end = i, n;
		long got;
		while (end < len && in[end] != '\n')
			end++;
		if (end >= len)
			return -1;
		n = end - i;
		if (n > 64)
			return -1;
		got = base64_decode(st->body + st->body_len, sizeof st->body - st->body_len,
				    (const char *)in + i, n, BASE64_NOPAD);
		if (got < 0)
			return -1;
		st->body_len += (size_t)got;
		i = end + 1;
		if (n < 64)
			break;
	}
	*pos = i;
	return 0;
}

/* Tries one X25519 stanza; 1 with the file key when it is ours. */
static int unwrap_x25519(const struct stanza *st, const struct age_identity *id,
			 unsigned char file_key[16], struct err *e)
{
	static const unsigned char zero_nonce[12];
	unsigned char share[32], shared[32], salt[64], key[32], body[32];
	int rc = 0;

	if (st->nargs != 2 || st->arg1_len != 43 ||
	    base64_decode(share, sizeof share, st->arg1, 43, BASE64_NOPAD) != 32 ||
	    st->body_len != 32)
		return err_set(e, "the age header has a malformed X25519 stanza");
	if (x25519(shared, id->secret, share) < 0)
		return err_set(e, "the age header has an invalid X25519 share");
	if (equal_ct(shared, zero_nonce, 12) && equal_ct(shared + 12, zero_nonce, 12) &&
	    equal_ct(shared + 24, zero_nonce, 8)) {
		wipe(shared, sizeof shared);
		return err_set(e, "the age header has a low-order X25519 share");
	}
	memcpy(salt, share, 32);
	memcpy(salt + 32, id->public, 32);
	hkdf(key, 32, salt, 64, shared, 32, X25519_INFO);
	memcpy(body, st->body, 32);
	if (aead_open(key, zero_nonce, body, 16, body + 16) == 0) {
		memcpy(file_key, body, 16);
		rc = 1;
	}
	wipe(shared, sizeof shared);
	wipe(key, sizeof key);
	wipe(body, sizeof body);
	return rc;
}

/* Parses the header and finds the file key; *payload is where the
 * payload starts. The MAC is checked here, before any payload is read. */
static int open_header(const unsigned char *in, size_t len, const struct age_identity *id,
		       unsigned char file_key[16], size_t *payload, struct err *e)
{
	struct stanza st;
	size_t pos = strlen(VERSION_LINE), mac_end;
	unsigned char mac[32], want[32], hkey[32];
	int nstanzas = 0, found = 0;

	if (len < pos || memcmp(in, VERSION_LINE, pos) != 0)
		return err_set(e, "not an age file (no age-encryption.org/v1 header)");
	for (;;) {
		size_t end = pos;
		while (end < len && in[end] != '\n')
			end++;
		if (end >= len)
			return err_set(e, "the age file is truncated inside its header");
		if (end - pos >= 3 && memcmp(in + pos, "---", 3) == 0)
			break;
		if (end - pos < 3 || memcmp(in + pos, "-> ", 3) != 0)
			return err_set(e, "the age header is malformed");
		if (++nstanzas > AGE_MAX_STANZAS)
			return err_set(e, "the age file has more than %d recipient stanzas", AGE_MAX_STANZAS);
		if (parse_args((const char *)in + pos + 3, end - pos - 3, &st) < 0)
			return err_set(e, "the age header has a malformed stanza line");
		pos = end + 1;
		if (parse_body(in, len, &pos, &st) < 0)
			return err_set(e, "the age header has a stanza body that is not canonical base64");
		if (!found && st.type_len == 6 && memcmp(st.type, "X25519", 6) == 0) {
			int rc = unwrap_x25519(&st, id, file_key, e);
			if (rc < 0)
				return -1;
			found = rc;
		}
	}
	if (nstanzas == 0)
		return err_set(e, "the age header has no recipient stanza");
	mac_end = pos + 3;
	if (len < mac_end + 1 + 43 + 1 || in[mac_end] != ' ' || in[mac_end + 44] != '\n' ||
	    base64_decode(mac, sizeof mac, (const char *)in + mac_end + 1, 43, BASE64_NOPAD) != 32)
		return err_set(e, "the age header's MAC line is malformed");
	if (!found)
		return err_set(e, "no identity matches: the age file was not sealed to this image's key");
	hkdf(hkey, 32, "", 0, file_key, 16, "header");
	hmac_sha256(want, hkey, in, mac_end);
	wipe(hkey, sizeof hkey);
	if (!equal_ct(mac, want, 32)) {
		wipe(file_key, 16);
		return err_set(e, "the age header was tampered with (its MAC does not match)");
	}
	*payload = mac_end + 45;
	return 0;
}

static void chunk_nonce(unsigned char nonce[12], unsigned long long counter, int last)
{
	int i;

	for (i = 10; i >= 0; i--) {
		nonce[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	nonce[11] = last ? 1 : 0;
}

long age_decrypt(unsigned char *out, size_t cap, const unsigned char *in, size_t len,
		 const struct age_identity *id, struct err *e)
{
	unsigned char file_key[16], key[32], nonce[12];
	unsigned long long counter = 0;
	size_t pos, o = 0;

	if (len > AGE_MAX_INPUT)
		return err_set(e, "the age file is larger than %u MiB", AGE_MAX_INPUT >> 20);
	if (open_header(in, len, id, file_key, &pos, e) < 0) {
		wipe(file_key, sizeof file_key);	/* it may have been unwrapped */
		return -1;
	}
	if (len - pos < 16 + TAG) {
		wipe(file_key, sizeof file_key);
		return err_set(e, "the age file is truncated: its payload is missing");
	}
	hkdf(key, 32, in + pos, 16, file_key, 16, "payload");
	wipe(file_key, sizeof file_key);
	pos += 16;
	for (;;) {
		size_t left = len - pos, n;
		int last = left <= AGE_CHUNK + TAG;
		if (left < TAG || (last && left == TAG && counter > 0))
			goto truncated;
		n = (last ? left : AGE_CHUNK + TAG) - TAG;
		if (o + n > cap) {
			wipe(key, sizeof key);
			wipe(out, o);
			return err_set(e, "the age payload is larger than expected (%zu bytes at most)", cap);
		}
		memcpy(out + o, in + pos, n);
		chunk_nonce(nonce, counter, last);
		if (aead_open(key, nonce, out + o, n, in + pos + n) < 0)
			goto tampered;
		o += n;
		pos += n + TAG;
		counter++;
		if (last)
			break;
	}
	wipe(key, sizeof key);
	return (long)o;
truncated:
	wipe(key, sizeof key);
	wipe(out, o);
	return err_set(e, "the age file is truncated");
tampered:
	wipe(key, sizeof key);
	wipe(out, o);
	return err_set(e, "the age payload was tampered with or truncated");
}

/* ---- encryption ---- */

size_t age_encrypt_bound(size_t len, size_t nr, int armored)
{
	size_t chunks = len / AGE_CHUNK + 1;
	size_t bin = strlen(VERSION_LINE) + nr * (3 + 7 + 43 + 1 + 43 + 1) + 4 + 43 + 1 +
		     16 + len + chunks * TAG;

	if (!armored)
		return bin;
	return strlen(ARMOR_BEGIN) + 1 + (bin + 2) / 3 * 4 + (bin / 48 + 1) +
	       strlen(ARMOR_END) + 1;
}

static int put(unsigned char *out, size_t cap, size_t *o, const void *p, size_t n)
{
	if (*o + n > cap)
		return -1;
	memcpy(out + *o, p, n);
	*o += n;
	return 0;
}

static int wrap_x25519(unsigned char *out, size_t cap, size_t *o, const struct age_recipient *r,
		       const unsigned char file_key[16], const struct age_rng *rng)
{
	static const unsigned char zero_nonce[12];
	unsigned char eph[32], share[32], shared[32], salt[64], key[32], body[32];
	char b64[64];
	int rc = -1;

	if (rng->fill(rng->ctx, eph, 32) < 0)
		goto out;
	x25519(share, eph, basepoint);
	if (x25519(shared, eph, r->public) < 0)
		goto out;
	memcpy(salt, share, 32);
	memcpy(salt + 32, r->public, 32);
	hkdf(key, 32, salt, 64, shared, 32, X25519_INFO);
	memcpy(body, file_key, 16);
	aead_seal(key, zero_nonce, body, 16, body + 16);
	base64_encode(b64, share, 32, BASE64_NOPAD);
	if (put(out, cap, o, "-> X25519 ", 10) < 0 || put(out, cap, o, b64, 43) < 0 ||
	    put(out, cap, o, "\n", 1) < 0)
		goto out;
	base64_encode(b64, body, 32, BASE64_NOPAD);
	if (put(out, cap, o, b64, 43) < 0 || put(out, cap, o, "\n", 1) < 0)
		goto out;
	rc = 0;
out:
	wipe(eph, sizeof eph);
	wipe(shared, sizeof shared);
	wipe(key, sizeof key);
	wipe(body, sizeof body);
	return rc;
}

static long encrypt_binary(unsigned char *out, size_t cap, const unsigned char *pt, size_t len,
			   const struct age_recipient *r, size_t nr, const struct age_rng *rng,
			   unsigned char file_key[16])
{
	unsigned char hkey[32], mac[32], key[32], nonce[12], payload_nonce[16];
	unsigned long long counter = 0;
	char b64[64];
	size_t o = 0, i = 0;

	if (put(out, cap, &o, VERSION_LINE, strlen(VERSION_LINE)) < 0)
		return -1;
	for (size_t k = 0; k < nr; k++)
		if (wrap_x25519(out, cap, &o, &r[k], file_key, rng) < 0)
			return -1;
	if (put(out, cap, &o, "---", 3) < 0)
		return -1;
	hkdf(hkey, 32, "", 0, file_key, 16, "header");
	hmac_sha256(mac, hkey, out, o);
	wipe(hkey, sizeof hkey);
	base64_encode(b64, mac, 32, BASE64_NOPAD);
	if (put(out, cap, &o, " ", 1) < 0 || put(out, cap, &o, b64, 43) < 0 ||
	    put(out, cap, &o, "\n", 1) < 0 || rng->fill(rng->ctx, payload_nonce, 16) < 0 ||
	    put(out, cap, &o, payload_nonce, 16) < 0)
		return -1;
	hkdf(key, 32, payload_nonce, 16, file_key, 16, "payload");
	do {
		size_t n = len - i > AGE_CHUNK ? AGE_CHUNK : len - i;
		int last = i + n == len;
		if (o + n + TAG > cap) {
			wipe(key, sizeof key);
			return -1;
		}
		memcpy(out + o, pt + i, n);
		chunk_nonce(nonce, counter++, last);
		aead_seal(key, nonce, out + o, n, out + o + n);
		o += n + TAG;
		i += n;
	} while (i < len);
	wipe(key, sizeof key);
	return (long)o;
}

long age_encrypt(unsigned char *out, size_t cap, const unsigned char *pt, size_t len,
		 const struct age_recipient *r, size_t nr, int armored,
		 const struct age_rng *rng, struct err *e)
{
	unsigned char file_key[16];
	size_t need = age_encrypt_bound(len, nr, armored), bin;
	long n;

	if (nr == 0 || nr > AGE_MAX_STANZAS)
		return err_set(e, "an age file needs 1 to %d recipients", AGE_MAX_STANZAS);
	if (cap < need)
		return err_set(e, "the output buffer is too small for the age file");
	if (rng->fill(rng->ctx, file_key, sizeof file_key) < 0)
		return err_set(e, "no randomness for the age file key");
	/* Armored output: encrypt into the tail, then armor into the head. */
	bin = armored ? age_encrypt_bound(len, nr, 0) : cap;
	n = encrypt_binary(armored ? out + cap - bin : out, bin, pt, len, r, nr, rng, file_key);
	wipe(file_key, sizeof file_key);
	if (n < 0)
		return err_set(e, "encrypting the age file failed (no randomness)");
	if (!armored)
		return n;
	/* The armor grows 4/3 and runs ahead of its input only after the
	 * input has been read, because the binary sits at the very end. */
	memmove(out + cap - (size_t)n, out + cap - bin, (size_t)n);
	n = armor(out, cap, out + cap - (size_t)n, (size_t)n);
	if (n < 0)
		return err_set(e, "the output buffer is too small for the armored age file");
	return n;
}
