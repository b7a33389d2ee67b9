#include "iso9660.h"

#include <stdint.h>
#include <string.h>

/* The layout, in 2048-byte sectors: 0-15 the empty system area, 16 the
 * primary volume descriptor, 17 the terminator, 18 and 19 the L and M path
 * tables, then the root directory, one sector for the Rock Ridge ER entry
 * (too long for the "." record, so reached through a CE entry), and each
 * file in directory order. */
#define SECTOR 2048
#define PVD_LBA 16
#define PATH_L_LBA 18
#define PATH_M_LBA 19
#define DIR_LBA 20
#define PATH_TABLE_LEN 10	/* the root's entry alone: 8 bytes, 1-byte id, pad */
#define TIME_MAX 6000000000LL	/* past 2155, the last year a 7-byte date holds */

/* Rock Ridge 1.10 (RRIP_1991A, as genisoimage writes it). RR is the 1.09
 * flags entry: Linux stops reading a record's entries at an RR that lacks
 * the flag of what it is looking for, so it lists exactly what follows. */
#define RR_PX 0x01
#define RR_NM 0x08
#define RR_TF 0x80
#define TF_MODIFY_ACCESS_ATTRS 0x0e
#define MODE_FILE 0100444
#define MODE_DIR 040555

static const char er_id[] = "RRIP_1991A";
static const char er_des[] =
	"THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
static const char er_src[] =
	"PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER "
	"IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";
#define ER_LEN (8 + sizeof er_id - 1 + sizeof er_des - 1 + sizeof er_src - 1)

enum { REC_DOT = -2, REC_DOTDOT = -1 };	/* build_record's other "files" */

struct layout {
	const struct iso_file *f;
	int n;
	int order[ISO9660_MAX_FILES];		/* input indexes, sorted by ISO name */
	char base[ISO9660_MAX_FILES][9];	/* level-1 name: 8 d-characters */
	char ext[ISO9660_MAX_FILES][4];		/* and a 3-character extension */
	uint32_t lba[ISO9660_MAX_FILES];	/* by input index */
	uint32_t dir_sectors, ce_lba, total;
};

/* ---- numbers in the forms ECMA-119 §7 wants ---- */

static void le16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void be16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void le32(unsigned char *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

static void be32(unsigned char *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xffff);
}

/* §7.2.3 and §7.3.3: little-endian, then the same big-endian. */
static void both16(unsigned char *p, uint32_t v)
{
	le16(p, v);
	be16(p + 2, v);
}

static void both32(unsigned char *p, uint32_t v)
{
	le32(p, v);
	be32(p + 4, v);
}

/* A fixed-width text field: the text, then blanks (§7.4.3). */
static void text(unsigned char *p, size_t width, const char *s)
{
	size_t n = strlen(s);

	memset(p, ' ', width);
	memcpy(p, s, n < width ? n : width);
}

static void digits(unsigned char *p, unsigned v, int width)
{
	while (width-- > 0) {
		p[width] = (unsigned char)('0' + v % 10);
		v /= 10;
	}
}

/* ---- time ---- */

struct civil {
	unsigned y, mo, d, h, mi, s;
};

/* Days since 1970-01-01 to a proleptic Gregorian date, counting in
 * 400-year eras that start on March 1st so the leap day comes last. */
static void civil_from_unix(long long t, struct civil *c)
{
	long long days = t / 86400 + 719468, secs = t % 86400;
	long long era = days / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	c->d = doy - (153 * mp + 2) / 5 + 1;
	c->mo = mp < 10 ? mp + 3 : mp - 9;
	c->y = (unsigned)(yoe + era * 400) + (c->mo <= 2);
	c->h = (unsigned)(secs / 3600);
	c->mi = (unsigned)(secs / 60 % 60);
	c->s = (unsigned)(secs % 60);
}

/* §9.1.5: years since 1900, month, day, hour, minute, second, UTC. */
static void date7(unsigned char p[7], const struct civil *c)
{
	p[0] = (unsigned char)(c->y - 1900);
	p[1] = (unsigned char)c->mo;
	p[2] = (unsigned char)c->d;
	p[3] = (unsigned char)c->h;
	p[4] = (unsigned char)c->mi;
	p[5] = (unsigned char)c->s;
	p[6] = 0;
}

