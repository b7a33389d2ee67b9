/* The in-memory NoCloud seed image: read back here by a small ISO 9660 /
 * Rock Ridge reader of the test's own, and by seedlabel as the appliance
 * would. tests/iso/run.sh holds the same images against isoinfo and
 * xorriso; the boot tests have Linux mount them. */
#include "check.h"
#include "iso9660.h"
#include "seedlabel.h"

#include <stdint.h>
#include <stdlib.h>

#define SECTOR 2048
#define T0 1700000000LL	/* 2023-11-14 22:13:20 UTC */

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Both-endian fields must agree (ECMA-119 §7.3.3). */
static uint32_t both32(const unsigned char *p)
{
	CHECK(le32(p) == be32(p + 4));
	return le32(p);
}

struct entry {
	char iso[32], rr[80];
	uint32_t lba, len, mode;
	int dir;
	const unsigned char *su;	/* system use area */
	size_t sulen;
};

/* The system use entry sig in e's area, or NULL. */
static const unsigned char *su_find(const struct entry *e, const char *sig)
{
	size_t off = 0;

	while (off + 4 <= e->sulen && e->su[off + 2] >= 4 && off + e->su[off + 2] <= e->sulen) {
		if (memcmp(e->su + off, sig, 2) == 0)
			return e->su + off;
		off += e->su[off + 2];
	}
	return NULL;
}

static void parse_entry(const unsigned char *r, struct entry *e)
{
	const unsigned char *nm, *px;
	size_t nl = r[32], su = 33 + nl + (nl % 2 == 0);

	memset(e, 0, sizeof *e);
	CHECK(r[0] % 2 == 0 && su <= r[0]);
	memcpy(e->iso, r + 33, nl < 31 ? nl : 31);
	e->lba = both32(r + 2);
	e->len = both32(r + 10);
	e->dir = r[25] & 2;
	e->su = r + su;
	e->sulen = r[0] - su;
	if ((nm = su_find(e, "NM")) != NULL)
		memcpy(e->rr, nm + 5, nm[2] - 5);
	if ((px = su_find(e, "PX")) != NULL)
		e->mode = both32(px + 4);
}

/* Reads the root directory into ents (the "." record first); returns the
 * count. Records never cross a sector: a zero length byte skips ahead. */
static int read_root(const unsigned char *img, size_t size, struct entry *ents, int max)
{
	const unsigned char *pvd = img + 16 * SECTOR;
	uint32_t lba = both32(pvd + 156 + 2), len = both32(pvd + 156 + 10);
	size_t off = (size_t)lba * SECTOR, end = off + len;
	int n = 0;

	CHECK(end <= size && len % SECTOR == 0);
	while (off < end && n < max) {
		if (img[off] == 0) {
			off = (off / SECTOR + 1) * SECTOR;
			continue;
		}
		CHECK(off / SECTOR == (off + img[off] - 1) / SECTOR);
		parse_entry(img + off, &ents[n++]);
		off += img[off];
	}
	return n;
}

static const struct entry *by_rr(const struct entry *ents, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(ents[i].rr, name) == 0)
			return &ents[i];
	return NULL;
}

/* A fresh image of exactly the announced size (so ASan sees any overrun). */
static unsigned char *make(const struct iso_file *f, int n, long *len, struct err *e)
{
	size_t size = iso9660_size(f, n);
	unsigned char *img = malloc(size ? size : 1);

	*len = iso9660_write(img, size, "cidata", T0, f, n, e);
	CHECK(*len < 0 || (size_t)*len == size);
	return img;
}

