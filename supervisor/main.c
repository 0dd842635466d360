// SPDX-License-Identifier: GPL-2.0-or-later
/* nbwarden: command line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "client.h"
#include "cleanup.h"
#include "config.h"
#include "daemon.h"
#include "kernelspec.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
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
	"  audit verify [OPTIONS] [FILE...]      check the audit log's hash chain\n"
	"  config check|show [FILE]              validate or print nbwarden.conf\n"
	"  policy check|show [FILE]              validate or print the daemon's policy\n"
	"  kernelspec install|remove [OPTIONS]   write or remove a Jupyter kernelspec\n"
	"  daemon [--config FILE]                the privileged daemon (root)\n"
	"  ps [--all] [--json]                   list sandboxes (through the daemon)\n"
	"  kill ID                               kill a sandbox (through the daemon)\n"
	"  reload                                reload the daemon's policy (admin)\n"
	"  events [--follow] [--json]            the daemon's event stream\n"
	"  metrics                               the daemon's metrics (admin)\n"
	"  help                                  show this help\n"
	"\n"
	"Global options:\n"
	"  -v, --verbose   log debug details to stderr\n"
	"  -h, --help      show help (also after a command: nbwarden run --help)\n"
	"      --version   print the version\n"
	"\n"
	"See nbwarden(8), nbwarden.profile(5), nbwarden.conf(5) and nbwarden.policy(5).\n";

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
	"      --config FILE         nbwarden.conf to use (default: " CONFIG_DEFAULT_PATH ",\n"
	"                            where a missing file means the defaults): where\n"
	"                            the audit log is written and forwarded\n"
	"      --stats               print the sandbox's CPU, IO and network totals at exit\n"
	"      --socket PATH         the daemon's socket (default: $NBWARDEN_SOCKET, else\n"
	"                            " CLIENT_DEFAULT_SOCKET ")\n"
	"\n"
	"As root, nbwarden sets up the sandbox itself (embedded mode). Anyone else\n"
	"(or root with --socket) asks the nbwarden daemon, which checks its policy\n"
	"(nbwarden.policy(5)), may queue the launch (\"queued: position N\" on stderr)\n"
	"and runs the sandbox as the caller, with the caller's stdin, stdout and\n"
	"stderr. --profile then takes a name only, --user may only name the caller,\n"
	"and --cgroup-parent and --config are refused. If nbwarden is killed, the\n"
	"sandbox is killed.\n"
	"\n"
	"Exit status: the command's own; 128+N if it was killed by signal N; 125 if the\n"
	"sandbox could not be set up (nothing ran); 126 if the command could not be\n"
	"executed; 127 if it was not found; 137 when nbwarden killed the sandbox (a\n"
	"limit or a violation, named on stderr). Through the daemon also: 77 if the\n"
	"policy denies the launch (no role, profile not allowed); 75 if it cannot run\n"
	"now (rate limit, budget exhausted, queue timeout), with when to retry.\n"
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
		{"config", required_argument, NULL, 'F'},
		{"stats", no_argument, NULL, 'S'},
		{"socket", required_argument, NULL, 'K'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct run_options o;
	const char *socket_path = NULL;
	char **env = NULL;
	int c, code;

	run_options_init(&o);
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
		case 'F':
			o.config_path = optarg;
			break;
		case 'S':
			o.show_stats = true;
			break;
		case 'K':
			socket_path = optarg;
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
	if (geteuid() != 0 || socket_path)
		code = client_run(&o, client_socket_path(socket_path));
	else
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

static const char usage_audit[] =
	"Usage: nbwarden audit verify [OPTIONS] [FILE...]\n"
	"\n"
	"Check the audit log's hash chain: every record's hash (or HMAC), that each\n"
	"record follows the one before it (seq and prev_hash), across rotated files,\n"
	"and against the head file (records cut off the end, or from the start).\n"
	"Without FILE, the log nbwarden.conf names: its rotated files oldest first,\n"
	"then the live file, checked against its head. Reports the first problem as\n"
	"FILE:LINE: what, and exits 1; exits 0 when the chain holds.\n"
	"\n"
	"Options:\n"
	"      --config FILE   nbwarden.conf (default: " CONFIG_DEFAULT_PATH ")\n"
	"      --key FILE      HMAC key (default: the configuration's hmac_key_file)\n"
	"      --head FILE     check the chain's ends against this head file (default:\n"
	"                      LOG.head when no FILE is given, none otherwise)\n"
	"      --since TIME    only check records from TIME on (RFC 3339, e.g.\n"
	"      --until TIME    2026-11-23T10:00:00Z; the first is still checked\n"
	"                      against the record before it)\n";

static const char usage_config[] =
	"Usage: nbwarden config check [FILE]\n"
	"       nbwarden config show [FILE]\n"
	"\n"
	"check  parse FILE (default: " CONFIG_DEFAULT_PATH ") and report every\n"
	"       problem as FILE:LINE: message; exits 0 if valid, 1 otherwise.\n"
	"show   print the effective configuration, defaults filled in.\n";

static int parse_time_arg(const char *s, int64_t *ret)
{
	struct tm tm = {0};
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!rest) {
		rest = strptime(s, "%Y-%m-%d", &tm);
		if (!rest || *rest)
			return -EINVAL;
	} else if (*rest && !streq(rest, "Z")) {
		return -EINVAL;
	}
	*ret = (int64_t)timegm(&tm) * 1000000;
	return 0;
}

static int load_config_for(const char *path, struct config **ret)
{
	char **errors = NULL;
	int r = config_load(path ? path : CONFIG_DEFAULT_PATH, !path, false, ret, &errors);

	STRV_FOREACH (e, errors)
		fprintf(stderr, "%s\n", *e);
	strv_free(errors);
	return r;
}

static int cmd_audit_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'F'},
		{"key", required_argument, NULL, 'k'},
		{"head", required_argument, NULL, 'H'},
		{"since", required_argument, NULL, 's'},
		{"until", required_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct audit_verify_options vo = {.since_usec = INT64_MIN, .until_usec = INT64_MAX};
	struct audit_verify_result res = {0};
	const char *config_path = NULL, *key_path = NULL, *head = NULL;
	_cleanup_free_ unsigned char *key = NULL;
	_cleanup_free_ char *default_head = NULL, *error = NULL;
	struct config *c = NULL;
	char **files = NULL;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		switch (opt) {
		case 'F':
			config_path = optarg;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'H':
			head = optarg;
			break;
		case 's':
		case 'u':
			if (parse_time_arg(optarg, opt == 's' ? &vo.since_usec : &vo.until_usec) <
			    0) {
				log_error("audit verify: '%s' is not a time (2026-11-23T10:00:00Z)",
				          optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(usage_audit, stdout);
			return 0;
		default:
			fputs(usage_audit, stderr);
			return EXIT_USAGE;
		}
	}
	if (load_config_for(config_path, &c) < 0)
		return 1;
	if (!key_path)
		key_path = c->audit_key_file;
	if (key_path && audit_read_key(key_path, &key, &vo.key_len, &error) < 0) {
		log_error("%s", error);
		config_free(c);
		return 1;
	}
	vo.key = key;
	if (optind < argc) {
		files = strv_copy(argv + optind);
		r = files ? 0 : -ENOMEM;
	} else if (!c->audit_path) {
		log_error("audit verify: the configuration has no audit log (path = none)");
		config_free(c);
		return 1;
	} else {
		r = audit_list_files(c->audit_path, &files);
		if (r >= 0 && !head && asprintf(&default_head, "%s.head", c->audit_path) >= 0)
			head = default_head;
	}
	config_free(c);
	if (r < 0) {
		log_error_errno(r, "audit verify: cannot list the log's files: %m");
		return 1;
	}
	vo.head = head;
	r = audit_verify(files, &vo, &res);
	if (r < 0) {
		log_error_errno(r, "audit verify: cannot read the log: %m");
	} else if (r > 0) {
		fprintf(stderr, "%s\n", res.error ? res.error : "the chain is broken");
	} else {
		printf("ok: %llu records", (unsigned long long)res.records);
		if (res.records)
			printf(", seq %llu..%llu", (unsigned long long)res.first_seq,
			       (unsigned long long)res.last_seq);
		printf(" in %zu file(s)%s%s\n", strv_length(files), head ? ", head matches" : "",
		       res.torn_tail ? "; the last line is an unacknowledged partial record" : "");
	}
	audit_verify_result_done(&res);
	strv_free(files);
	return r == 0 ? 0 : 1;
}

static int cmd_audit(int argc, char **argv)
{
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		fputs(usage_audit, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (streq(argv[1], "verify"))
		return cmd_audit_verify(argc - 1, argv + 1);
	log_error("audit: unknown subcommand '%s'", argv[1]);
	fputs(usage_audit, stderr);
	return EXIT_USAGE;
}

static int cmd_config(int argc, char **argv)
{
	struct config *c = NULL;
	int r;

	if (argc < 2 || argc > 3 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		fputs(usage_config, argc < 2 || argc > 3 ? stderr : stdout);
		return argc < 2 || argc > 3 ? EXIT_USAGE : 0;
	}
	if (!streq(argv[1], "check") && !streq(argv[1], "show")) {
		log_error("config: unknown subcommand '%s'", argv[1]);
		fputs(usage_config, stderr);
		return EXIT_USAGE;
	}
	r = load_config_for(argc == 3 ? argv[2] : NULL, &c);
	if (r < 0)
		return 1;
	if (streq(argv[1], "show"))
		r = config_print(c, stdout);
	else
		printf("%s: ok\n", c->file ? c->file : CONFIG_DEFAULT_PATH " (missing: defaults)");
	config_free(c);
	return r < 0 || fflush(stdout) != 0 ? 1 : 0;
}

static const char usage_policy[] =
	"Usage: nbwarden policy check [FILE...]\n"
	"       nbwarden policy show [FILE]\n"
	"\n"
	"check  parse each FILE (default: " POLICY_DEFAULT_PATH ") and report every\n"
	"       problem as FILE:LINE: message; exits 0 if all are valid, 1 otherwise.\n"
	"show   print the effective policy, defaults filled in.\n"
	"\n"
	"See nbwarden.policy(5).\n";

static int cmd_policy(int argc, char **argv)
{
	const char *def[] = {POLICY_DEFAULT_PATH, NULL};
	char **files;
	int bad = 0;

	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		fputs(usage_policy, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!streq(argv[1], "check") && !streq(argv[1], "show")) {
		log_error("policy: unknown subcommand '%s'", argv[1]);
		fputs(usage_policy, stderr);
		return EXIT_USAGE;
	}
	if (streq(argv[1], "show") && argc > 3) {
		fputs(usage_policy, stderr);
		return EXIT_USAGE;
	}
	files = argc > 2 ? argv + 2 : (char **)def;
	STRV_FOREACH (f, files) {
		struct policy *p = NULL;
		char **errors = NULL;

		/* owner checks are the daemon's: here anyone may check a draft */
		if (policy_load(*f, false, &p, &errors) < 0) {
			STRV_FOREACH (e, errors)
				fprintf(stderr, "%s\n", *e);
			if (!errors)
				fprintf(stderr, "%s: cannot be read\n", *f);
			bad++;
		} else if (streq(argv[1], "show")) {
			if (policy_print(p, stdout) < 0)
				bad++;
		} else {
			printf("%s: ok (%zu roles)\n", *f, p->n_roles);
		}
		strv_free(errors);
		policy_free(p);
	}
	return bad || fflush(stdout) != 0 ? 1 : 0;
}

