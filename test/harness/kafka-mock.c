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

int main(int argc, char **argv) {
  const char *prog = argc > 0 ? argv[0] : "kafka-mock";
  int num_brokers = 0, replication_factor, i, exit_code = 0;
  char errstr[512];
  rd_kafka_conf_t *conf;
  rd_kafka_t *rk;
  rd_kafka_mock_cluster_t *mcluster;
  const char *bootstraps;
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
  }

  bootstraps = rd_kafka_mock_cluster_bootstraps(mcluster);
  if (printf("%s\n", bootstraps) < 0 || fflush(stdout) != 0) {
    perror("kafka-mock: writing bootstrap servers to stdout");
    exit_code = 1;
  }

  /* Serve until stdin EOF/error or SIGTERM/SIGINT. */
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
      char buf[4096];
      ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));
      if (r == 0) break; /* EOF */
      if (r < 0 && errno != EINTR && errno != EAGAIN) break;
    }
  }

  rd_kafka_mock_cluster_destroy(mcluster);
  rd_kafka_destroy(rk);
  return exit_code;
}
