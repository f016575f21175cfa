/* The serial console monitor: runs on the boot CPU once the boot is done. */
#pragma once
#include <stdint.h>

/* Never returns. port is the UART the console uses. */
__attribute__((noreturn)) void monitor_run(uint16_t port);
