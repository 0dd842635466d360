// SPDX-License-Identifier: GPL-2.0-or-later
/* nbwarden: command line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "profile.h"
#include "run.h"
#include "util.h"

#ifndef NBW_VERSION
#define NBW_VERSION "0.1.0"
#endif

#define EXIT_USAGE 2

static const char usage_main[] =
	"Usage: nbwarden [--verbose] COMMAND ...\n"
	"\n"
	"Sandbox launcher and resource supervisor for notebook kernels.\n"
	"\n"
	"Commands:\n"
	"  run [OPTIONS] [--] COMMAND [ARG...]   run COMMAND in a sandbox\n"
	"  profile check FILE...                 validate profiles (FILE:LINE: errors)\n"
	"  profile show NAME|PATH                print a profile after includes and defaults\n"
	"  help                                  show this help\n"
	"\n"
	"Global options:\n"
	"  -v, --verbose   log debug details to stderr\n"
	"  -h, --help      show help (also after a command: nbwarden run --help)\n"
	"      --version   print the version\n"
	"\n"
	"See nbwarden(8) and nbwarden.profile(5).\n";

static const char usage_run[] =
	"Usage: nbwarden run [OPTIONS] [--] COMMAND [ARG...]\n"
	"\n"
	"Run COMMAND in a new sandbox: private pid/mount/ipc/uts/cgroup namespaces and\n"
	"network per profile, its own cgroup v2 leaf with the profile's limits, a\n"
	"read-only root with hidden and writable paths, Landlock write and execute\n"
	"allow-lists, a seccomp deny-list, no capabilities and no_new_privs, as the\n"
	"target user. A minimal init is PID 1; when COMMAND exits, everything left in\n"
	"the sandbox is killed and the cgroup removed.\n"
	"\n"
	"Options:\n"
	"  -p, --profile NAME|PATH   profile to apply (default: default). A NAME is looked\n"
	"                            up as NAME.conf in /etc/nbwarden/profiles, then the\n"
	"                            installed data directory, then the source tree.\n"
	"  -u, --user USER           run as USER (name or uid; default: the profile's\n"
	"                            [profile] user). uid 0 needs allow_root = yes.\n"
	"      --id ID               sandbox id (names the cgroup leaf and the events;\n"
	"                            default: generated)\n"
	"      --cgroup-parent PATH  parent of the leaf, relative to the cgroup2 mount\n"
	"                            (default: "
	"nbwarden"
	")\n"
	"  -C, --cwd DIR             working directory inside the sandbox (default: the\n"
	"                            current one if visible, else the user's home, else /)\n"
	"  -e, --env NAME=VALUE      set a variable (repeatable); other variables are\n"
	"                            dropped unless the profile keeps them\n"
	"      --events FILE         append JSON-lines events to FILE (\"-\": stderr)\n"
	"      --stats               print the sandbox's CPU, IO and network totals at exit\n"
	"\n"
	"Exit status: the command's own; 128+N if it was killed by signal N; 125 if the\n"
	"sandbox could not be set up (nothing ran); 126 if the command could not be\n"
	"executed; 127 if it was not found; 137 when nbwarden killed the sandbox (a\n"
	"limit or a violation, named on stderr).\n"
	"\n"
	"SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 (and SIGWINCH, SIGCONT) are\n"
	"forwarded to the command exactly once. If nbwarden's parent exits, the sandbox\n"
	"is killed.\n";

static const char usage_profile[] =
	"Usage: nbwarden profile check FILE...\n"
	"       nbwarden profile show NAME|PATH\n"
	"\n"
	"check  parse each FILE (with its includes) and report every problem as\n"
	"       FILE:LINE: message. Exits 0 if all are valid, 1 otherwise.\n"
	"show   print the effective profile: includes applied, defaults filled in, each\n"
	"       value annotated with the file and line it came from.\n";

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"profile", required_argument, NULL, 'p'},
		{"user", required_argument, NULL, 'u'},
		{"id", required_argument, NULL, 'I'},
		{"cgroup-parent", required_argument, NULL, 'G'},
		{"cwd", required_argument, NULL, 'C'},
		{"env", required_argument, NULL, 'e'},
		{"events", required_argument, NULL, 'E'},
		{"stats", no_argument, NULL, 'S'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct run_options o = {.profile = "default"};
	char **env = NULL;
	int c, code;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:u:C:e:vh", opts, NULL)) >= 0) {
		switch (c) {
		case 'p':
			o.profile = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'I':
			o.id = optarg;
			break;
		case 'G':
			o.cgroup_parent = optarg;
			break;
		case 'C':
			o.cwd = optarg;
			break;
		case 'e':
			if (strv_extend(&env, optarg) < 0) {
				log_oom();
				strv_free(env);
				return EXIT_SETUP_FAILED;
			}
			break;
		case 'E':
			o.events_path = optarg;
			break;
		case 'S':
			o.show_stats = true;
			break;
		case 'v':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'h':
			fputs(usage_run, stdout);
			strv_free(env);
			return 0;
		default:
			fputs("Try 'nbwarden run --help'.\n", stderr);
			strv_free(env);
			return EXIT_SETUP_FAILED;
		}
	}
	if (optind >= argc) {
		log_error("run: no command given (nbwarden run [OPTIONS] -- COMMAND [ARG...])");
		strv_free(env);
		return EXIT_SETUP_FAILED;
	}
	o.argv = argv + optind;
	o.env = env;
	code = run_main(&o);
	strv_free(env);
	return code;
}

static int cmd_profile_check(int argc, char **argv)
{
	int bad = 0;

	if (argc < 1) {
		fputs(usage_profile, stderr);
		return EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++) {
		struct profile *p = NULL;
		char **errors = NULL;
		const char *path = argv[i];
		_cleanup_free_ char *rel = NULL;
		int r;

		/* "check" takes files: a bare name means ./NAME, not a search */
		if (!strchr(path, '/')) {
			if (asprintf(&rel, "./%s", path) < 0)
				return log_oom(), 1;
			path = rel;
		}
		r = profile_load(path, profile_search_default(), 0, &p, &errors);
		if (r < 0) {
			STRV_FOREACH (e, errors)
				fprintf(stderr, "%s\n", *e);
			bad++;
		} else {
			printf("%s: ok\n", argv[i]);
		}
		strv_free(errors);
		profile_free(p);
	}
	return bad ? 1 : 0;
}

