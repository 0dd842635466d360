/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private network namespace ([network] mode = none): bring loopback up (libnl). */
#pragma once

/* In the caller's network namespace. */
int netns_loopback_up(void);

/*
 * In the network namespace of the process behind pidfd (for the supervisor,
 * while the sandbox builds its mounts): enter it, bring lo up, come back.
 */
int netns_loopback_up_in(int pidfd);
