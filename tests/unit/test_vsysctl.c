/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for drivers/virt/vsysctl.c, through the bus as a guest sees
 * it: CONFIG_ADDRESS readback and masking and its dword-only decode (PCI
 * 3.0 3.2.2.3.2, and Linux's pci_check_type1 sequence), CONFIG_DATA with
 * an empty bus, the three reset ports with their why texts and 0 -> 1
 * rules (ICH10 RST_CNT, port 0x92, the 8042's pulse commands), the A20
 * bit, the POST port, the neighbours that stay unassigned, reset and the
 * console view. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/bus.h"
#include "drivers/virt/vsysctl.h"

static struct bus bus;
static struct vsysctl sc;
static char err[128];
static struct bus_req last;	/* the last request, as the device left it */

static int setup(void **state)
{
	(void)state;
	bus_init(&bus, NULL);
	memset(&sc, 0x5a, sizeof(sc));	/* init must not rely on zeroes */
	vsysctl_init(&sc);
	assert_int_equal(vsysctl_attach(&sc, &bus, err, sizeof(err)), 0);
	return 0;
}

static enum bus_status acc(uint16_t port, unsigned size, bool write, uint64_t val)
{
	memset(&last, 0, sizeof(last));
	last.addr = port;
	last.size = size;
	last.write = write;
	last.val = val;
	return bus_access(&bus, BUS_PIO, &last);
}

static uint64_t in(uint16_t port, unsigned size)
{
	assert_int_equal(acc(port, size, false, 0x1234), BUS_OK);
	return last.val;
}

static void out(uint16_t port, unsigned size, uint64_t val)
{
	assert_int_equal(acc(port, size, true, val), BUS_OK);
}

static struct vsysctl_view view(void)
{
	struct vsysctl_view v;

	vsysctl_view(&sc, &v);
	return v;
}

static void test_init_state(void **state)
{
	struct vsysctl_view v = view();

	(void)state;
	assert_int_equal(v.pci_addr, 0);
	assert_int_equal(v.rcr, 0);
	assert_int_equal(v.port92, 0);
	assert_int_equal(v.post, 0);
	assert_int_equal(v.posts, 0);
}

static void test_attach_ranges(void **state)
{
	static const struct { uint64_t base, len; const char *name; } want[] = {
		{ 0x64, 1, "kbc" }, { 0x80, 1, "post" }, { 0x92, 1, "port92" }, { 0xcf8, 8, "pci" },
	};
	static const uint16_t empty[] = { 0x60, 0x61, 0x63, 0x65, 0x7f, 0x81, 0x91, 0x93,
					  0xcf7, 0xd00 };

	(void)state;
	assert_int_equal(bus.nr_ranges, 4);
	for (size_t i = 0; i < 4; i++) {	/* the bus keeps them sorted */
		assert_int_equal(bus.range[i].base, want[i].base);
		assert_int_equal(bus.range[i].len, want[i].len);
		assert_string_equal(bus.range[i].name, want[i].name);
	}
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		assert_int_equal(acc(empty[i], 1, false, 0), BUS_UNASSIGNED);
		assert_int_equal(last.val, 0xff);
	}
}

static enum bus_status nobody(void *dev, uint64_t offset, struct bus_req *r)
{
	(void)dev;
	(void)offset;
	(void)r;
	return BUS_UNASSIGNED;
}

/* A port already taken: the sentence names both ranges. */
static void test_attach_conflict(void **state)
{
	const struct bus_range a20 = {
		.space = BUS_PIO, .base = 0x92, .len = 1, .name = "a20", .access = nobody,
	};

	(void)state;
	bus_init(&bus, NULL);
	assert_int_equal(bus_register(&bus, &a20, err, sizeof(err)), 0);
	assert_int_equal(vsysctl_attach(&sc, &bus, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "port92"));
	assert_non_null(strstr(err, "a20"));
}

/* Linux arch/x86/pci/direct.c pci_check_type1: a byte to 0xcfb must not
 * disturb CONFIG_ADDRESS, and 0x80000000 must read back. */
static void test_config_address_linux_probe(void **state)
{
	(void)state;
	assert_int_equal(acc(0xcfb, 1, true, 0x01), BUS_UNASSIGNED);
	assert_int_equal(in(0xcf8, 4), 0);
	out(0xcf8, 4, 0x80000000);
	assert_int_equal(in(0xcf8, 4), 0x80000000);
}

static void test_config_address_mask(void **state)
{
	(void)state;
	out(0xcf8, 4, 0xffffffff);
	assert_int_equal(in(0xcf8, 4), PCI_CFG_MASK);	/* 30:24 and 1:0 read 0 */
	/* bus 0x12, device 0x1a, function 5, register 0x3c, low bits 3 */
	out(0xcf8, 4, 0x80000000u | 0x12u << 16 | 0x1au << 11 | 5u << 8 | 0x3fu);
	assert_int_equal(in(0xcf8, 4), 0x80000000u | 0x12u << 16 | 0x1au << 11 | 5u << 8 | 0x3cu);
	assert_int_equal(view().pci_addr, 0x80000000u | 0x12u << 16 | 0x1au << 11 | 5u << 8 | 0x3c);
	out(0xcf8, 4, 0x7f000003);
	assert_int_equal(in(0xcf8, 4), 0);
}

/* Only dword accesses at 0xcf8 are CONFIG_ADDRESS. */
static void test_config_address_narrow(void **state)
{
	static const struct { uint16_t port; unsigned size; } narrow[] = {
		{ 0xcf8, 1 }, { 0xcf8, 2 }, { 0xcfa, 1 }, { 0xcfa, 2 }, { 0xcfb, 1 },
	};

	(void)state;
	out(0xcf8, 4, 0x80001234);
	for (size_t i = 0; i < sizeof(narrow) / sizeof(narrow[0]); i++) {
		uint64_t before = bus.unassigned;

		assert_int_equal(acc(narrow[i].port, narrow[i].size, false, 0), BUS_UNASSIGNED);
		assert_int_equal(last.val, bus_size_mask(narrow[i].size));
		assert_int_equal(acc(narrow[i].port, narrow[i].size, true, 0), BUS_UNASSIGNED);
		assert_int_equal(bus.unassigned, before + 2);
	}
	assert_int_equal(in(0xcf8, 4), 0x80001234);
	/* A word at 0xcf9 is neither RST_CNT nor CONFIG_ADDRESS. */
	assert_int_equal(acc(0xcf9, 2, true, 0x0606), BUS_UNASSIGNED);
	assert_int_equal(view().rcr, 0);
	/* A dword at 0xcf8 whose byte 1 is 0x06 sets the address, resets nothing. */
	out(0xcf8, 4, 0x80000604);
	assert_int_equal(in(0xcf8, 4), 0x80000604);
	assert_int_equal(view().rcr, 0);
}

static void test_config_data_enabled(void **state)
{
	static const struct { uint16_t port; unsigned size; } ok[] = {
		{ 0xcfc, 1 }, { 0xcfd, 1 }, { 0xcfe, 1 }, { 0xcff, 1 },
		{ 0xcfc, 2 }, { 0xcfd, 2 }, { 0xcfe, 2 }, { 0xcfc, 4 },
	};

	(void)state;
	for (unsigned dev = 0; dev < 32; dev += 31) {
		out(0xcf8, 4, 0x80000000u | dev << 11);	/* vendor ID of bus 0 device 0/31 */
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
			assert_int_equal(in(ok[i].port, ok[i].size), bus_size_mask(ok[i].size));
			out(ok[i].port, ok[i].size, 0);	/* claimed, dropped */
		}
	}
	assert_int_equal(bus.unassigned, 0);
	assert_int_equal(in(0xcf8, 4), 0x80000000u | 31u << 11);	/* data writes left it */
}

