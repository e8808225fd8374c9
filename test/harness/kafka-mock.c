/*
 * kafka-mock: librdkafka's built-in mock Kafka cluster as a standalone process,
 * for integration tests (see kafka-mock.ts, which compiles and spawns it).
 *
 * Usage: kafka-mock <num_brokers> <topic>:<partitions> [<topic>:<partitions> ...]
 *
 * Prints the cluster's bootstrap servers ("127.0.0.1:port,...") and a newline
 * on stdout, then serves until stdin reaches EOF or SIGTERM/SIGINT arrives,
 * then tears the cluster down and exits 0. Exits 2 on bad arguments, 1 on
 * other failures, with a message on stderr.
 *
 * Topics have replication factor min(3, num_brokers); partition p is led by
 * broker (p % replication factor) + 1, its preferred leader. Meanwhile stdin
 * takes one command a line, each answered by one line on stdout, "ok ..." or
 * "error <why>" (the cluster's failover is done by these commands, as a real
 * cluster's controller would do it):
 *   down <broker>       the broker stops accepting connections and drops its
 *                       own; partitions it leads and coordinators set on it
 *                       move to the next broker up ("ok <partitions> <coordinators>")
 *   up <broker>         it serves again; partitions and coordinators whose
 *                       preferred broker it is move back ("ok <partitions> <coordinators>")
 *   leader <topic> <partition> <broker>        moves a partition's leader
 *   coordinator <group|transaction> <key> <broker>  sets (and prefers) a coordinator
 *
 * Build: gcc -O2 -o kafka-mock kafka-mock.c $(pkg-config --cflags --libs rdkafka)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_BROKERS 16
#define MAX_PARTITIONS 10000
#define MAX_TOPIC_LEN 249
#define MAX_COORDINATORS 64
#define MAX_LINE 1024

typedef struct {
  const char *name;
  int partitions;
  int *leader; /* current leader of each partition */
} topic_t;

typedef struct {
  char type[16];
  char key[256];
  int preferred, current;
} coord_t;

static rd_kafka_mock_cluster_t *mc;
static int brokers_n, replicas_n, topics_n, coords_n;
static topic_t *topics;
static coord_t coords[MAX_COORDINATORS];
static int broker_up[MAX_BROKERS + 1];

static volatile sig_atomic_t stop_signal = 0;

static void on_signal(int sig) { stop_signal = sig; }

static void usage(const char *prog) {
  fprintf(stderr,
          "usage: %s <num_brokers> <topic>:<partitions> [<topic>:<partitions> ...]\n"
          "  num_brokers: 1..%d; partitions: 1..%d; topic: [A-Za-z0-9._-]{1,%d}\n",
          prog, MAX_BROKERS, MAX_PARTITIONS, MAX_TOPIC_LEN);
}

/* Parses a decimal integer in [min, max]; returns 0 on success. */
static int parse_int(const char *s, long min, long max, int *out) {
  char *end = NULL;
  long v;
  if (*s == '\0') return -1;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) return -1;
  *out = (int)v;
  return 0;
}

static int valid_topic_name(const char *name, size_t len) {
  size_t i;
  if (len == 0 || len > MAX_TOPIC_LEN) return 0;
  if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) return 0;
  for (i = 0; i < len; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '_' || c == '-'))
      return 0;
  }
  return 1;
}

/* The first broker up after `from` (cyclically) among 1..`among`, or 0. */
static int next_up(int from, int among) {
  int k;
  for (k = 1; k <= among; k++) {
    int b = ((from - 1 + k) % among) + 1;
    if (b != from && broker_up[b]) return b;
  }
  return 0;
}

static rd_kafka_resp_err_t set_leader(topic_t *t, int p, int broker) {
  rd_kafka_resp_err_t err = rd_kafka_mock_partition_set_leader(mc, t->name, p, broker);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) t->leader[p] = broker;
  return err;
}