static void test_seed(void)
{
	static const char ud[] = "#cloud-config\nhostname: castellan\n", md[] = "instance-id: x\n";
	struct iso_file f[] = { { "user-data", ud, sizeof ud - 1 }, { "meta-data", md, sizeof md - 1 },
				{ "network-config", NULL, 0 } };
	struct entry ents[8];
	const struct entry *u, *nc;
	struct err e;
	char label[33];
	long len;
	unsigned char *img = make(f, 3, &len, &e), *again = make(f, 3, &len, &e);

	CHECK(len > 0 && len % SECTOR == 0);
	CHECK(memcmp(img, again, (size_t)len) == 0);	/* deterministic */
	CHECK(seedlabel_probe(img, (size_t)len, label) == SEED_ISO9660);
	CHECK_STR(label, "cidata");
	CHECK(seedlabel_is_cidata(label));

	const unsigned char *pvd = img + 16 * SECTOR, *term = img + 17 * SECTOR;
	CHECK(pvd[0] == 1 && memcmp(pvd + 1, "CD001", 5) == 0 && pvd[6] == 1);
	CHECK(both32(pvd + 80) * SECTOR == (uint32_t)len);	/* volume space size */
	CHECK(pvd[128] == 0x00 && pvd[129] == 0x08 && pvd[130] == 0x08 && pvd[131] == 0x00);
	CHECK(memcmp(pvd + 813, "2023111422132000", 16) == 0 && pvd[829] == 0);
	CHECK(pvd[881] == 1);
	CHECK(term[0] == 255 && memcmp(term + 1, "CD001", 5) == 0);
	/* the L and M path tables both name the root's extent */
	uint32_t root = both32(pvd + 158);
	CHECK(le32(img + le32(pvd + 140) * SECTOR + 2) == root);
	CHECK(be32(img + be32(pvd + 148) * SECTOR + 2) == root);

	int n = read_root(img, (size_t)len, ents, 8);
	CHECK(n == 5);
	/* ".": SP first, then a CE to the ER naming Rock Ridge 1.10 */
	CHECK(ents[0].iso[0] == 0 && ents[0].dir && ents[0].mode == 040555);
	CHECK(ents[0].sulen >= 7 && memcmp(ents[0].su, "SP\7\1\xbe\xef", 6) == 0);
	const unsigned char *ce = su_find(&ents[0], "CE");
	CHECK(ce && memcmp(img + both32(ce + 4) * SECTOR + both32(ce + 12), "ER", 2) == 0);
	CHECK(ce && memcmp(img + both32(ce + 4) * SECTOR + 8, "RRIP_1991A", 10) == 0);
	/* level-1 names, sorted; the real names in NM */
	CHECK_STR(ents[2].iso, "META_DAT.;1");
	CHECK_STR(ents[3].iso, "NETWORK_.;1");
	CHECK_STR(ents[4].iso, "USER_DAT.;1");
	u = by_rr(ents, n, "user-data");
	CHECK(u && u->mode == 0100444 && u->len == sizeof ud - 1);
	CHECK(u && memcmp(img + (size_t)u->lba * SECTOR, ud, sizeof ud - 1) == 0);
	nc = by_rr(ents, n, "network-config");
	CHECK(nc && nc->len == 0 && nc->lba > 0 && nc->lba < (uint32_t)len / SECTOR);
	CHECK(by_rr(ents, n, "meta-data") != NULL);
	/* every record's dates: 2023-11-14 22:13:20 UTC */
	const unsigned char *tf = su_find(u, "TF");
	CHECK(tf && memcmp(tf + 5, "\x7b\x0b\x0e\x16\x0d\x14\x00", 7) == 0);
	free(img);
	free(again);
}

/* A Talos config with inline manifests: over a MiB, across many sectors. */
static void test_large(void)
{
	size_t big = 1536 * 1024 + 7;
	unsigned char *data = malloc(big), *img;
	struct iso_file f[] = { { "user-data", data, big }, { "meta-data", "i: x\n", 5 } };
	struct entry ents[4];
	const struct entry *u;
	struct err e;
	long len;

	for (size_t i = 0; i < big; i++)
		data[i] = (unsigned char)(i * 7 + i / 2048);
	img = make(f, 2, &len, &e);
	CHECK(len > (long)big);
	u = by_rr(ents, read_root(img, (size_t)len, ents, 4), "user-data");
	CHECK(u && u->len == big && memcmp(img + (size_t)u->lba * SECTOR, data, big) == 0);
	free(img);
	free(data);
}

/* Sixteen 64-character names: the directory spans two sectors. */
static void test_many(void)
{
	static char names[ISO9660_MAX_FILES][ISO9660_NAME_MAX + 1];
	struct iso_file f[ISO9660_MAX_FILES];
	struct entry ents[ISO9660_MAX_FILES + 2];
	struct err e;
	long len;
	int found = 0;

	for (int i = 0; i < ISO9660_MAX_FILES; i++) {
		memset(names[i], 'n', ISO9660_NAME_MAX);
		names[i][0] = (char)('a' + i);
		f[i] = (struct iso_file){ names[i], names[i], 1 };
	}
	unsigned char *img = make(f, ISO9660_MAX_FILES, &len, &e);
	int n = read_root(img, (size_t)len, ents, ISO9660_MAX_FILES + 2);
	CHECK(n == ISO9660_MAX_FILES + 2);
	CHECK(both32(img + 16 * SECTOR + 156 + 10) == 2 * SECTOR);
	for (int i = 0; i < ISO9660_MAX_FILES; i++) {
		const struct entry *x = by_rr(ents, n, names[i]);
		found += x && img[(size_t)x->lba * SECTOR] == (unsigned char)names[i][0];
	}
	CHECK(found == ISO9660_MAX_FILES);
	free(img);
}

