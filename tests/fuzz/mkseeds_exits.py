#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Seeds for tests/fuzz/fuzz_exits.c: a few meaningful exit sequences each,
in the harness's input format (its header comment): a 16-byte header, then
64-byte records. Writes tests/fuzz/corpus/exits/*.bin (or the directory
given). Usage: mkseeds_exits.py [DIR]
"""
import os
import struct
import sys

# Record kinds: the K_* enum of fuzz_exits.c, in order.
KINDS = ("IOIO IOIO2 MSR MSR2 CPUID NPF NPF2 VMMCALL HLT INTR NMI VINTR IRET SMI INIT EXCP "
         "SHUTDOWN INVALID WBINVD RDPMC XSETBV TASK_SWITCH INVD SVM_INSN RAW STORE TIME X2APIC "
         "KVMCLOCK MMIO_MOV OUTS CR").split()
K = {name: i for i, name in enumerate(KINDS)}

# Header byte 0.
TWO_VCPUS, NRIPS, DECODE_ASSISTS, XSAVE, STRICT, RESET_ON_CRASH, CLEAN, RAM_4M = (
    1 << i for i in range(8))
REAL, PROT32, LONG = 0, 1, 2
# Record byte 1, bits 1-3: the mode the guest switched to.
M_KEEP, M_REAL, M_PROT16, M_PROT32, M_PSE, M_PAE, M_LONG, M_COMPAT = range(8)
RAW_SEL = 255	# sel past the harness's tables: the raw port (aux) or MSR (RCX)
# sel for ports of the harness's table, and IOIO sub bits (string I/O).
P_COM1, P_DEBUG_EXIT, P_POST, P_NOBODY = 11, 19, 20, 32
IN, STR, REP, DF, A67, SEGOVR = 4, 8, 0x10, 0x20, 0x40, 0x80


def header(flags=NRIPS | CLEAN, mode=PROT32):
    return bytes([flags, mode]) + bytes(14)


def rec(kind, vcpu=0, mode=M_KEEP, cpl=0, osxsave=False, own_bytes=False, IF=False, TF=False,
        shadow=False, cr8=None, nmi_req=False, step_req=False, prefix=False, rip=None, intinfo=0,
        sel=RAW_SEL, sub=0, t=4, rax=0, rcx=0, rdx=0, rbx=0, aux=0, insn=b""):
    b1 = vcpu | mode << 1 | cpl << 4 | (0x40 if osxsave else 0) | (0x80 if own_bytes else 0)
    b2 = ((1 if IF else 0) | (2 if TF else 0) | (4 if shadow else 0) |
          (8 if cr8 is not None else 0) | (0x10 if nmi_req else 0) | (0x20 if step_req else 0) |
          (0x40 if prefix else 0) | (0x80 if rip is not None else 0))
    b3 = (cr8 or 0) & 0xf | intinfo << 4
    r = bytes([K[kind], b1, b2, b3, sel, sub, len(insn), t])
    r += struct.pack("<QQQQII", rax, rcx, rdx, rbx, rip or 0, aux)
    r += insn.ljust(16, b"\0")
    assert len(r) == 64
    return r


def out(port, val, size=1, **kw):
    return rec("IOIO", aux=port, rax=val, sub={1: 0, 2: 1, 4: 2}[size], **kw)


def inp(port, size=1, **kw):
    return rec("IOIO", aux=port, sub={1: 0, 2: 1, 4: 2}[size] | 4, **kw)


def wrmsr(msr, val, **kw):
    return rec("MSR", rcx=msr, rax=val & 0xffffffff, rdx=val >> 32, sub=1, **kw)


def rdmsr(msr, **kw):
    return rec("MSR", rcx=msr, **kw)


def mmio(region, offset, val=0, write=True, **kw):
    """MOV [rBX], EAX (or the reverse) at the local APIC (0) or I/O APIC (2)."""
    return rec("MMIO_MOV", sel=region, aux=offset, rax=val, sub=1 if write else 0, **kw)


LAPIC, IOAPIC = 0, 2

SEEDS = {
    # xAPIC page: TPR, the timer (periodic, vector 0x40), a self IPI, EOI.
    "lapic_mmio": header() + b"".join([
        mmio(LAPIC, 0x80, 0x10),
        mmio(LAPIC, 0xf0, 0x1ff),
        mmio(LAPIC, 0x3e0, 0xb),
        mmio(LAPIC, 0x320, 0x20040),
        mmio(LAPIC, 0x380, 0x1000),
        mmio(LAPIC, 0x390, write=False),
        mmio(LAPIC, 0x300, 0x44041),
        rec("TIME", t=20, IF=True),
        rec("HLT", IF=True, rip=0x10100),
        rec("INTR", IF=True, t=24),
        mmio(LAPIC, 0xb0, 0, IF=True),
    ]),
    # I/O APIC: IOREGSEL/IOWIN, a redirection entry for the PIT's pin 2.
    "ioapic_mmio": header() + b"".join([
        mmio(IOAPIC, 0x00, 0x00),
        mmio(IOAPIC, 0x10, write=False),
        mmio(IOAPIC, 0x00, 0x01),
        mmio(IOAPIC, 0x10, write=False),
        mmio(IOAPIC, 0x00, 0x14),
        mmio(IOAPIC, 0x10, 0x30),
        mmio(IOAPIC, 0x00, 0x15),
        mmio(IOAPIC, 0x10, 0x0),
        mmio(LAPIC, 0xf0, 0x1ff),
        out(0x43, 0x34), out(0x40, 0x00), out(0x40, 0x10),
        rec("TIME", t=24, IF=True),
        rec("INTR", IF=True, t=20),
        mmio(LAPIC, 0xb0, 0, IF=True),
    ]),
    # 8259A pair initialised as Linux does, then unmasked and read back.
    "pic_ports": header(mode=REAL) + b"".join([
        out(0x20, 0x11), out(0x21, 0x08), out(0x21, 0x04), out(0x21, 0x01),
        out(0xa0, 0x11), out(0xa1, 0x70), out(0xa1, 0x02), out(0xa1, 0x01),
        out(0x21, 0xfa), out(0xa1, 0xfe), out(0x20, 0x0b), inp(0x20), inp(0x21),
        out(0x43, 0x34), out(0x40, 0x9c), out(0x40, 0x2e),
        rec("TIME", t=26, IF=True), rec("HLT", IF=True), rec("INTR", IF=True, t=22),
        out(0x20, 0x20, IF=True),
    ]),
    # 8254: channel 2 through port 0x61, a latch, mode 0 on channel 0.
    "pit_ports": header() + b"".join([
        out(0x61, 0x01), out(0x43, 0xb0), out(0x42, 0xff), out(0x42, 0xff),
        rec("TIME", t=16), inp(0x61), out(0x43, 0x80), inp(0x42), inp(0x42),
        out(0x43, 0x30), out(0x40, 0x10), out(0x40, 0x00), rec("TIME", t=20), out(0x43, 0xe2),
        inp(0x40),
    ]),
    # CMOS RTC: the date registers, status B, a periodic interrupt.
    "rtc_ports": header() + b"".join([
        out(0x70, 0x00), inp(0x71), out(0x70, 0x0a), inp(0x71), out(0x70, 0x0b), inp(0x71),
        out(0x70, 0x0b), out(0x71, 0x42), out(0x70, 0x0a), out(0x71, 0x26),
        rec("TIME", t=26), out(0x70, 0x0c), inp(0x71), out(0x70, 0x32), inp(0x71),
        out(0x70, 0x8f), out(0x71, 0x00),
    ]),
    # CPUID: vendor, features, XSAVE sizes, the hypervisor and KVM leaves.
    "cpuid": header(flags=NRIPS | XSAVE) + b"".join([
        rec("CPUID", rax=0), rec("CPUID", rax=1), rec("CPUID", rax=7, rcx=0),
        rec("CPUID", rax=0xd, rcx=0, osxsave=True, mode=M_LONG),
        rec("CPUID", rax=0xd, rcx=1), rec("CPUID", rax=0xb, rcx=1),
        rec("CPUID", rax=0x40000000), rec("CPUID", rax=0x40000001),
        rec("CPUID", rax=0x40000100), rec("CPUID", rax=0x80000001),
        rec("CPUID", rax=0x80000008), rec("CPUID", rax=0x8000000a),
    ]),
    # x2APIC: enable it through APIC_BASE, read the ID, TPR, a self IPI, EOI,
    # the TSC-deadline timer.
    "x2apic_msrs": header(mode=LONG) + b"".join([
        rdmsr(0x1b),
        wrmsr(0x1b, 0xfee00d00),
        rdmsr(0x802), rdmsr(0x803),
        wrmsr(0x80f, 0x1ff),
        wrmsr(0x808, 0x00),
        wrmsr(0x832, 0x40041),
        wrmsr(0x6e0, 0x10002000),
        wrmsr(0x83f, 0x51),
        rec("TIME", t=28, IF=True),
        rec("INTR", IF=True),
        wrmsr(0x80b, 0, IF=True),
        rdmsr(0x80a, IF=True),
        wrmsr(0x1b, 0xfee00900),
    ]),
    # kvmclock: system time (new and old MSRs), the wall clock, the TSC.
    "kvmclock_msrs": header(mode=LONG) + b"".join([
        rec("CPUID", rax=0x40000100), rec("CPUID", rax=0x40000101),
        wrmsr(0x4b564d01, 0x2001), wrmsr(0x4b564d00, 0x3000),
        wrmsr(0x12, 0x2101), wrmsr(0x11, 0x3100),
        rdmsr(0x4b564d01), rdmsr(0x10), wrmsr(0x10, 0x1000000),
        rec("TIME", t=30), wrmsr(0x4b564d01, 0x2001), wrmsr(0x4b564d01, 0x0),
        wrmsr(0xc0000080, 0xd01), rdmsr(0xc0000080), wrmsr(0x277, 0x0007040600070406),
    ]),
    # Hypercalls on two vCPUs: console write, start vcpu1, exit.
    "vmmcall": header(flags=NRIPS | CLEAN | TWO_VCPUS) + b"".join([
        rec("STORE", aux=0x8000, insn=b"hello, world\n"),
        rec("VMMCALL", sub=1, rbx=0x8000, rcx=13),
        rec("VMMCALL", sub=3, rbx=1, rcx=0x20000, rdx=0x1234),
        rec("CPUID", vcpu=1, rax=1),
        rec("VMMCALL", vcpu=1, sub=1, rbx=0x8000, rcx=5),
        rec("VMMCALL", sub=3, rbx=1, rcx=0x20000),
        rec("VMMCALL", sub=0x83, rax=99),
        rec("VMMCALL", cpl=3, sub=1),
        rec("VMMCALL", sub=2, rbx=7),
    ]),
    # HLT with IF clear woken by an NMI, HLT with IF set woken by the timer.
    "hlt": header(flags=0) + b"".join([
        wrmsr(0x1b, 0xfee00d00),
        wrmsr(0x832, 0x30),
        wrmsr(0x838, 0x100),
        rec("HLT", IF=True),
        rec("TIME", t=30, IF=True),
        rec("INTR", IF=True),
        wrmsr(0x80b, 0, IF=True),
        rec("HLT", nmi_req=True),
        rec("NMI"),
        rec("IRET"),
        rec("EXCP", sel=0, sub=1),
    ]),
    # String OUT to COM1 (a raw port: rSI as the guest left it).
    "outs": header() + b"".join([
        out(0x3f8, ord("A")),
        rec("OUTS", aux=0x3f8, sub=0x10, rcx=4, rbx=0x9000),
    ]),
    # INS/OUTS (svm/strio.c): REP counts 0, 16 and 2^32-1 (batches: the same
    # record again continues it), DF, a16, into the hole past RAM, the
    # xAPIC page, 64-bit mode up to an unmapped page (#PF), the debug exit.
    "strio_modes": header() + b"".join([
        rec("IOIO", sel=P_NOBODY, sub=STR | REP | IN, rcx=16, aux=0x20000),
        rec("IOIO", sel=P_NOBODY, sub=STR | REP | IN, rcx=0, aux=0x20000),
        rec("IOIO", sel=P_POST, sub=STR | REP | 2, rcx=0xffffffff, aux=0x1ff000),
        rec("IOIO", sel=P_POST, sub=STR | REP | 2, rcx=0xffffffff, aux=0x1ff000),
        rec("IOIO", sel=P_NOBODY, sub=STR | REP | IN | 1 | DF, rcx=0x10003, aux=0x30001),
        rec("IOIO", sel=P_NOBODY, sub=STR | REP | IN | A67, rcx=0xabcd0008, aux=0x1234fffc),
        rec("IOIO", sel=P_POST, sub=STR | 1, aux=0x1ffffff),
        rec("IOIO", mode=M_PAE, sel=P_NOBODY, sub=STR | REP | IN | 2, rcx=2, aux=0xfee000b0),
        rec("IOIO", mode=M_LONG, sel=P_POST, sub=STR | REP | 1, rcx=2**64 - 1, aux=0x1fff00),
        rec("IOIO", mode=M_LONG, sel=P_POST, sub=STR | REP | 1, rcx=5, aux=0xfffffffe),
        rec("IOIO", mode=M_REAL, sel=P_POST, sub=STR | REP | 1, rcx=4, aux=0xfffe),
        rec("IOIO", sel=P_NOBODY, sub=STR | REP | IN | A67, rcx=0x10004, aux=0x20000, t=0x84),
        rec("IOIO", mode=M_PROT32, sel=P_DEBUG_EXIT, sub=STR, aux=0x20000),
    ]),
    # OUTS with FS/GS overrides, with decode assists (EXITINFO1.SEG) and
    # without (the prefixes decoded at RIP); strict=on stops at the hole.
    "strio_segments": header(flags=NRIPS | DECODE_ASSISTS | CLEAN) + b"".join([
        rec("IOIO", sel=P_POST, sub=STR | REP | SEGOVR, rcx=3, aux=0x20000),
        rec("IOIO", sel=P_POST, sub=STR | REP | SEGOVR | 1, rcx=3, aux=0x20000),
        rec("IOIO", mode=M_PROT16, sel=P_POST, sub=STR | REP | 1, rcx=3, aux=0xfffe),
    ]),
    "strio_strict": header(flags=STRICT) + b"".join([
        rec("IOIO", sel=P_POST, sub=STR | REP | SEGOVR, rcx=3, aux=0x20000),
        rec("IOIO", sel=P_POST, sub=STR | REP, rcx=8, aux=0x1ffffc),
    ]),
    # COM1 and the debug-exit port.
    "uart_debugexit": header(flags=NRIPS | STRICT) + b"".join([
        out(0x3fb, 0x80), out(0x3f8, 0x01), out(0x3f9, 0x00), out(0x3fb, 0x03),
        out(0x3f9, 0x0f), out(0x3fc, 0x0b), out(0x3f8, ord("H")), out(0x3f8, ord("i")),
        inp(0x3fd), inp(0x3fa), inp(0x3fe), out(0xcf8, 0x80000000, 4), inp(0xcfc, 4),
        inp(0x600, 2), inp(0x608, 4), out(0x80, 0x55), out(0xf4, 0x21, 4),
    ]),
    # MMIO through the decoder and the guest's page tables in every mode.
    "npf_modes": header(flags=DECODE_ASSISTS) + b"".join([
        rec("NPF", sel=0, aux=0x80, sub=0x06, rbx=0xfee00080, rax=0x20,
            insn=bytes([0x89, 0x03])),
        rec("NPF", mode=M_PAE, sel=0, aux=0x30, sub=0x04, rbx=0xfee00030,
            insn=bytes([0x8b, 0x03])),
        rec("NPF", mode=M_LONG, sel=0, aux=0x300, sub=0x06, rbx=0xfee00300, rax=0x4403f,
            insn=bytes([0x48, 0x89, 0x03])),
        rec("NPF", mode=M_PSE, sel=2, aux=0x0, sub=0x06, rbx=0xfec00000, rax=1,
            insn=bytes([0x88, 0x03])),
        rec("NPF", mode=M_COMPAT, sel=3, aux=0x10, sub=0x04, rbx=0xfed00010,
            insn=bytes([0x8b, 0x03])),
        rec("NPF", mode=M_LONG, sel=0, aux=0x80, sub=0x06, rcx=4, rbx=0xfee00080, insn=bytes([0xf3, 0xab])),
        rec("NPF", mode=M_LONG, sel=6, aux=0xfee00310, sub=0x04, cpl=3,
            insn=bytes([0xff, 0xff])),
        rec("NPF", mode=M_PROT32, sel=4, aux=0x4000, sub=0x02),
    ]),
    # The rest of the exit table: WBINVD, INVD, XSETBV, RDPMC, a task
    # switch, SVM instructions, INIT, SMI, a #AC, an unknown exit.
    "misc_exits": header(flags=NRIPS | XSAVE | CLEAN) + b"".join([
        rec("WBINVD"), rec("WBINVD", sub=1), rec("INVD"),
        rec("XSETBV", osxsave=True, mode=M_LONG, rax=7), rec("XSETBV", osxsave=True, rax=0x3,
                                                            cpl=3),
        rec("RDPMC"), rec("TASK_SWITCH", aux=0x28), rec("SVM_INSN", sel=0),
        rec("SVM_INSN", sel=9), rec("INIT"), rec("SMI"), rec("EXCP", sel=1),
        rec("INTR", intinfo=12, aux=14, rax=0), rec("NPF", intinfo=10, rax=0x31, sel=0, aux=0xb0,
                                                    sub=0x06, rbx=0xfee000b0,
                                                    insn=bytes([0x89, 0x03])),
        rec("RAW", aux=0x77),
    ]),
    # CR0/CR4 writes: reserved CR4 bits, NW without CD, paging on and off,
    # long mode activation, LMSW from a register and from [EAX], CLTS, a
    # write from CPL 3; with and without decode assists.
    "cr_writes": header(flags=NRIPS | CLEAN) + b"".join([
        rec("CR", sel=1, rax=0x1000), rec("CR", sel=1, rax=0x20), rec("CR", sel=1, rax=1 << 32,
                                                                     mode=M_LONG),
        rec("CR", sel=0, rax=0x20000011), rec("CR", sel=0, rax=0x60000011),
        rec("CR", sel=0, rax=0x80000011, mode=M_PAE), rec("CR", sel=0, rax=0x11, mode=M_LONG),
        rec("CR", sel=0, rax=0x11, mode=M_COMPAT), rec("CR", sel=2, sub=1, rcx=0x0f),
        rec("CR", sel=2, sub=8, rax=0x2000, aux=0x2000), rec("CR", sel=3),
        rec("CR", sel=1, rax=0x20, cpl=3), rec("CR", sel=1, rax=0x20, mode=M_REAL),
    ]),
    "cr_writes_decode_assists": header(flags=DECODE_ASSISTS | NRIPS | CLEAN, mode=LONG) + b"".join([
        rec("CR", sel=1, rax=0x20 | 1 << 7), rec("CR", sel=1, sub=1, rcx=0x20 | 1 << 17),
        rec("CR", sel=0, sub=2, rdx=0x80000011), rec("CR", sel=0, sub=3, rbx=0x60000031),
    ]),
    # INIT and STARTUP from vcpu0's x2APIC to vcpu1, which starts in real mode.
    "init_sipi": header(flags=NRIPS | TWO_VCPUS, mode=LONG) + b"".join([
        wrmsr(0x1b, 0xfee00d00),
        wrmsr(0x830, 0x100004500),
        wrmsr(0x830, 0x100004608),
        rec("CPUID", vcpu=1, rax=0),
        rec("STORE", aux=0x8000, insn=bytes([0x0f, 0xa2])),
        out(0x80, 0x12, vcpu=1),
        wrmsr(0x1b, 0xfee00c00, vcpu=1),
        wrmsr(0x830, 0x000000400, vcpu=1),
        rec("NMI"), rec("IRET"),
        rec("HLT", vcpu=1),
        wrmsr(0x830, 0x100004400),
    ]),
    # The console's single step over a CPUID and over a PUSHF/#DB.
    "step": header(flags=0) + b"".join([
        rec("CPUID", step_req=True, rax=0, rip=0x10000),
        rec("STORE", aux=0x10010, insn=bytes([0x9c])),
        rec("EXCP", step_req=True, sel=0, sub=1, rip=0x10010),
        rec("EXCP", sel=0, sub=2, TF=True),
    ]),
    # Real mode: a #GP (RDMSR of an unknown MSR) carries no error code; an
    # unreal-mode MOV straddling the end of RAM gets #UD, not a #PF.
    # (The two findings of fuzz_exits: svm/inject.h, svm/mmio.c.)
    "realmode_faults": header(mode=REAL) + b"".join([
        rdmsr(0x12345678),
        rec("MMIO_MOV", sel=5, aux=0xffff, sub=1, rax=0x11223344),
        rec("CPUID", rax=0),
    ]),
    # A triple fault with on_crash=reset, and a #DF.
    "shutdown": header(flags=NRIPS | RESET_ON_CRASH, mode=REAL) + b"".join([
        out(0x80, 1), rec("EXCP", sel=2), rec("SHUTDOWN"),
    ]),
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    dest = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "exits")
    os.makedirs(dest, exist_ok=True)
    for name, data in SEEDS.items():
        assert (len(data) - 16) % 64 == 0
        with open(os.path.join(dest, name + ".bin"), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds in {dest}")


if __name__ == "__main__":
    main()
