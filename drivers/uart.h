/* SPDX-License-Identifier: BSD-2-Clause */
/* 16550 UART, polled. PC16550D data sheet. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COM1_PORT 0x3f8

/* Probes the UART at port (scratch register and loopback test) and, when it
 * answers, programs baud 8N1 with FIFOs on. Returns false if nothing is there. */
bool uart_init(uint16_t port, uint32_t baud);
void uart_putc(uint16_t port, char c);
/* Never waits: writes what the empty transmit FIFO takes (up to 16 bytes,
 * none while it still sends) and returns how many. */
size_t uart_write_some(uint16_t port, const char *s, size_t n);
/* A received byte, or -1 when none is waiting. */
int uart_getc(uint16_t port);