/* Names that fold to the same 8.3 name still get distinct ones. */
static void test_unique(void)
{
	const char *nm[] = { "user-data", "user_data", "USER-DATA", "user-dat", "a.b.c", ".x" };
	struct iso_file f[6];
	struct entry ents[8];
	struct err e;
	long len;

	for (int i = 0; i < 6; i++)
		f[i] = (struct iso_file){ nm[i], "x", 1 };
	unsigned char *img = make(f, 6, &len, &e);
	int n = read_root(img, (size_t)len, ents, 8);
	CHECK(n == 8);
	for (int i = 2; i < n; i++)
		for (int j = 2; j < i; j++)
			CHECK(strcmp(ents[i].iso, ents[j].iso) != 0);
	CHECK(by_rr(ents, n, "USER-DATA") && by_rr(ents, n, "user_data"));
	CHECK_STR(by_rr(ents, n, "user-data")->iso, "USER_DAT.;1");
	CHECK_STR(by_rr(ents, n, "a.b.c")->iso, "A_B.C;1");
	CHECK_STR(by_rr(ents, n, ".x")->iso, "_.X;1");
	free(img);
}

static const char *refuse(const struct iso_file *f, int n, const char *volid, long long t,
			  size_t shortby)
{
	static struct err e;
	static unsigned char buf[64 * 1024];
	size_t size = iso9660_size(f, n);
	size_t cap = shortby ? size - shortby : sizeof buf;

	e.msg[0] = '\0';
	CHECK(iso9660_write(buf, cap, volid, t, f, n, &e) == -1);
	return e.msg;
}

static void test_refusals(void)
{
	char long_name[ISO9660_NAME_MAX + 2];
	struct iso_file ok = { "user-data", "x", 1 }, f[ISO9660_MAX_FILES + 1];

	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	for (int i = 0; i <= ISO9660_MAX_FILES; i++)
		f[i] = ok;
	CHECK_HAS(refuse(f, 2, "cidata", T0, 0), "file user-data is given twice");
	CHECK(iso9660_size(f, 2) == 0);
	CHECK_HAS(refuse(f, ISO9660_MAX_FILES + 1, "cidata", T0, 0), "1 to 16 files, not 17");
	CHECK_HAS(refuse(f, 0, "cidata", T0, 0), "not 0");
	f[0].name = "user/data";
	CHECK_HAS(refuse(f, 1, "cidata", T0, 0), "file name \"user/data\" is not 1 to 64");
	f[0].name = "";
	CHECK_HAS(refuse(f, 1, "cidata", T0, 0), "file name \"\" is not");
	f[0].name = "bell\a";
	CHECK_HAS(refuse(f, 1, "cidata", T0, 0), "\"bell?\"");
	f[0].name = long_name;
	CHECK_HAS(refuse(f, 1, "cidata", T0, 0), "aaa...\" is not 1 to 64");
	f[0].name = NULL;
	CHECK_HAS(refuse(f, 1, "cidata", T0, 0), "(none)");
	f[0].name = "..";
	CHECK_HAS(refuse(f, 1, "cidata", T0, 0), "names a directory");
	f[0] = (struct iso_file){ "meta-data", NULL, 3 };
	CHECK_HAS(refuse(f, 1, "cidata", T0, 0), "file meta-data has a length but no data");
	f[0] = (struct iso_file){ "huge", "x", (size_t)ISO9660_FILE_MAX + 1 };
	CHECK_HAS(refuse(f, 1, "cidata", T0, 0), "file huge is 268435457 bytes");
	CHECK_HAS(refuse(&ok, 1, "ci data", T0, 0), "volume id \"ci data\"");
	CHECK_HAS(refuse(&ok, 1, "", T0, 0), "volume id \"\"");
	CHECK_HAS(refuse(&ok, 1, "cidata", -1, 0), "outside 1970 to 2155");
	CHECK_HAS(refuse(&ok, 1, "cidata", 5970000000LL, 0), "outside 1970 to 2155");	/* 2159 */
	CHECK_HAS(refuse(&ok, 1, "cidata", T0, 1), "but the buffer holds");
}

/* Both ends of the time range a 7-byte date holds. */
static void test_times(void)
{
	struct iso_file f = { "a", "x", 1 };
	static unsigned char buf[64 * 1024];
	struct err e;

	CHECK(iso9660_write(buf, sizeof buf, "CIDATA", 0, &f, 1, &e) > 0);
	CHECK(memcmp(buf + 16 * SECTOR + 813, "1970010100000000", 16) == 0);
	CHECK(iso9660_write(buf, sizeof buf, "CIDATA", 5869583999LL, &f, 1, &e) > 0);
	CHECK(memcmp(buf + 16 * SECTOR + 813, "2155123123595900", 16) == 0);
	CHECK(iso9660_write(buf, sizeof buf, "CIDATA", 5869584000LL, &f, 1, &e) == -1);
	/* a leap day */
	CHECK(iso9660_write(buf, sizeof buf, "CIDATA", 951782400LL, &f, 1, &e) > 0);
	CHECK(memcmp(buf + 16 * SECTOR + 813, "2000022900000000", 16) == 0);
}

int main(void)
{
	test_seed();
	test_large();
	test_many();
	test_unique();
	test_refusals();
	test_times();
	return check_done("iso9660");
}
