/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "nbwarden daemon": the privileged supervisor unprivileged callers talk to.
 *
 * It listens on a unix socket, identifies every caller by SO_PEERCRED,
 * decides by the policy (policy.h) whether, when and how much the caller may
 * launch, and forks one supervisor per sandbox (run.c in daemon mode) that
 * owns the client's connection from then on. Launches beyond a role's
 * max_concurrent wait in a per-user FIFO queue. Every second it charges the
 * sandboxes' CPU and IO to their users' rolling budgets (budget.h), applies
 * on_budget_exhausted, and raises alerts (metrics.h).
 *
 * What it knows of running sandboxes is also on disk (run_dir/sandboxes), so
 * a restarted daemon re-adopts the supervisors the old one left running:
 * they never depended on it, and keep enforcing meanwhile.
 */
#pragma once

/* Runs until SIGTERM or SIGINT; SIGHUP reloads the policy. Returns the exit code. */
int daemon_main(const char *config_path);