static rd_kafka_resp_err_t set_coord(coord_t *c, int broker) {
  rd_kafka_resp_err_t err = rd_kafka_mock_coordinator_set(mc, c->type, c->key, broker);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) c->current = broker;
  return err;
}

static topic_t *find_topic(const char *name) {
  int i;
  for (i = 0; i < topics_n; i++)
    if (strcmp(topics[i].name, name) == 0) return &topics[i];
  return NULL;
}

/* Runs one command line; writes its answer (no newline) to out. */
static void run_command(char *line, char *out, size_t outlen) {
  char *argv[5];
  int argc = 0, broker = 0, i, p, moved = 0, coords_moved = 0;
  char *save = NULL, *tok;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (tok = strtok_r(line, " \t\r", &save); tok != NULL && argc < 5;
       tok = strtok_r(NULL, " \t\r", &save))
    argv[argc++] = tok;
  if (argc == 0) {
    snprintf(out, outlen, "error empty command");
    return;
  }
  if ((strcmp(argv[0], "down") == 0 || strcmp(argv[0], "up") == 0) && argc == 2) {
    int down = argv[0][0] == 'd';
    if (parse_int(argv[1], 1, brokers_n, &broker) != 0) {
      snprintf(out, outlen, "error no broker '%s' (1..%d)", argv[1], brokers_n);
      return;
    }
    err = down ? rd_kafka_mock_broker_set_down(mc, broker) : rd_kafka_mock_broker_set_up(mc, broker);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) goto failed;
    broker_up[broker] = !down;
    for (i = 0; i < topics_n && err == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
      topic_t *t = &topics[i];
      for (p = 0; p < t->partitions && err == RD_KAFKA_RESP_ERR_NO_ERROR; p++) {
        int preferred = (p % replicas_n) + 1, to;
        if (down && t->leader[p] == broker) to = next_up(broker, replicas_n);
        else if (!down && preferred == broker && t->leader[p] != broker) to = broker;
        else continue;
        if (to == 0) continue; /* no replica up: the partition stays offline */
        if ((err = set_leader(t, p, to)) == RD_KAFKA_RESP_ERR_NO_ERROR) moved++;
      }
    }
    for (i = 0; i < coords_n && err == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
      coord_t *c = &coords[i];
      int to;
      if (down && c->current == broker) to = next_up(broker, brokers_n);
      else if (!down && c->preferred == broker && c->current != broker) to = broker;
      else continue;
      if (to == 0) continue;
      if ((err = set_coord(c, to)) == RD_KAFKA_RESP_ERR_NO_ERROR) coords_moved++;
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) goto failed;
    snprintf(out, outlen, "ok %d %d", moved, coords_moved);
    return;
  }
  if (strcmp(argv[0], "leader") == 0 && argc == 4) {
    topic_t *t = find_topic(argv[1]);
    if (t == NULL) {
      snprintf(out, outlen, "error no topic '%s'", argv[1]);
      return;
    }
    if (parse_int(argv[2], 0, t->partitions - 1, &p) != 0 ||
        parse_int(argv[3], 1, brokers_n, &broker) != 0) {
      snprintf(out, outlen, "error bad partition or broker");
      return;
    }
    if ((err = set_leader(t, p, broker)) != RD_KAFKA_RESP_ERR_NO_ERROR) goto failed;
    snprintf(out, outlen, "ok");
    return;
  }
  if (strcmp(argv[0], "coordinator") == 0 && argc == 4) {
    coord_t *c = NULL;
    if (strcmp(argv[1], "group") != 0 && strcmp(argv[1], "transaction") != 0) {
      snprintf(out, outlen, "error coordinator type must be group or transaction");
      return;
    }
    if (strlen(argv[2]) >= sizeof(c->key) || parse_int(argv[3], 1, brokers_n, &broker) != 0) {
      snprintf(out, outlen, "error bad key or broker");
      return;
    }
    for (i = 0; i < coords_n && c == NULL; i++)
      if (strcmp(coords[i].type, argv[1]) == 0 && strcmp(coords[i].key, argv[2]) == 0)
        c = &coords[i];
    if (c == NULL) {
      if (coords_n == MAX_COORDINATORS) {
        snprintf(out, outlen, "error more than %d coordinators", MAX_COORDINATORS);
        return;
      }
      c = &coords[coords_n++];
      snprintf(c->type, sizeof(c->type), "%s", argv[1]);
      snprintf(c->key, sizeof(c->key), "%s", argv[2]);
    }
    c->preferred = broker;
    if ((err = set_coord(c, broker)) != RD_KAFKA_RESP_ERR_NO_ERROR) goto failed;
    snprintf(out, outlen, "ok");
    return;
  }
  snprintf(out, outlen, "error unknown command '%s' (down, up, leader, coordinator)", argv[0]);
  return;