static int cmd_profile_show(int argc, char **argv)
{
	struct profile *p = NULL;
	char **errors = NULL;
	int r;

	if (argc != 1) {
		fputs(usage_profile, stderr);
		return EXIT_USAGE;
	}
	r = profile_load(argv[0], profile_search_default(), 0, &p, &errors);
	STRV_FOREACH (e, errors)
		fprintf(stderr, "%s\n", *e);
	strv_free(errors);
	if (r < 0)
		return 1;
	r = profile_print(p, stdout);
	profile_free(p);
	return r < 0 || fflush(stdout) != 0 ? 1 : 0;
}

static int cmd_profile(int argc, char **argv)
{
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		fputs(usage_profile, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (streq(argv[1], "check"))
		return cmd_profile_check(argc - 2, argv + 2);
	if (streq(argv[1], "show"))
		return cmd_profile_show(argc - 2, argv + 2);
	log_error("profile: unknown subcommand '%s'", argv[1]);
	fputs(usage_profile, stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	int i = 1;

	/*
	 * A closed stdin/stdout/stderr (jupyter_server closes stdin) would make the
	 * next open() land on 0-2: our messages could go into a socket, or an
	 * internal fd look like the command's stdio. Put /dev/null there instead.
	 */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return EXIT_SETUP_FAILED;
	/* nothing we inherit may reach a sandbox */
	(void)close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (streq(argv[i], "-v") || streq(argv[i], "--verbose"))
			log_set_level(LOG_LEVEL_DEBUG);
		else if (streq(argv[i], "-h") || streq(argv[i], "--help")) {
			fputs(usage_main, stdout);
			return 0;
		} else if (streq(argv[i], "--version")) {
			printf("nbwarden %s\n", NBW_VERSION);
			return 0;
		} else {
			log_error("unknown option '%s'", argv[i]);
			fputs(usage_main, stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fputs(usage_main, stderr);
		return EXIT_USAGE;
	}
	if (streq(argv[i], "run"))
		return cmd_run(argc - i, argv + i);
	if (streq(argv[i], "profile"))
		return cmd_profile(argc - i, argv + i);
	if (streq(argv[i], "help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	log_error("unknown command '%s'", argv[i]);
	fputs(usage_main, stderr);
	return EXIT_USAGE;
}