static const char usage_daemon[] =
	"Usage: nbwarden daemon [--config FILE]\n"
	"\n"
	"Run the privileged daemon (as root; normally from nbwarden.service) that\n"
	"unprivileged \"nbwarden run\" calls talk to. It listens on the [daemon] socket\n"
	"of nbwarden.conf, decides by the policy (nbwarden.policy(5)) who may launch\n"
	"what, queues launches beyond a role's max_concurrent, enforces rate limits and\n"
	"rolling 24-hour CPU/IO budgets, serves ps, kill, reload, events and metrics,\n"
	"and raises alerts. SIGHUP reloads the policy; SIGTERM stops the daemon and\n"
	"leaves running sandboxes running (their supervisors keep enforcing; a new\n"
	"daemon re-adopts them).\n"
	"\n"
	"Options:\n"
	"      --config FILE   nbwarden.conf (default: " CONFIG_DEFAULT_PATH ")\n";

static int cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'F'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *config_path = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) >= 0) {
		switch (c) {
		case 'F':
			config_path = optarg;
			break;
		case 'v':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'h':
			fputs(usage_daemon, stdout);
			return 0;
		default:
			fputs(usage_daemon, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fputs(usage_daemon, stderr);
		return EXIT_USAGE;
	}
	log_set_prefix("nbwarden-daemon");
	return daemon_main(config_path);
}

static const char usage_client[] =
	"Usage: nbwarden ps [--all] [--json] [--socket PATH]\n"
	"       nbwarden kill [--socket PATH] ID\n"
	"       nbwarden reload [--socket PATH]\n"
	"       nbwarden events [--follow] [--json] [--socket PATH]\n"
	"       nbwarden metrics [--socket PATH]\n"
	"\n"
	"Ask the nbwarden daemon (see nbwarden(8)):\n"
	"ps       the caller's sandboxes, running and queued: id, user, profile, pid\n"
	"         (of the sandbox's supervisor), age, CPU, memory, state, queue\n"
	"         position. --all: everyone's (admin roles only). --json: a JSON array.\n"
	"kill     kill a sandbox: one's own, or anyone's for an admin role.\n"
	"reload   load the policy again, atomically: a broken policy is refused with\n"
	"         FILE:LINE errors and the old one stays (admin roles only).\n"
	"events   the recent events (violations, lifecycle, the daemon's own), then\n"
	"         with --follow the live stream. Non-admins see only their own.\n"
	"         --json: one JSON object per line as in the audit log.\n"
	"metrics  the Prometheus exposition (admin roles only).\n"
	"\n"
	"--socket PATH   the daemon's socket (default: $NBWARDEN_SOCKET, else\n"
	"                " CLIENT_DEFAULT_SOCKET ")\n";

static int cmd_client(enum request_op op, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},    {"json", no_argument, NULL, 'j'},
		{"follow", no_argument, NULL, 'f'}, {"socket", required_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},   {},
	};
	struct request req = {.op = op};
	const char *socket_path = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "afjh", opts, NULL)) >= 0) {
		bool ok = true;

		switch (c) {
		case 'a':
			req.all = true;
			ok = op == REQUEST_PS;
			break;
		case 'j':
			req.json = true;
			ok = op == REQUEST_PS || op == REQUEST_EVENTS;
			break;
		case 'f':
			req.follow = true;
			ok = op == REQUEST_EVENTS;
			break;
		case 'K':
			socket_path = optarg;
			break;
		case 'h':
			fputs(usage_client, stdout);
			return 0;
		default:
			ok = false;
			break;
		}
		if (!ok) {
			fputs(usage_client, stderr);
			return EXIT_USAGE;
		}
	}
	if (op == REQUEST_KILL) {
		if (optind + 1 != argc) {
			fputs(usage_client, stderr);
			return EXIT_USAGE;
		}
		req.target = argv[optind];
	} else if (optind != argc) {
		fputs(usage_client, stderr);
		return EXIT_USAGE;
	}
	return client_command(&req, client_socket_path(socket_path));
}

