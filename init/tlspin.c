#include "tlspin.h"
#include "spki.h"

#include <stdio.h>
#include <string.h>

static struct tlspin *self(const br_x509_class **ctx)
{
	return (struct tlspin *)(void *)ctx;
}

static void start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct tlspin *t = self(ctx);

	t->cert_len = 0;
	t->index = 0;
	t->too_long = t->mismatch = t->have_seen = 0;
	br_x509_decoder_init(&t->dec, NULL, NULL);
	if (t->use_ca)
		(*t->inner)->start_chain(t->inner, server_name);
}

static void start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct tlspin *t = self(ctx);

	if (t->use_ca)
		(*t->inner)->start_cert(t->inner, length);
}

/* The end-entity certificate comes first; it is kept for its SPKI. */
static void append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct tlspin *t = self(ctx);

	if (t->index == 0) {
		if (len > sizeof t->cert - t->cert_len)
			t->too_long = 1;
		else
			memcpy(t->cert + t->cert_len, buf, len);
		t->cert_len += len;
		br_x509_decoder_push(&t->dec, buf, len);
	}
	if (t->use_ca)
		(*t->inner)->append(t->inner, buf, len);
}

static void end_cert(const br_x509_class **ctx)
{
	struct tlspin *t = self(ctx);

	if (t->use_ca)
		(*t->inner)->end_cert(t->inner);
	t->index++;
}

static unsigned end_chain(const br_x509_class **ctx)
{
	struct tlspin *t = self(ctx);
	unsigned r = 0;

	if (t->use_ca)
		r = (*t->inner)->end_chain(t->inner);
	if (t->index == 0 || t->too_long || spki_pin(t->cert, t->cert_len, t->seen) < 0)
		return r ? r : BR_ERR_X509_INVALID_VALUE;
	t->have_seen = 1;
	if (t->has_pin && memcmp(t->seen, t->pin, 32) != 0) {
		t->mismatch = 1;
		return r ? r : BR_ERR_X509_NOT_TRUSTED;
	}
	if (!t->use_ca && !t->has_pin)
		return BR_ERR_X509_NOT_TRUSTED;	/* never trust without a CA or a pin */
	if (!t->use_ca && br_x509_decoder_last_error(&t->dec) != 0)
		return BR_ERR_X509_INVALID_VALUE;
	return r;
}

static const br_x509_pkey *get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct tlspin *t = (struct tlspin *)(void *)ctx;

	if (t->use_ca)
		return (*t->inner)->get_pkey(t->inner, usages);
	if (usages)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return br_x509_decoder_get_pkey(&t->dec);
}

static const br_x509_class vtable = {
	sizeof(struct tlspin), start_chain, start_cert, append, end_cert, end_chain, get_pkey,
};

void tlspin_init(struct tlspin *t, int use_ca, const unsigned char *pin)
{
	memset(t, 0, sizeof *t);
	t->vtable = &vtable;
	t->use_ca = use_ca;
	if (pin) {
		t->has_pin = 1;
		memcpy(t->pin, pin, 32);
	}
}

int tlspin_install(void *curl, void *ssl_ctx, void *ud)
{
	br_ssl_client_context *cc = ssl_ctx;
	struct tlspin *t = ud;

	(void)curl;
	t->inner = cc->eng.x509ctx;	/* curl's engine, trust anchors already loaded */
	br_ssl_engine_set_x509(&cc->eng, &t->vtable);
	return 0;
}

int tlspin_explain(const struct tlspin *t, const char *endpoint, char *out, size_t cap)
{
	char want[65], got[65];

	if (!t->mismatch)
		return 0;
	spki_hex(t->pin, want);
	spki_hex(t->seen, got);
	snprintf(out, cap, "%s presented a certificate whose public key SHA-256 is %s, but "
		 "castellan.proxmox.pin_sha256 is %s; refusing to talk to it", endpoint, got, want);
	return 1;
}
