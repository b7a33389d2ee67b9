/* network-config v1 (as Proxmox VE writes it) and v2, and the IPv4 helpers
 * they stand on. */
#include "check.h"
#include "ipv4.h"
#include "netcfg.h"

static struct net_plan plan;

static int parse(const char *text, struct err *e)
{
	e->msg[0] = '\0';
	return netcfg_parse(text, strlen(text), &plan, e);
}

static void ipv4(void)
{
	uint32_t a;
	int p;
	char s[IPV4_STRLEN];

	CHECK(ipv4_parse("10.0.0.1", &a) == 0 && a == 0x0a000001);
	CHECK(ipv4_parse("255.255.255.255", &a) == 0 && a == 0xffffffff);
	CHECK(ipv4_parse("0.0.0.0", &a) == 0 && a == 0);
	CHECK(ipv4_parse("256.0.0.1", &a) < 0);
	CHECK(ipv4_parse("1.2.3", &a) < 0);
	CHECK(ipv4_parse("1.2.3.4.5", &a) < 0);
	CHECK(ipv4_parse("01.2.3.4", &a) < 0);
	CHECK(ipv4_parse("1.2.3.4 ", &a) < 0);
	CHECK(ipv4_parse("1..3.4", &a) < 0);
	CHECK(ipv4_parse("1.2.3.1000", &a) < 0);
	CHECK(ipv4_parse("", &a) < 0);
	CHECK(ipv4_parse_cidr("10.0.0.0/24", &a, &p) == 0 && p == 24);
	CHECK(ipv4_parse_cidr("10.0.0.0/0", &a, &p) == 0 && p == 0);
	CHECK(ipv4_parse_cidr("10.0.0.0/33", &a, &p) < 0);
	CHECK(ipv4_parse_cidr("10.0.0.0/024", &a, &p) < 0);
	CHECK(ipv4_parse_cidr("10.0.0.0/08", &a, &p) < 0);
	CHECK(ipv4_parse_cidr("10.0.0.0/", &a, &p) < 0);
	CHECK(ipv4_parse_cidr("10.0.0.0", &a, &p) < 0);
	CHECK(ipv4_mask_to_prefix(0xffffff00, &p) == 0 && p == 24);
	CHECK(ipv4_mask_to_prefix(0, &p) == 0 && p == 0);
	CHECK(ipv4_mask_to_prefix(0xffffffff, &p) == 0 && p == 32);
	CHECK(ipv4_mask_to_prefix(0xff00ff00, &p) < 0);
	CHECK(ipv4_in_net(0x0a000005, 0x0a000000, 24));
	CHECK(!ipv4_in_net(0x0a000105, 0x0a000000, 24));
	CHECK_STR(ipv4_format(0xc0a80101, s), "192.168.1.1");
}

/* Byte for byte what qemu-server's nocloud_network generates. */
static void proxmox_v1(void)
{
	struct err e;
	char s[IPV4_STRLEN];
	const char *dhcp =
		"version: 1\n"
		"config:\n"
		"    - type: physical\n"
		"      name: eth0\n"
		"      mac_address: 'bc:24:11:aa:bb:cc'\n"
		"      subnets:\n"
		"      - type: dhcp4\n"
		"    - type: nameserver\n"
		"      address:\n"
		"      - '10.0.0.1'\n"
		"      search:\n"
		"      - 'lan'\n";
	const char *fixed =
		"version: 1\n"
		"config:\n"
		"    - type: physical\n"
		"      name: eth0\n"
		"      mac_address: 'bc:24:11:aa:bb:cc'\n"
		"      subnets:\n"
		"      - type: static\n"
		"        address: '10.0.0.5'\n"
		"        netmask: '255.255.255.0'\n"
		"        gateway: '10.0.0.1'\n"
		"      - type: static6\n"
		"        address: 'fd00::5/64'\n"
		"    - type: nameserver\n"
		"      address:\n"
		"      - '10.0.0.1'\n"
		"      - 'fd00::1'\n"
		"      search:\n"
		"      - 'lan'\n";

	CHECK(parse(dhcp, &e) == 0);
	CHECK(plan.dhcp == 1 && plan.has_mac && plan.mac[0] == 0xbc && plan.mac[5] == 0xcc);
	CHECK_STR(plan.ifname, "eth0");
	CHECK(plan.ndns == 1 && plan.dns[0] == 0x0a000001);
	CHECK(plan.nsearch == 1);
	CHECK_STR(plan.search[0], "lan");

	CHECK(parse(fixed, &e) == 0);
	CHECK(plan.dhcp == 0 && plan.prefix == 24);
	CHECK_STR(ipv4_format(plan.addr, s), "10.0.0.5");
	CHECK_STR(ipv4_format(plan.gateway, s), "10.0.0.1");
	CHECK(plan.ndns == 1);	/* the IPv6 server is skipped */
}