static const char usage_kernelspec[] =
	"Usage: nbwarden kernelspec install [--name NAME] [--display-name TEXT]\n"
	"                                   [--profile NAME|PATH] [--python PATH]\n"
	"                                   [--user | --prefix DIR] [--socket PATH]\n"
	"                                   [--config PATH] [--cgroup-parent PATH]\n"
	"                                   [--replace]\n"
	"       nbwarden kernelspec remove NAME [--user | --prefix DIR]\n"
	"\n"
	"install  write a Jupyter kernelspec, NAME/kernel.json, that starts ipykernel\n"
	"         in a sandbox: nbwarden run --profile PROFILE -- PYTHON -m\n"
	"         ipykernel_launcher -f {connection_file}. The profile must load on\n"
	"         this machine and PYTHON must be executable. A kernelspec nbwarden\n"
	"         wrote (metadata.nbwarden) is replaced; another one only with\n"
	"         --replace.\n"
	"remove   remove a kernelspec nbwarden wrote: its kernel.json and directory,\n"
	"         which must hold nothing else.\n"
	"\n"
	"Options:\n"
	"      --name NAME           kernel name: 1-64 of A-Z a-z 0-9 . _ - (in lower\n"
	"                            case, as Jupyter keeps it; default: nbwarden-PROFILE)\n"
	"      --display-name TEXT   shown in Jupyter (default: Python 3 (nbwarden PROFILE))\n"
	"      --profile NAME|PATH   the sandbox's profile (default: " KERNELSPEC_DEFAULT_PROFILE
	")\n"
	"      --python PATH         the interpreter, an absolute path (default:\n"
	"                            " KERNELSPEC_DEFAULT_PYTHON ")\n"
	"      --socket PATH         passed to nbwarden run: the daemon's socket\n"
	"      --config PATH         passed to nbwarden run: nbwarden.conf (root only)\n"
	"      --cgroup-parent PATH  passed to nbwarden run: where the kernels' cgroups\n"
	"                            go (root only; not with --socket)\n"
	"      --replace             overwrite a kernelspec nbwarden did not write\n"
	"      --user                in ~/.local/share/jupyter/kernels of the calling user\n"
	"                            (the home from the user database, not $HOME)\n"
	"      --prefix DIR          in DIR/share/jupyter/kernels\n"
	"Without --user or --prefix: " KERNELSPEC_SYSTEM_DIR ".\n"
	"\n"
	"Exit status: 0 done, 1 failed (the reason on stderr), 2 usage error.\n";