static void test_config_data_disabled(void **state)
{
	(void)state;
	out(0xcf8, 4, 0x00fffffc);	/* everything but the enable bit */
	assert_int_equal(acc(0xcfc, 4, false, 0), BUS_UNASSIGNED);
	assert_int_equal(last.val, 0xffffffff);	/* the bus's all ones, not ours */
	assert_int_equal(acc(0xcfe, 1, true, 0), BUS_UNASSIGNED);
	assert_int_equal(bus.unassigned, 2);
}

static void test_rst_cnt(void **state)
{
	(void)state;
	/* Linux reboot=pci: 0x02, then 0x06. */
	out(0xcf9, 1, RST_CNT_SYS_RST);
	assert_int_equal(in(0xcf9, 1), RST_CNT_SYS_RST);
	assert_int_equal(acc(0xcf9, 1, true, RST_CNT_SYS_RST | RST_CNT_RST_CPU), BUS_RESET);
	assert_string_equal(last.why, "reset through port 0xcf9");
	assert_int_equal(in(0xcf9, 1), RST_CNT_SYS_RST);	/* RST_CPU reads 0 after */
	/* A full reset, 0x0e, and a soft one, 0x04. */
	assert_int_equal(acc(0xcf9, 1, true, 0x0e), BUS_RESET);
	assert_string_equal(last.why, "reset through port 0xcf9");
	assert_int_equal(in(0xcf9, 1), RST_CNT_SYS_RST | RST_CNT_FULL_RST);
	assert_int_equal(acc(0xcf9, 1, true, 0x04), BUS_RESET);
	assert_int_equal(view().rcr, 0);
	/* Without RST_CPU nothing happens; bits 7:4 and 0 are not kept. */
	for (unsigned v = 0; v < 256; v++) {
		enum bus_status st = acc(0xcf9, 1, true, v);

		assert_int_equal(st, (v & RST_CNT_RST_CPU) ? BUS_RESET : BUS_OK);
		assert_int_equal(in(0xcf9, 1), v & RST_CNT_STORED);
	}
}

