/* Recognising the NoCloud seed from a device's first bytes. The ISO case is
 * also covered end to end by the boot tests, on images xorriso made. */
#include "check.h"
#include "seedlabel.h"

static unsigned char buf[SEEDLABEL_PROBE];

static void iso(const char *volid)
{
	memset(buf, 0, sizeof buf);
	buf[32768] = 1;
	memcpy(buf + 32769, "CD001", 5);
	memset(buf + 32768 + 40, ' ', 32);
	memcpy(buf + 32768 + 40, volid, strlen(volid));
}

static void fat(int fat32, const char *label)
{
	memset(buf, 0, sizeof buf);
	buf[510] = 0x55;
	buf[511] = 0xAA;
	if (fat32) {
		buf[66] = 0x29;
		memset(buf + 71, ' ', 11);
		memcpy(buf + 71, label, strlen(label));
		memcpy(buf + 82, "FAT32   ", 8);
	} else {
		buf[38] = 0x29;
		memset(buf + 43, ' ', 11);
		memcpy(buf + 43, label, strlen(label));
		memcpy(buf + 54, "FAT12   ", 8);
	}
}

int main(void)
{
	char label[33];

	iso("cidata");
	CHECK(seedlabel_probe(buf, sizeof buf, label) == SEED_ISO9660);
	CHECK_STR(label, "cidata");
	CHECK(seedlabel_is_cidata(label));
	CHECK_STR(seedlabel_fstype(SEED_ISO9660), "iso9660");
	/* a short read (a tiny device) is not a seed, and is not read past */
	CHECK(seedlabel_probe(buf, 32768 + 10, label) == SEED_NONE);
	iso("CASTELLAN");
	CHECK(seedlabel_probe(buf, sizeof buf, label) == SEED_ISO9660);
	CHECK(!seedlabel_is_cidata(label));
	iso("CiData");
	seedlabel_probe(buf, sizeof buf, label);
	CHECK(!seedlabel_is_cidata(label));

	fat(0, "CIDATA");
	CHECK(seedlabel_probe(buf, sizeof buf, label) == SEED_VFAT);
	CHECK_STR(label, "CIDATA");
	CHECK(seedlabel_is_cidata(label));
	fat(1, "cidata");
	CHECK(seedlabel_probe(buf, sizeof buf, label) == SEED_VFAT);
	CHECK_STR(label, "cidata");
	fat(1, "cidata");
	buf[511] = 0;
	CHECK(seedlabel_probe(buf, sizeof buf, label) == SEED_NONE);
	memset(buf, 0, sizeof buf);
	CHECK(seedlabel_probe(buf, sizeof buf, label) == SEED_NONE);
	CHECK(seedlabel_probe(buf, 100, label) == SEED_NONE);
	/* control bytes in a label never reach the log */
	iso("ci\ndata");
	seedlabel_probe(buf, sizeof buf, label);
	CHECK_STR(label, "ci?data");
	return check_done("seedlabel");
}