static int cmd_kernelspec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'N'},
		{"display-name", required_argument, NULL, 'D'},
		{"profile", required_argument, NULL, 'p'},
		{"python", required_argument, NULL, 'P'},
		{"user", no_argument, NULL, 'U'},
		{"prefix", required_argument, NULL, 'X'},
		{"socket", required_argument, NULL, 'K'},
		{"config", required_argument, NULL, 'F'},
		{"cgroup-parent", required_argument, NULL, 'G'},
		{"replace", no_argument, NULL, 'R'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct kernelspec_options o = {.location = KERNELSPEC_SYSTEM};
	bool install, user = false;
	int c, idx;

	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		fputs(usage_kernelspec, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	install = streq(argv[1], "install");
	if (!install && !streq(argv[1], "remove")) {
		log_error("kernelspec: unknown subcommand '%s'", argv[1]);
		fputs(usage_kernelspec, stderr);
		return EXIT_USAGE;
	}
	argc--, argv++;
	optind = 1;
	while ((idx = -1, c = getopt_long(argc, argv, "vh", opts, &idx)) >= 0) {
		bool ok = true;

		switch (c) {
		case 'N':
			o.name = optarg;
			ok = install;
			break;
		case 'D':
			o.display_name = optarg;
			ok = install;
			break;
		case 'p':
			o.profile = optarg;
			ok = install;
			break;
		case 'P':
			o.python = optarg;
			ok = install;
			break;
		case 'U':
			user = true;
			break;
		case 'X':
			o.prefix = optarg;
			break;
		case 'K':
			o.socket = optarg;
			ok = install;
			break;
		case 'F':
			o.config = optarg;
			ok = install;
			break;
		case 'G':
			o.cgroup_parent = optarg;
			ok = install;
			break;
		case 'R':
			o.replace = true;
			ok = install;
			break;
		case 'v':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'h':
			fputs(usage_kernelspec, stdout);
			return 0;
		default:
			ok = false;
			break;
		}
		if (!ok) {
			if (c != '?' && idx >= 0)
				log_error("kernelspec: %s takes no option --%s", argv[0],
				          opts[idx].name);
			fputs(usage_kernelspec, stderr);
			return EXIT_USAGE;
		}
	}
	if (user && o.prefix) {
		log_error("kernelspec: --user and --prefix cannot be combined");
		return EXIT_USAGE;
	}
	if (user)
		o.location = KERNELSPEC_USER;
	else if (o.prefix)
		o.location = KERNELSPEC_PREFIX;
	if (install ? optind != argc : optind + 1 != argc) {
		log_error("kernelspec: %s", install ? "install takes no arguments, only options"
		                                    : "remove takes one NAME");
		fputs(usage_kernelspec, stderr);
		return EXIT_USAGE;
	}
	if (install)
		return kernelspec_install_main(&o);
	o.name = argv[optind];
	return kernelspec_remove_main(&o);
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
	if (streq(argv[i], "audit"))
		return cmd_audit(argc - i, argv + i);
	if (streq(argv[i], "config"))
		return cmd_config(argc - i, argv + i);
	if (streq(argv[i], "policy"))
		return cmd_policy(argc - i, argv + i);
	if (streq(argv[i], "daemon"))
		return cmd_daemon(argc - i, argv + i);
	if (streq(argv[i], "kernelspec"))
		return cmd_kernelspec(argc - i, argv + i);
	{
		static const struct {
			const char *name;
			enum request_op op;
		} client_cmds[] = {
			{"ps", REQUEST_PS},           {"kill", REQUEST_KILL},
			{"reload", REQUEST_RELOAD},   {"events", REQUEST_EVENTS},
			{"metrics", REQUEST_METRICS},
		};

		for (size_t k = 0; k < ELEMENTSOF(client_cmds); k++)
			if (streq(argv[i], client_cmds[k].name))
				return cmd_client(client_cmds[k].op, argc - i, argv + i);
	}
	if (streq(argv[i], "help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	log_error("unknown command '%s'", argv[i]);
	fputs(usage_main, stderr);
	return EXIT_USAGE;
}
