/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The DSDT every guest VM gets (kernel/vm/acpitab.h builds the other tables
 * around it). Compiled at build time by iasl (Debian's acpica-tools) into
 * AML, which the build turns into build/gen/dsdt_aml.c (acpi_dsdt_aml[]).
 *
 * It describes the legacy devices of the guest's PC that the OS cannot find
 * otherwise (ACPI 6.5, 6.1.5 _HID, 6.2.2 _CRS, 6.3.7 _STA; the PNP IDs
 * from Microsoft's "Plug and Play ID - PNPID Table"):
 *   COM1  16550A UART   ports 0x3f8-0x3ff  IRQ 4   drivers/virt/vuart.h
 *   RTC   CMOS clock    ports 0x70-0x71    IRQ 8   drivers/virt/vrtc.h
 *   PIT   8254 timer    ports 0x40-0x43    IRQ 0   drivers/virt/vpit.h
 *   PIC   8259 pair     ports 0x20-0x21, 0xa0-0xa1, cascade IRQ 2
 *                                                  drivers/virt/vpic.h
 * and the soft-off sleeping state \_S5 (ACPI 6.5, 7.4.2): writing SLP_EN to
 * PM1a_CNT (drivers/virt/vpmtimer.h) powers the VM off whatever SLP_TYPx
 * holds, so 0 serves as the sleep type for PM1a and PM1b.
 *
 * Not here, on purpose: no processor objects (Linux takes the CPUs from the
 * MADT alone), no PCI host bridge (the guest has no PCI devices), no HPET,
 * no 8042 keyboard controller (the FADT's IAPC_BOOT_ARCH says so too), no
 * VGA. The PM timer, the reset register and the SCI are fixed hardware,
 * described by the FADT, not here.
 *
 * Revision 2: 64-bit integers (ACPI 6.5, 19.6, DefinitionBlock's
 * ComplianceRevision). The OEM ID and OEM table ID match the ones
 * acpitab.c writes in every other table. No device is switched off at run
 * time, so every _CRS is a Name, not a method, and only COM1 has an _STA
 * (the others are always present, which is what a missing _STA means:
 * 6.3.7). The build runs iasl with -we: a warning fails it.
 */
DefinitionBlock ("", "DSDT", 2, "SVMVSR", "SVMVISOR", 0x00000001)
{
    Scope (\_SB)
    {
        /* The first serial port, the VM's console. */
        Device (COM1)
        {
            Name (_HID, EisaId ("PNP0501"))     /* 16550A-compatible UART */
            Name (_UID, One)
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)                   /* present, enabled, shown, working */
            }
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
                IRQNoFlags () {4}
            })
        }

        /* The CMOS real-time clock; the century byte is at CMOS index
         * 0x32 (the FADT's CENTURY field). */
        Device (RTC)
        {
            Name (_HID, EisaId ("PNP0B00"))     /* AT real-time clock */
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
                IRQNoFlags () {8}
            })
        }

        /* The 8254 interval timer: channel 0 on IRQ 0, which the MADT
         * overrides to I/O APIC pin 2. */
        Device (PIT)
        {
            Name (_HID, EisaId ("PNP0100"))     /* AT system timer */
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0040, 0x0040, 0x01, 0x04)
                IRQNoFlags () {0}
            })
        }

        /* The master and slave 8259s; the slave cascades into IRQ 2. */
        Device (PIC)
        {
            Name (_HID, EisaId ("PNP0000"))     /* AT interrupt controller */
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0020, 0x0020, 0x01, 0x02)
                IO (Decode16, 0x00A0, 0x00A0, 0x01, 0x02)
                IRQNoFlags () {2}
            })
        }
    }

    /* Soft off: SLP_TYPa, SLP_TYPb, then two reserved entries (7.4.2). */
    Name (\_S5, Package (0x04)
    {
        Zero,
        Zero,
        Zero,
        Zero
    })
}
