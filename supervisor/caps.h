/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capabilities (libcap). Dropping happens in two halves because the
 * bounding set can only be changed while CAP_SETPCAP is still held:
 *   caps_drop_bounding() before the uid change: bounding set, securebits;
 *   caps_drop_all()      after it: effective, permitted, inheritable, ambient.
 * Both are called from the child only.
 */
#pragma once

int caps_drop_bounding(void);
int caps_drop_all(void);
