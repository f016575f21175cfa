/* crash= debug option: raise a chosen exception on purpose. */
#pragma once
#include "kernel/cmdline.h"

void crash_now(enum crash_kind k);
