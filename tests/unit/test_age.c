/* age, base64 and bech32: known answers from the reference age tool and
 * RFC 7748, round trips, and every rejection the format demands. The
 * interop both ways with the real age binary is in tests/age/run.sh. */
#include "check.h"
#include "age.h"
#include "base64.h"
#include "bech32.h"

#include <stdlib.h>

/* Made by age 1.1.1 (age-keygen; age -a -r); plaintext below. */
static const char kat_key[] =
	"# created: 2026-12-03T16:48:18Z\n"
	"# public key: age14cj7cm2s94ucwh24pwtpe6cn337z9cwv0hdzhalu09zzv7kn74js9c604f\n"
	"AGE-SECRET-KEY-1HJ5KM34L6QG9U4249LML83NJQVMW2GM28LCLH4E46K43574EHH8SPP27R8\n";
static const char kat_recipient[] = "age14cj7cm2s94ucwh24pwtpe6cn337z9cwv0hdzhalu09zzv7kn74js9c604f";
static const char kat_file[] =
	"-----BEGIN AGE ENCRYPTED FILE-----\n"
	"YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBUL3hIb1VBRHljMjMrVnYw\n"
	"U044UVc2ck1Wc0JsSmVBMkJaRXJqclZyN0cwCitCVTRJYlVkVG1yK21LcTN6Vmc4\n"
	"UVNmSml4ejZKbUdTV0NjODZMUi96Q3cKLS0tIFBGU2w0SGtsZTYzS3VOZVNHRHBS\n"
	"dVdrMHMzRG1jaHA0MS9BNksxRzk1MjQK1cX8ys7AHwZn+/Z9UY8IgVvjr1oAgFY4\n"
	"BLH1kVNhE6W4EyTTmxGMf8yEpY04eOOXpQp4XzovO8BqbsQvL45zrCXW7LuajFkm\n"
	"JsPWRAii6sCknDJcwEDOFMI8B4wYE+oD9llWGd28fXZehcQQdFgO0Nkzj2va+1CY\n"
	"a8P/5T+TuJnTDq1QvRds5FSx5Ctnry85ngCCXBZvQkUM//EPefmLEQ==\n"
	"-----END AGE ENCRYPTED FILE-----\n";
static const char kat_plain[] =
	"client_id: 6d1c1f4e-0b7a-4c43-9d61-3f0f1a2b3c4d\n"
	"client_secret: 0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\n";

static unsigned char bin[1 << 20], out[1 << 20], big[300000];

/* Deterministic randomness for round trips. */
static int counter_rng(void *ctx, unsigned char *buf, size_t n)
{
	unsigned *c = ctx;

	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)(++*c * 2654435761u >> 24);
	return 0;
}

static long open_text(const char *text, size_t len, const struct age_identity *id,
		      struct err *e)
{
	long n = (long)len;

	if (age_is_armored((const unsigned char *)text, len))
		n = age_dearmor(bin, sizeof bin, text, len, e);
	else
		memcpy(bin, text, len);
	return n < 0 ? -1 : age_decrypt(out, sizeof out, bin, (size_t)n, id, e);
}

