#!/bin/sh
# Creates the topics Tracksphere uses, with explicit partition counts, replication factor and
# min.insync.replicas (the broker's auto-creation is off). Idempotent: run by the topic-init
# service on every `docker compose up`; an existing topic is left as it is (one created by the
# older single-broker stack keeps its replication factor 1 until it is reassigned with
# kafka-reassign-partitions.sh and given min.insync.replicas with kafka-configs.sh).
#
# Partitions can be added later, never removed, and adding them moves devices to other
# partitions (the key is the device id): do it deliberately, with
#   kafka-topics.sh --bootstrap-server kafka-1:9092 --alter --topic visits.v1 --partitions <n>
set -eu

: "${KAFKA_BOOTSTRAP:?}" "${VISITS_TOPIC:?}" "${VISITS_PARTITIONS:?}" "${DLQ_PARTITIONS:?}"
: "${REPLICATION_FACTOR:?}" "${MIN_INSYNC_REPLICAS:?}"
# Overridable so that tests can run this script against a stand-in.
topics="${KAFKA_TOPICS_BIN:-/opt/kafka/bin/kafka-topics.sh}"

# 30 days: room for a consumer outage before unconsumed visits would age out of Kafka.
VISITS_RETENTION_MS=2592000000
# 90 days: dead letters wait for a person to look at them.
DLQ_RETENTION_MS=7776000000

create() {
  "$topics" --bootstrap-server "$KAFKA_BOOTSTRAP" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor "$REPLICATION_FACTOR" \
    --config "retention.ms=$3" --config "min.insync.replicas=$MIN_INSYNC_REPLICAS"
}

create "$VISITS_TOPIC" "$VISITS_PARTITIONS" "$VISITS_RETENTION_MS"
create "$VISITS_TOPIC.dlq" "$DLQ_PARTITIONS" "$DLQ_RETENTION_MS"

# Shown in `docker compose logs topic-init`: the partition counts actually in force.
"$topics" --bootstrap-server "$KAFKA_BOOTSTRAP" --describe --topic "$VISITS_TOPIC"
"$topics" --bootstrap-server "$KAFKA_BOOTSTRAP" --describe --topic "$VISITS_TOPIC.dlq"
