/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private network namespace ([network] mode = none): bring loopback up (libnl). */
#pragma once

int netns_loopback_up(void);