static void test_port92(void **state)
{
	(void)state;
	/* A20 gate: stored and read back. */
	out(0x92, 1, PORT92_A20);
	assert_int_equal(in(0x92, 1), PORT92_A20);
	/* Bit 0 from 0 to 1: reset; it reads 0 afterwards, A20 kept. */
	assert_int_equal(acc(0x92, 1, true, PORT92_A20 | PORT92_FAST_RESET), BUS_RESET);
	assert_string_equal(last.why, "reset through port 0x92");
	assert_int_equal(in(0x92, 1), PORT92_A20);
	assert_int_equal(acc(0x92, 1, true, PORT92_FAST_RESET), BUS_RESET);	/* again */
	/* The other bits, the password lock latch included, are stored. */
	out(0x92, 1, PORT92_LOCK | PORT92_A20);
	assert_int_equal(in(0x92, 1), PORT92_LOCK | PORT92_A20);
	assert_int_equal(view().port92, PORT92_LOCK | PORT92_A20);
	for (unsigned v = 0; v < 256; v++) {
		assert_int_equal(acc(0x92, 1, true, v), (v & 1) ? BUS_RESET : BUS_OK);
		assert_int_equal(in(0x92, 1), v & 0xfe);
	}
	assert_int_equal(acc(0x92, 2, false, 0), BUS_UNASSIGNED);	/* past the range */
}

static void test_kbc(void **state)
{
	(void)state;
	assert_int_equal(in(0x64, 1), KBC_STATUS_IDLE);
	assert_int_equal(acc(0x64, 1, true, KBC_CMD_RESET), BUS_RESET);
	assert_string_equal(last.why, "reset through port 0x64 (keyboard controller)");
	/* Every pulse command with line 0's bit clear resets; nothing else does. */
	for (unsigned v = 0; v < 256; v++) {
		enum bus_status want = (v & 0xf1) == 0xf0 ? BUS_RESET : BUS_OK;

		assert_int_equal(acc(0x64, 1, true, v), want);
		if (want == BUS_RESET)
			assert_string_equal(last.why,
					    "reset through port 0x64 (keyboard controller)");
		assert_int_equal(in(0x64, 1), KBC_STATUS_IDLE);
	}
	assert_int_equal(acc(0x64, 1, true, 0xff), BUS_OK);	/* pulses nothing */
	assert_int_equal(acc(0x64, 1, true, 0xd1), BUS_OK);	/* write output port: ignored */
	/* The data port is not there. */
	assert_int_equal(acc(0x60, 1, false, 0), BUS_UNASSIGNED);
	assert_int_equal(acc(0x60, 1, true, 0xfe), BUS_UNASSIGNED);
}

static void test_post(void **state)
{
	(void)state;
	out(0x80, 1, 0x12);
	assert_int_equal(view().post, 0x12);
	assert_int_equal(view().posts, 1);
	assert_int_equal(in(0x80, 1), 0x12);
	out(0x80, 1, 0x34);
	out(0x80, 1, 0x34);
	assert_int_equal(in(0x80, 1), 0x34);
	assert_int_equal(view().posts, 3);
	assert_int_equal(acc(0x80, 2, true, 0xffff), BUS_UNASSIGNED);	/* past the range */
	assert_int_equal(view().posts, 3);
}

static void test_reset(void **state)
{
	struct vsysctl_view v;

	(void)state;
	out(0xcf8, 4, 0x80000010);
	out(0xcf9, 1, RST_CNT_SYS_RST | RST_CNT_FULL_RST);
	out(0x92, 1, PORT92_A20 | PORT92_LOCK);
	out(0x80, 1, 0x55);
	vsysctl_reset(&sc);
	v = view();
	assert_int_equal(v.pci_addr, 0);
	assert_int_equal(v.rcr, 0);
	assert_int_equal(v.port92, 0);
	assert_int_equal(v.post, 0x55);	/* the last POST code survives */
	assert_int_equal(v.posts, 1);
	assert_int_equal(acc(0xcfc, 4, false, 0), BUS_UNASSIGNED);	/* disabled again */
	assert_int_equal(in(0x80, 1), 0x55);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_state),
		T(test_attach_ranges),
		T(test_attach_conflict),
		T(test_config_address_linux_probe),
		T(test_config_address_mask),
		T(test_config_address_narrow),
		T(test_config_data_enabled),
		T(test_config_data_disabled),
		T(test_rst_cnt),
		T(test_port92),
		T(test_kbc),
		T(test_post),
		T(test_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