failed:
  snprintf(out, outlen, "error %s", rd_kafka_err2str(err));
}

int main(int argc, char **argv) {
  const char *prog = argc > 0 ? argv[0] : "kafka-mock";
  int num_brokers = 0, replication_factor, i, exit_code = 0;
  char errstr[512];
  rd_kafka_conf_t *conf;
  rd_kafka_t *rk;
  rd_kafka_mock_cluster_t *mcluster;
  const char *bootstraps;
  char line[MAX_LINE];
  size_t line_len = 0;
  struct sigaction sa;
  sigset_t block, orig;

  /* Die with the parent (e.g. a killed test runner) instead of lingering. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    perror("kafka-mock: prctl(PR_SET_PDEATHSIG)");
    return 1;
  }
  if (getppid() == 1) return 1; /* parent already gone before prctl took effect */

  if (argc < 3) {
    usage(prog);
    return 2;
  }
  if (parse_int(argv[1], 1, MAX_BROKERS, &num_brokers) != 0) {
    fprintf(stderr, "kafka-mock: invalid num_brokers '%s' (expected an integer 1..%d)\n",
            argv[1], MAX_BROKERS);
    usage(prog);
    return 2;
  }
  /* Validate every topic spec before creating anything. */
  for (i = 2; i < argc; i++) {
    const char *colon = strrchr(argv[i], ':');
    int partitions;
    if (colon == NULL) {
      fprintf(stderr, "kafka-mock: invalid topic spec '%s' (expected <topic>:<partitions>)\n",
              argv[i]);
      usage(prog);
      return 2;
    }
    if (!valid_topic_name(argv[i], (size_t)(colon - argv[i]))) {
      fprintf(stderr, "kafka-mock: invalid topic name in '%s' (allowed: [A-Za-z0-9._-]{1,%d})\n",
              argv[i], MAX_TOPIC_LEN);
      return 2;
    }
    if (parse_int(colon + 1, 1, MAX_PARTITIONS, &partitions) != 0) {
      fprintf(stderr, "kafka-mock: invalid partition count in '%s' (expected 1..%d)\n", argv[i],
              MAX_PARTITIONS);
      return 2;
    }
  }

  signal(SIGPIPE, SIG_IGN);
  /* Block SIGTERM/SIGINT now (librdkafka threads inherit the mask, so the
   * signals are delivered to the main thread) and only unblock them inside
   * ppoll(): no window where a signal can be missed. */
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  if (sigprocmask(SIG_BLOCK, &block, &orig) != 0) {
    perror("kafka-mock: sigprocmask");
    return 1;
  }
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  conf = rd_kafka_conf_new();
  /* This handle never connects anywhere: hide its "No bootstrap.servers"
   * notice (level 5) but keep warnings and errors. */
  if (rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
    fprintf(stderr, "kafka-mock: log_level: %s\n", errstr);
  rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == NULL) {
    fprintf(stderr, "kafka-mock: rd_kafka_new failed: %s\n", errstr);
    return 1;
  }
  mcluster = rd_kafka_mock_cluster_new(rk, num_brokers);
  if (mcluster == NULL) {
    fprintf(stderr, "kafka-mock: rd_kafka_mock_cluster_new(%d) failed\n", num_brokers);
    rd_kafka_destroy(rk);
    return 1;
  }

  replication_factor = num_brokers < 3 ? num_brokers : 3;
  mc = mcluster;
  brokers_n = num_brokers;
  replicas_n = replication_factor;
  for (i = 1; i <= num_brokers; i++) broker_up[i] = 1;
  topics = calloc((size_t)(argc - 2), sizeof(*topics));
  if (topics == NULL) {
    perror("kafka-mock: calloc");
    return 1;
  }
  for (i = 2; i < argc; i++) {
    char *spec = argv[i];
    char *colon = strrchr(spec, ':');
    int partitions = 0;
    rd_kafka_resp_err_t err;
    *colon = '\0';
    parse_int(colon + 1, 1, MAX_PARTITIONS, &partitions);
    err = rd_kafka_mock_topic_create(mcluster, spec, partitions, replication_factor);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fprintf(stderr, "kafka-mock: creating topic '%s' (%d partitions, rf %d) failed: %s\n", spec,
              partitions, replication_factor, rd_kafka_err2str(err));
      rd_kafka_mock_cluster_destroy(mcluster);
      rd_kafka_destroy(rk);
      return 1;
    }
    {
      topic_t *t = &topics[topics_n++];
      int p;
      t->name = spec;
      t->partitions = partitions;
      t->leader = calloc((size_t)partitions, sizeof(int));
      if (t->leader == NULL) {
        perror("kafka-mock: calloc");
        return 1;
      }
      /* The mock picks a random leader; make it the preferred one, known here. Each call
         waits for the mock's thread, so a single broker (the only possible leader) is only
         recorded: setting hundreds of leaders took longer than the harness waits for start. */
      for (p = 0; p < partitions; p++) {
        if (num_brokers == 1) {
          t->leader[p] = 1;
          continue;
        }
        err = set_leader(t, p, (p % replication_factor) + 1);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          fprintf(stderr, "kafka-mock: leader of '%s' [%d]: %s\n", spec, p, rd_kafka_err2str(err));
          return 1;
        }
      }
    }
  }

  bootstraps = rd_kafka_mock_cluster_bootstraps(mcluster);
  if (printf("%s\n", bootstraps) < 0 || fflush(stdout) != 0) {
    perror("kafka-mock: writing bootstrap servers to stdout");
    exit_code = 1;
  }

  /* Serve until stdin EOF/error or SIGTERM/SIGINT, running the command lines. */
  while (exit_code == 0 && !stop_signal) {
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    int n = ppoll(&pfd, 1, NULL, &orig);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("kafka-mock: ppoll");
      exit_code = 1;
      break;
    }
    if (pfd.revents & POLLNVAL) break; /* stdin closed/not open: treat as EOF */
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = read(STDIN_FILENO, line + line_len, sizeof(line) - 1 - line_len);
      char *nl;
      if (r == 0) break; /* EOF */
      if (r < 0) {
        if (errno != EINTR && errno != EAGAIN) break;
        continue;
      }
      line_len += (size_t)r;
      line[line_len] = '\0';
      while ((nl = strchr(line, '\n')) != NULL) {
        char answer[512];
        *nl = '\0';
        run_command(line, answer, sizeof(answer));
        if (printf("%s\n", answer) < 0 || fflush(stdout) != 0) exit_code = 1;
        line_len -= (size_t)(nl + 1 - line);
        memmove(line, nl + 1, line_len + 1);
      }
      if (line_len == sizeof(line) - 1) { /* a line too long: refuse it whole */
        printf("error line longer than %d bytes\n", MAX_LINE - 1);
        fflush(stdout);
        line_len = 0;
        line[0] = '\0';
      }
    }
  }

  rd_kafka_mock_cluster_destroy(mcluster);
  rd_kafka_destroy(rk);
  return exit_code;
}
