/* Port routing for guests: a polled 16550 at COM1 (its output goes to the
 * host console, one line at a time, prefixed with the VM's name; its input
 * is what the console types while the VM has focus), the debug exit port,
 * and all ones for everything else. */
#include "drivers/virt/vio.h"
#include "kernel/lib/lib.h"
#include "kernel/log.h"
#include "svm/vm.h"

/* 16550 registers the guest's polled driver uses, PC16550D table 2 */
#define UART_RBR 0
#define UART_THR 0
#define UART_LSR 5
#define UART_SCR 7
#define LSR_DR        0x01	/* a received byte is waiting */
#define LSR_THRE_TEMT 0x60	/* transmitter always empty: output is instant */

static void con_flush(struct vm *vm)
{
	log_info("[%s] %.*s", vm->name, (int)vm->con_len, vm->con);
	vm->con_len = 0;
}

static void con_putc(struct vm *vm, char c)
{
	if (c == '\r')
		return;
	if (c == '\n') {
		vm->out_ring[vm->out_head++ % VM_OUT_RING] = c;
		con_flush(vm);
		return;
	}
	if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
		c = '.';	/* a guest cannot send escape sequences to our terminal */
	vm->out_ring[vm->out_head++ % VM_OUT_RING] = c;
	vm->con[vm->con_len++] = c;
	if (vm->con_len == sizeof(vm->con))
		con_flush(vm);
}

static bool rx_ready(const struct vm *vm)
{
	return __atomic_load_n(&vm->rx_head, __ATOMIC_ACQUIRE) != vm->rx_tail;
}

uint32_t vio_in(struct vm *vm, uint16_t port, unsigned size)
{
	if (size == 1 && port == VIO_COM1 + UART_LSR)
		return LSR_THRE_TEMT | (rx_ready(vm) ? LSR_DR : 0);
	if (size == 1 && port == VIO_COM1 + UART_RBR) {
		uint8_t c = 0;

		spin_lock(&vm->con_lock);	/* two vCPUs may read */
		if (rx_ready(vm)) {
			c = vm->rx[vm->rx_tail % sizeof(vm->rx)];
			__atomic_store_n(&vm->rx_tail, vm->rx_tail + 1, __ATOMIC_RELEASE);
		}
		spin_unlock(&vm->con_lock);
		return c;
	}
	if (size == 1 && port >= VIO_COM1 && port < VIO_COM1 + 8)
		return 0;	/* no input yet, no interrupts, modem lines idle */
	return 0xffffffffu;
}

void vio_out(struct vm *vm, struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
	if (port == VIO_COM1 + UART_THR && size == 1) {
		spin_lock(&vm->con_lock);
		con_putc(vm, (char)val);
		spin_unlock(&vm->con_lock);
	} else if (port == VIO_DEBUG_EXIT) {
		spin_lock(&vm->con_lock);
		if (vm->con_len)
			con_flush(vm);
		spin_unlock(&vm->con_lock);
		vm_stop(vm, v, (int)(val & 0xff), "debug exit with code %u", val & 0xff);
	}
}