static void test_base64(void)
{
	static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *padded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *bare[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
	unsigned char d[16];
	char s[16];

	for (int i = 0; i < 7; i++) {
		size_t n = strlen(plain[i]);
		base64_encode(s, (const unsigned char *)plain[i], n, BASE64_PAD);
		CHECK_STR(s, padded[i]);
		CHECK(base64_encoded_len(n, BASE64_PAD) == strlen(padded[i]));
		base64_encode(s, (const unsigned char *)plain[i], n, BASE64_NOPAD);
		CHECK_STR(s, bare[i]);
		CHECK(base64_encoded_len(n, BASE64_NOPAD) == strlen(bare[i]));
		CHECK(base64_decode(d, sizeof d, padded[i], strlen(padded[i]), BASE64_PAD) == (long)n &&
		      memcmp(d, plain[i], n) == 0);
		CHECK(base64_decode(d, sizeof d, bare[i], strlen(bare[i]), BASE64_NOPAD) == (long)n &&
		      memcmp(d, plain[i], n) == 0);
	}
	CHECK(base64_decode(d, sizeof d, "Zh==", 4, BASE64_PAD) < 0);	/* trailing bits set */
	CHECK(base64_decode(d, sizeof d, "Zh", 2, BASE64_NOPAD) < 0);
	CHECK(base64_decode(d, sizeof d, "Zm9=", 4, BASE64_PAD) < 0);
	CHECK(base64_decode(d, sizeof d, "Zg=", 3, BASE64_PAD) < 0);
	CHECK(base64_decode(d, sizeof d, "Zg", 2, BASE64_PAD) < 0);
	CHECK(base64_decode(d, sizeof d, "Zg==", 4, BASE64_NOPAD) < 0);
	CHECK(base64_decode(d, sizeof d, "Z", 1, BASE64_NOPAD) < 0);
	CHECK(base64_decode(d, sizeof d, "Zm=v", 4, BASE64_PAD) < 0);
	CHECK(base64_decode(d, sizeof d, "Z===", 4, BASE64_PAD) < 0);
	CHECK(base64_decode(d, sizeof d, "Zm9v\n", 5, BASE64_NOPAD) < 0);
	CHECK(base64_decode(d, sizeof d, "Zm-v", 4, BASE64_NOPAD) < 0);	/* URL alphabet */
	CHECK(base64_decode(d, 2, "Zm9v", 4, BASE64_NOPAD) < 0);	/* does not fit */
}

static void test_bech32(void)
{
	unsigned char d[64], data[32];
	char hrp[32], s[128];

	CHECK(bech32_decode(hrp, sizeof hrp, d, sizeof d, "a12uel5l") == 0);
	CHECK_STR(hrp, "a");
	CHECK(bech32_decode(hrp, sizeof hrp, d, sizeof d, "A12UEL5L") == 0);
	CHECK(bech32_decode(hrp, sizeof hrp, d, sizeof d, "A12uEL5L") < 0);	/* mixed case */
	CHECK(bech32_decode(hrp, sizeof hrp, d, sizeof d, "a12uel5m") < 0);	/* checksum */
	CHECK(bech32_decode(hrp, sizeof hrp, d, sizeof d, "10a06t8") < 0);	/* empty HRP */
	CHECK(bech32_decode(hrp, sizeof hrp, d, sizeof d, "x1b4n0q5v") < 0);	/* 'b' */
	CHECK(bech32_decode(hrp, sizeof hrp, d, sizeof d, "li1dgmt3") < 0);	/* short */
	for (int i = 0; i < 32; i++)
		data[i] = (unsigned char)(i * 37 + 1);
	CHECK(bech32_encode(s, sizeof s, "age", data, 32) == 62);
	CHECK(bech32_decode(hrp, sizeof hrp, d, sizeof d, s) == 32 && memcmp(d, data, 32) == 0);
	CHECK_STR(hrp, "age");
	CHECK(bech32_encode(s, 20, "age", data, 32) < 0);
}

static void test_keys(void)
{
	/* RFC 7748 §6.1: Alice's key pair. */
	static const unsigned char alice[32] = {
		0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2,
		0x66, 0x45, 0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5,
		0x1d, 0xb9, 0x2c, 0x2a };
	static const unsigned char alice_pub[32] = {
		0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e,
		0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e,
		0xaa, 0x9b, 0x4e, 0x6a };
	struct age_identity id, again;
	struct age_recipient r;
	char s[AGE_IDENTITY_LEN], rs[AGE_RECIPIENT_LEN];
	struct err e;

	age_identity_from_secret(&id, alice);
	CHECK(memcmp(id.public, alice_pub, 32) == 0);

	CHECK(age_identity_parse(&id, kat_key, strlen(kat_key), &e) == 0);
	age_recipient_of(&r, &id);
	age_recipient_format(&r, rs);
	CHECK_STR(rs, kat_recipient);
	age_identity_format(&id, s);
	CHECK_HAS(kat_key, s);
	CHECK(age_identity_parse(&again, s, strlen(s), &e) == 0 && memcmp(again.secret, id.secret, 32) == 0);
	CHECK(age_recipient_parse(&r, kat_recipient, &e) == 0 && memcmp(r.public, id.public, 32) == 0);
	CHECK(age_recipient_parse(&r, "age1qqqq", &e) < 0);
	CHECK(age_identity_parse(&id, "# only a comment\n", 17, &e) < 0);
	CHECK_STR(e.msg, "the age identity file holds no AGE-SECRET-KEY-1... line");
	CHECK(age_identity_parse(&id, kat_recipient, strlen(kat_recipient), &e) < 0);
	CHECK_HAS(e.msg, "not an X25519 secret key");
}

static void test_kat(void)
{
	struct age_identity id, other;
	unsigned char zero[32] = { 1 };
	struct err e;
	long n;

	age_identity_parse(&id, kat_key, strlen(kat_key), &e);
	n = open_text(kat_file, strlen(kat_file), &id, &e);
	CHECK(n == (long)strlen(kat_plain) && memcmp(out, kat_plain, (size_t)n) == 0);
	/* CRLF line ends and surrounding white space are fine */
	{
		char crlf[2048];
		size_t o = 0;
		crlf[o++] = '\n';
		for (const char *p = kat_file; *p; p++) {
			if (*p == '\n')
				crlf[o++] = '\r';
			crlf[o++] = *p;
		}
		crlf[o++] = ' ';
		CHECK(open_text(crlf, o, &id, &e) == (long)strlen(kat_plain));
	}
	age_identity_from_secret(&other, zero);
	CHECK(open_text(kat_file, strlen(kat_file), &other, &e) < 0);
	CHECK_STR(e.msg, "no identity matches: the age file was not sealed to this image's key");
}

/* Every single-bit change anywhere in the armored file is refused. */
static void test_flips(void)
{
	struct age_identity id;
	char buf[2048];
	struct err e;
	size_t len = strlen(kat_file), refused = 0;

	age_identity_parse(&id, kat_key, strlen(kat_key), &e);
	for (size_t i = 0; i < len; i++) {
		memcpy(buf, kat_file, len);
		buf[i] ^= 1;
		if (open_text(buf, len, &id, &e) < 0) {
			refused++;
			CHECK(strstr(e.msg, "client") == NULL && strchr(e.msg, '\n') == NULL);
		} else {
			fprintf(stderr, "flip at %zu accepted\n", i);
		}
	}
	CHECK(refused == len);
}

static void test_rejections(void)
{
	struct age_identity id;
	struct err e;
	long n;
	char buf[4096];

	age_identity_parse(&id, kat_key, strlen(kat_key), &e);
	n = age_dearmor(bin, sizeof bin, kat_file, strlen(kat_file), &e);
	CHECK(n > 0);
	/* truncation at every length */
	memcpy(big, bin, (size_t)n);
	for (long cut = 0; cut < n; cut++)
		if (age_decrypt(out, sizeof out, big, (size_t)cut, &id, &e) >= 0) {
			check_fail++;
			fprintf(stderr, "truncated at %ld accepted\n", cut);
		}
	CHECK(age_decrypt(out, sizeof out, big, 10, &id, &e) < 0);
	CHECK_STR(e.msg, "not an age file (no age-encryption.org/v1 header)");
	CHECK(age_decrypt(out, sizeof out, big, (size_t)n - 1, &id, &e) < 0);
	CHECK_STR(e.msg, "the age payload was tampered with or truncated");
	/* trailing garbage after the armor, and after the binary */
	snprintf(buf, sizeof buf, "%sjunk\n", kat_file);
	CHECK(open_text(buf, strlen(buf), &id, &e) < 0);
	CHECK_STR(e.msg, "the armored age file has trailing data after -----END AGE ENCRYPTED FILE-----");
	memcpy(big + n, "x", 1);
	CHECK(age_decrypt(out, sizeof out, big, (size_t)n + 1, &id, &e) < 0);
	/* no END line */
	CHECK(open_text(kat_file, strlen(kat_file) - 34, &id, &e) < 0);
	CHECK_HAS(e.msg, "truncated");
	/* too large */
	CHECK(age_decrypt(out, sizeof out, big, AGE_MAX_INPUT + 1, &id, &e) < 0);
	CHECK_HAS(e.msg, "larger than");
	/* a plaintext larger than the caller's buffer */
	CHECK(age_decrypt(out, 10, bin, (size_t)n, &id, &e) < 0);
	CHECK_HAS(e.msg, "larger than expected");
}

/* Header-level rules, on files built by hand from a real one. */
static void test_header_rules(void)
{
	struct age_identity id;
	struct err e;
	char hdr[8192];
	size_t o;
	long n;

	age_identity_parse(&id, kat_key, strlen(kat_key), &e);
	/* 17 unknown stanzas before anything else: refused before any work */
	o = (size_t)snprintf(hdr, sizeof hdr, "age-encryption.org/v1\n");
	for (int i = 0; i < AGE_MAX_STANZAS + 1; i++)
		o += (size_t)snprintf(hdr + o, sizeof hdr - o, "-> other%d\n\n", i);
	CHECK(age_decrypt(out, sizeof out, (unsigned char *)hdr, o, &id, &e) < 0);
	CHECK_STR(e.msg, "the age file has more than 16 recipient stanzas");
	/* non-canonical base64 in a stanza body */
	o = (size_t)snprintf(hdr, sizeof hdr, "age-encryption.org/v1\n-> other\nZh\n--- x\n");
	CHECK(age_decrypt(out, sizeof out, (unsigned char *)hdr, o, &id, &e) < 0);
	CHECK_STR(e.msg, "the age header has a stanza body that is not canonical base64");
	/* a malformed X25519 stanza (three arguments) */
	o = (size_t)snprintf(hdr, sizeof hdr, "age-encryption.org/v1\n-> X25519 a b\n\n--- x\n");
	CHECK(age_decrypt(out, sizeof out, (unsigned char *)hdr, o, &id, &e) < 0);
	CHECK_STR(e.msg, "the age header has a malformed X25519 stanza");
	/* a stanza line with a double space */
	o = (size_t)snprintf(hdr, sizeof hdr, "age-encryption.org/v1\n-> other  x\n\n--- x\n");
	CHECK(age_decrypt(out, sizeof out, (unsigned char *)hdr, o, &id, &e) < 0);
	CHECK_STR(e.msg, "the age header has a malformed stanza line");
	/* unknown stanzas are skipped: prepend one to the real file */
	n = age_dearmor(bin, sizeof bin, kat_file, strlen(kat_file), &e);
	o = (size_t)snprintf(hdr, sizeof hdr, "age-encryption.org/v1\n-> future-type arg\nAAAA\n");
	memcpy(hdr + o, bin + 22, (size_t)n - 22);
	o += (size_t)n - 22;
	CHECK(age_decrypt(out, sizeof out, (unsigned char *)hdr, o, &id, &e) < 0);
	CHECK_STR(e.msg, "the age header was tampered with (its MAC does not match)");
}

static void test_round_trips(void)
{
	struct age_identity ids[3];
	struct age_recipient rs[3];
	unsigned c = 7;
	struct age_rng rng = { counter_rng, &c };
	static unsigned char sealed[400000];
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 131072, 200000 };
	unsigned char secret[32];
	struct err e;

	for (int i = 0; i < 3; i++) {
		counter_rng(&c, secret, 32);
		age_identity_from_secret(&ids[i], secret);
		age_recipient_of(&rs[i], &ids[i]);
	}
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 7 + i / 256);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		for (int armored = 0; armored < 2; armored++) {
			long n = age_encrypt(sealed, sizeof sealed, big, sizes[s], rs, 3, armored, &rng, &e);
			long m;
			CHECK(n > 0 && (size_t)n <= age_encrypt_bound(sizes[s], 3, armored));
			m = open_text((char *)sealed, (size_t)n, &ids[1], &e);
			CHECK(m == (long)sizes[s] && memcmp(out, big, sizes[s]) == 0);
		}
	}
	CHECK(age_encrypt(sealed, 100, big, 10, rs, 1, 0, &rng, &e) < 0);
	CHECK_STR(e.msg, "the output buffer is too small for the age file");
	CHECK(age_encrypt(sealed, sizeof sealed, big, 10, rs, 0, 0, &rng, &e) < 0);
}

int main(void)
{
	test_base64();
	test_bech32();
	test_keys();
	test_kat();
	test_flips();
	test_rejections();
	test_header_rules();
	test_round_trips();
	return check_done("age");
}