static void v2(void)
{
	struct err e;
	char s[IPV4_STRLEN];
	const char *fixed =
		"network:\n"
		"  version: 2\n"
		"  ethernets:\n"
		"    lan:\n"
		"      match: {macaddress: 'BC:24:11:00:00:01'}\n"
		"      set-name: eth0\n"
		"      addresses: ['fd00::5/64', 192.168.7.9/23]\n"
		"      routes: [{to: default, via: 192.168.6.1}]\n"
		"      nameservers: {addresses: [192.168.6.1], search: [home.arpa]}\n"
		"      mtu: 9000\n";

	CHECK(parse(fixed, &e) == 0);
	CHECK(!plan.dhcp && plan.prefix == 23 && plan.mtu == 9000 && plan.has_mac);
	CHECK_STR(ipv4_format(plan.addr, s), "192.168.7.9");
	CHECK_STR(ipv4_format(plan.gateway, s), "192.168.6.1");
	CHECK_STR(plan.ifname, "eth0");
	CHECK_STR(plan.search[0], "home.arpa");

	CHECK(parse("version: 2\nethernets:\n  eth1: {dhcp4: true}\n", &e) == 0);
	CHECK(plan.dhcp && !plan.has_mac);
	CHECK_STR(plan.ifname, "eth1");
	CHECK(parse("version: 2\nethernets:\n  eth0: {addresses: [10.1.1.1/24], gateway4: 10.1.1.254}\n", &e) == 0);
	CHECK(plan.gateway == 0x0a0101fe);
}

static void refused(void)
{
	struct err e;

	CHECK(parse("", &e) == 0 && plan.dhcp);	/* empty file: defaults */
	/* an address without a netmask means /24, as cloud-init reads it */
	CHECK(parse("version: 1\nconfig:\n  - {type: physical, name: eth0, subnets: [{type: static, address: 10.0.0.5}]}\n"
		    "  - {type: route, gateway: 10.0.0.1}\n", &e) == 0);
	CHECK(!plan.dhcp && plan.prefix == 24 && plan.gateway == 0);
	CHECK(parse("version: 3\n", &e) < 0);
	CHECK_STR(e.msg, "network-config.version: 3 is out of range (expected 1 to 2)");
	CHECK(parse("version: 1\nconfig:\n  - type: bond\n    name: bond0\n", &e) < 0);
	CHECK_STR(e.msg, "network-config.config[0].type: \"bond\" is not supported; castellan configures one physical interface");
	CHECK(parse("version: 1\nconfig:\n  - {type: physical, name: eth0, subnets: [{type: static, address: 10.0.0.5, netmask: 255.0.255.0}]}\n", &e) < 0);
	CHECK_STR(e.msg, "network-config.config[0].subnets[0].netmask: \"255.0.255.0\" is not a netmask such as 255.255.255.0");
	CHECK(parse("version: 1\nconfig:\n  - {type: physical, mac_address: 'bc:24:11'}\n", &e) < 0);
	CHECK_STR(e.msg, "network-config.config[0].mac_address: \"bc:24:11\" is not a MAC address such as bc:24:11:00:00:01");
	CHECK(parse("version: 1\nconfig:\n  - {type: physical, name: eth0, subnets: [{type: static6, address: 'fd00::1/64'}]}\n", &e) < 0);
	CHECK_STR(e.msg, "network-config.config: no physical interface has IPv4 settings (dhcp4 or static)");
	CHECK(parse("version: 2\nethernets:\n  eth0: {addresses: [10.1.1.1]}\n", &e) < 0);
	CHECK_STR(e.msg, "network-config.ethernets.eth0.addresses[0]: \"10.1.1.1\" is not an address with a prefix such as 10.0.0.5/24");
	CHECK(parse("version: 2\nethernets:\n  eth0: {addresses: [10.1.1.1/24], gateway4: 10.2.2.2}\n", &e) < 0);
	CHECK_STR(e.msg, "network-config: the default gateway 10.2.2.2 is outside 10.1.1.1/24");
	CHECK(plan.dhcp == 1);	/* a refused document leaves the defaults */
	CHECK(parse("version: 2\n", &e) < 0);
	CHECK_STR(e.msg, "network-config.ethernets: is required: castellan configures one Ethernet interface");
	CHECK(parse("version: [2\n", &e) < 0);
	CHECK_HAS(e.msg, "network-config: line ");
}

int main(void)
{
	ipv4();
	proxmox_v1();
	v2();
	refused();
	return check_done("netcfg");
}