/* §8.4.26.1: "YYYYMMDDHHMMSScc" in digits, then the UTC offset. */
static void date17(unsigned char p[17], const struct civil *c)
{
	digits(p, c->y, 4);
	digits(p + 4, c->mo, 2);
	digits(p + 6, c->d, 2);
	digits(p + 8, c->h, 2);
	digits(p + 10, c->mi, 2);
	digits(p + 12, c->s, 2);
	digits(p + 14, 0, 2);
	p[16] = 0;
}

/* ---- names ---- */

static int name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int valid_name(const char *s)
{
	size_t n;

	if (!s)
		return 0;
	for (n = 0; s[n]; n++)
		if (n == ISO9660_NAME_MAX || !name_char((unsigned char)s[n]))
			return 0;
	return n > 0;
}

static int valid_volid(const char *s)
{
	size_t n;

	if (!s)
		return 0;
	for (n = 0; s[n]; n++)
		if (n == ISO9660_VOLID_MAX || !name_char((unsigned char)s[n]))
			return 0;
	return n > 0;
}

/* A name as the error sentence may show it: printable, and not too long. */
static const char *shown(char out[ISO9660_NAME_MAX + 4], const char *s)
{
	size_t i;

	if (!s)
		return "(none)";
	for (i = 0; s[i] && i < ISO9660_NAME_MAX; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	strcpy(out + i, s[i] ? "..." : "");
	return out;
}

/* ISO level 1 allows only A-Z, 0-9 and _ (the d-characters, §7.4.1). */
static char d_char(char c)
{
	if (c >= 'a' && c <= 'z')
		return (char)(c - 'a' + 'A');
	return ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '_';
}

/* "user-data" gives USER_DAT, "a.tar.gz" A_TAR and GZ: the last dot
 * splits the extension, as the 8.3 form has room for only one. */
static void level1_name(const char *name, char base[9], char ext[4])
{
	const char *dot = strrchr(name, '.');
	size_t blen = dot ? (size_t)(dot - name) : strlen(name), i, k = 0;

	for (i = 0; i < blen && k < 8; i++)
		base[k++] = d_char(name[i]);
	if (k == 0)
		base[k++] = '_';
	base[k] = '\0';
	for (k = 0, i = 1; dot && dot[i] && k < 3; i++)
		ext[k++] = d_char(dot[i]);
	ext[k] = '\0';
}

static int taken(const struct layout *L, int upto, const char *base, const char *ext)
{
	for (int j = 0; j < upto; j++)
		if (strcmp(L->base[j], base) == 0 && strcmp(L->ext[j], ext) == 0)
			return 1;
	return 0;
}

/* A clash (user-data-1, user-data-2) ends the base in a number instead;
 * with at most 16 files, one of 1..16 is always free. */
static void make_unique(struct layout *L, int i)
{
	char orig[9];
	size_t keep;

	memcpy(orig, L->base[i], sizeof orig);
	for (unsigned k = 1; taken(L, i, L->base[i], L->ext[i]); k++) {
		size_t nd = k < 10 ? 1 : 2;
		keep = strlen(orig) < 8 - nd ? strlen(orig) : 8 - nd;
		memcpy(L->base[i], orig, keep);
		if (nd == 2)
			L->base[i][keep++] = (char)('0' + k / 10);
		L->base[i][keep++] = (char)('0' + k % 10);
		L->base[i][keep] = '\0';
	}
}

/* §9.3: by name, then extension, the shorter padded with blanks. */
static int padded_cmp(const char *a, const char *b, size_t width)
{
	size_t la = strlen(a), lb = strlen(b);

	for (size_t i = 0; i < width; i++) {
		int ca = i < la ? (unsigned char)a[i] : ' ', cb = i < lb ? (unsigned char)b[i] : ' ';
		if (ca != cb)
			return ca - cb;
	}
	return 0;
}

static int iso_cmp(const struct layout *L, int i, int j)
{
	int c = padded_cmp(L->base[i], L->base[j], 8);
	return c ? c : padded_cmp(L->ext[i], L->ext[j], 3);
}

static void sort_names(struct layout *L)
{
	for (int i = 0; i < L->n; i++)
		L->order[i] = i;
	for (int i = 1; i < L->n; i++)
		for (int j = i; j > 0 && iso_cmp(L, L->order[j - 1], L->order[j]) > 0; j--) {
			int t = L->order[j];
			L->order[j] = L->order[j - 1];
			L->order[j - 1] = t;
		}
}

/* ---- directory records (§9.1) and their system use entries ---- */

static size_t su_sp(unsigned char *p)
{
	memcpy(p, "SP\7\1\xbe\xef\0", 7);
	return 7;
}

static size_t su_rr(unsigned char *p, unsigned flags)
{
	memcpy(p, "RR\5\1", 4);
	p[4] = (unsigned char)flags;
	return 5;
}

static size_t su_px(unsigned char *p, uint32_t mode, uint32_t links)
{
	memcpy(p, "PX\x24\1", 4);
	both32(p + 4, mode);
	both32(p + 12, links);
	both32(p + 20, 0);	/* uid root */
	both32(p + 28, 0);	/* gid root */
	return 36;
}

static size_t su_tf(unsigned char *p, const unsigned char date[7])
{
	memcpy(p, "TF\x1a\1", 4);
	p[4] = TF_MODIFY_ACCESS_ATTRS;
	for (int i = 0; i < 3; i++)
		memcpy(p + 5 + 7 * i, date, 7);
	return 26;
}

static size_t su_nm(unsigned char *p, const char *name)
{
	size_t n = strlen(name);

	memcpy(p, "NM", 2);
	p[2] = (unsigned char)(5 + n);
	p[3] = 1;
	p[4] = 0;
	memcpy(p + 5, name, n);
	return 5 + n;
}

static size_t su_ce(unsigned char *p, uint32_t lba, uint32_t len)
{
	memcpy(p, "CE\x1c\1", 4);
	both32(p + 4, lba);
	both32(p + 12, 0);
	both32(p + 20, len);
	return 28;
}

/* The fixed part and the identifier; returns where system use starts
 * (after a pad byte when the identifier's length is even, §9.1.12). */
static size_t rec_head(unsigned char *p, uint32_t lba, uint32_t len, int dir,
		       const unsigned char date[7], const char *id, size_t idlen)
{
	both32(p + 2, lba);
	both32(p + 10, len);
	memcpy(p + 18, date, 7);
	p[25] = dir ? 2 : 0;
	both16(p + 28, 1);
	p[32] = (unsigned char)idlen;
	memcpy(p + 33, id, idlen);
	return 33 + idlen + (idlen % 2 == 0);
}

/* "." and ".." of the root; only "." opens the system use area (SP) and
 * points at the ER entry (SUSP §5.3: the first record of the root). */
static size_t dir_record(unsigned char *rec, const struct layout *L, int dot,
			 const unsigned char date[7])
{
	size_t n = rec_head(rec, DIR_LBA, L->dir_sectors * SECTOR, 1, date, dot ? "\0" : "\1", 1);

	if (dot)
		n += su_sp(rec + n);
	n += su_rr(rec + n, RR_PX | RR_TF);
	n += su_px(rec + n, MODE_DIR, 2);
	n += su_tf(rec + n, date);
	if (dot)
		n += su_ce(rec + n, L->ce_lba, (uint32_t)ER_LEN);
	return n;
}

static size_t file_record(unsigned char *rec, const struct layout *L, int i,
			  const unsigned char date[7])
{
	size_t bl = strlen(L->base[i]), el = strlen(L->ext[i]), n;
	char id[16];

	memcpy(id, L->base[i], bl);	/* BASE.EXT;1 */
	id[bl] = '.';
	memcpy(id + bl + 1, L->ext[i], el);
	memcpy(id + bl + 1 + el, ";1", 2);
	n = rec_head(rec, L->lba[i], (uint32_t)L->f[i].len, 0, date, id, bl + el + 3);
	n += su_rr(rec + n, RR_PX | RR_NM | RR_TF);
	n += su_nm(rec + n, L->f[i].name);
	n += su_px(rec + n, MODE_FILE, 1);
	n += su_tf(rec + n, date);
	return n;
}

/* One directory record into rec (zeroed here), for the file at sorted
 * position k or for "." / ".."; returns its length, always even (§9.1.1).
 * The layout pass calls it too, so sizes and bytes cannot disagree. */
static size_t build_record(unsigned char rec[256], const struct layout *L, int k,
			   const unsigned char date[7])
{
	size_t n;

	memset(rec, 0, 256);
	if (k == REC_DOT || k == REC_DOTDOT)
		n = dir_record(rec, L, k == REC_DOT, date);
	else
		n = file_record(rec, L, L->order[k], date);
	n += n % 2;
	rec[0] = (unsigned char)n;
	return n;
}

/* Places the records, none across a sector boundary (§6.8.1.1), into dir
 * when it is not NULL; returns the sectors the directory takes. */
static uint32_t place_records(const struct layout *L, unsigned char *dir,
			      const unsigned char date[7])
{
	unsigned char rec[256];
	size_t off = 0;

	for (int k = REC_DOT; k < L->n; k++) {
		size_t len = build_record(rec, L, k, date);
		if (off % SECTOR + len > SECTOR)
			off = (off / SECTOR + 1) * SECTOR;
		if (dir)
			memcpy(dir + off, rec, len);
		off += len;
	}
	return (uint32_t)((off + SECTOR - 1) / SECTOR);
}

/* ---- layout ---- */

static int check_file(const struct iso_file *f, struct err *e)
{
	char s[ISO9660_NAME_MAX + 4];

	if (f->name && (strcmp(f->name, ".") == 0 || strcmp(f->name, "..") == 0))
		return err_set(e, "file name \"%s\" names a directory, not a file", f->name);
	if (!valid_name(f->name))
		return err_set(e, "file name \"%s\" is not 1 to %d characters of A-Z, a-z, 0-9, "
			       "'.', '_' and '-'", shown(s, f->name), ISO9660_NAME_MAX);
	if (f->len > (size_t)ISO9660_FILE_MAX)
		return err_set(e, "file %s is %zu bytes, over the %ld MiB an image file may hold",
			       f->name, f->len, ISO9660_FILE_MAX >> 20);
	if (f->len > 0 && !f->data)
		return err_set(e, "file %s has a length but no data", f->name);
	return 0;
}

static int check_files(const struct iso_file *f, int n, struct err *e)
{
	if (n < 1 || n > ISO9660_MAX_FILES)
		return err_set(e, "a cidata image holds 1 to %d files, not %d", ISO9660_MAX_FILES, n);
	for (int i = 0; i < n; i++) {
		if (check_file(&f[i], e) < 0)
			return -1;
		for (int j = 0; j < i; j++)
			if (strcmp(f[i].name, f[j].name) == 0)
				return err_set(e, "file %s is given twice", f[i].name);
	}
	return 0;
}

/* Validates the files, names them, and places every extent. */
static int plan(struct layout *L, const struct iso_file *f, int n, struct err *e)
{
	static const unsigned char no_date[7];
	uint32_t next;

	if (check_files(f, n, e) < 0)
		return -1;
	memset(L, 0, sizeof *L);
	L->f = f;
	L->n = n;
	for (int i = 0; i < n; i++) {
		level1_name(f[i].name, L->base[i], L->ext[i]);
		make_unique(L, i);
	}
	sort_names(L);
	L->dir_sectors = place_records(L, NULL, no_date);
	L->ce_lba = DIR_LBA + L->dir_sectors;
	next = L->ce_lba + 1;
	for (int k = 0; k < n; k++) {
		int i = L->order[k];
		/* An empty file reads no sector; it still points inside the
		 * image (at the ER sector), for readers that check bounds. */
		L->lba[i] = f[i].len ? next : L->ce_lba;
		next += (uint32_t)((f[i].len + SECTOR - 1) / SECTOR);
	}
	L->total = next;
	return 0;
}

size_t iso9660_size(const struct iso_file *files, int n)
{
	struct layout L;
	struct err e;

	return plan(&L, files, n, &e) < 0 ? 0 : (size_t)L.total * SECTOR;
}

/* ---- the image ---- */

static void root_record(unsigned char p[34], const struct layout *L, const unsigned char date[7])
{
	rec_head(p, DIR_LBA, L->dir_sectors * SECTOR, 1, date, "\0", 1);
	p[0] = 34;
}

/* §8.4: the primary volume descriptor. */
static void put_pvd(unsigned char *p, const struct layout *L, const char *volid,
		    const struct civil *c, const unsigned char date[7])
{
	p[0] = 1;
	memcpy(p + 1, "CD001\1", 6);
	text(p + 8, 32, "");			/* system */
	text(p + 40, 32, volid);
	both32(p + 80, L->total);
	both16(p + 120, 1);			/* volume set size */
	both16(p + 124, 1);			/* volume sequence number */
	both16(p + 128, SECTOR);
	both32(p + 132, PATH_TABLE_LEN);
	le32(p + 140, PATH_L_LBA);
	be32(p + 148, PATH_M_LBA);
	root_record(p + 156, L, date);
	text(p + 190, 128, "");			/* volume set */
	text(p + 318, 128, "");			/* publisher */
	text(p + 446, 128, "");			/* data preparer */
	text(p + 574, 128, "CASTELLAN");	/* application */
	text(p + 702, 37 * 3, "");		/* copyright, abstract, bibliographic files */
	date17(p + 813, c);			/* created */
	date17(p + 830, c);			/* modified */
	memset(p + 847, '0', 16);		/* never expires */
	memset(p + 864, '0', 16);		/* effective: unspecified */
	p[881] = 1;				/* file structure version */
}

/* §9.4: the root's one entry, in L (little-endian) or M form. */
static void put_path_table(unsigned char *p, int big)
{
	p[0] = 1;
	if (big) {
		be32(p + 2, DIR_LBA);
		be16(p + 6, 1);
	} else {
		le32(p + 2, DIR_LBA);
		le16(p + 6, 1);
	}
}

/* SUSP §5.5: names the extension, so Linux turns Rock Ridge on. */
static void put_er(unsigned char *p)
{
	size_t li = sizeof er_id - 1, ld = sizeof er_des - 1, ls = sizeof er_src - 1;

	memcpy(p, "ER", 2);
	p[2] = (unsigned char)ER_LEN;
	p[3] = 1;
	p[4] = (unsigned char)li;
	p[5] = (unsigned char)ld;
	p[6] = (unsigned char)ls;
	p[7] = 1;
	memcpy(p + 8, er_id, li);
	memcpy(p + 8 + li, er_des, ld);
	memcpy(p + 8 + li + ld, er_src, ls);
}

static int check_write(const char *volid, long long t, size_t need, size_t cap, struct err *e)
{
	char s[ISO9660_NAME_MAX + 4];
	struct civil c;

	if (!valid_volid(volid))
		return err_set(e, "volume id \"%s\" is not 1 to %d characters of A-Z, a-z, 0-9, "
			       "'.', '_' and '-'", shown(s, volid), ISO9660_VOLID_MAX);
	if (t >= 0 && t <= TIME_MAX)
		civil_from_unix(t, &c);
	if (t < 0 || t > TIME_MAX || c.y > 2155)
		return err_set(e, "time %lld is outside 1970 to 2155, the years an ISO 9660 date holds", t);
	if (need > cap)
		return err_set(e, "the image is %zu bytes but the buffer holds %zu", need, cap);
	return 0;
}

long iso9660_write(void *out, size_t cap, const char *volume_id, long long mtime_unix,
		   const struct iso_file *files, int n, struct err *e)
{
	unsigned char *o = out, date[7];
	struct layout L;
	struct civil c;
	size_t size;

	if (plan(&L, files, n, e) < 0)
		return -1;
	size = (size_t)L.total * SECTOR;
	if (check_write(volume_id, mtime_unix, size, cap, e) < 0)
		return -1;
	civil_from_unix(mtime_unix, &c);
	date7(date, &c);
	memset(o, 0, size);
	put_pvd(o + PVD_LBA * SECTOR, &L, volume_id, &c, date);
	memcpy(o + (PVD_LBA + 1) * SECTOR, "\xff" "CD001\1", 7);
	put_path_table(o + PATH_L_LBA * SECTOR, 0);
	put_path_table(o + PATH_M_LBA * SECTOR, 1);
	place_records(&L, o + DIR_LBA * SECTOR, date);
	put_er(o + (size_t)L.ce_lba * SECTOR);
	for (int i = 0; i < n; i++)
		if (files[i].len)
			memcpy(o + (size_t)L.lba[i] * SECTOR, files[i].data, files[i].len);
	return (long)size;
}
