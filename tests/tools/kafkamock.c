/* kafkamock.c - a Kafka cluster for the kafka sink's tests: librdkafka's mock cluster
 * (rdkafka_mock.h) in this process, listening on 127.0.0.1, steered through stdin.
 *
 * usage: kafkamock [BROKERS]   (default 3)
 *
 * Prints "bootstrap HOST:PORT,..." once the cluster listens, then reads one command a line
 * and answers each with one line starting "ok" (or "error: ..."):
 *   topic NAME PARTITIONS            create a topic (replication factor: all brokers)
 *   down ID | up ID                  take broker ID (1..BROKERS) down or bring it back
 *   leader TOPIC PARTITION ID        move a partition's leader
 *   err APIKEY COUNT CODE            the next COUNT requests of APIKEY (0: Produce) fail
 *                                    with Kafka error CODE (rd_kafka_mock_push_request_errors)
 *   topicerr TOPIC CODE              metadata answers CODE for TOPIC (29: authorization)
 *   dump TOPIC FILE                  consume every partition of TOPIC from the start to its
 *                                    end and write "partition TAB offset TAB key TAB value"
 *                                    lines to FILE; answers "ok N"
 *   quit
 * End of input is quit too, so a test's trap that closes the pipe stops it. */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
dump(rd_kafka_mock_cluster_t *mc, const char *topic, const char *path, uint64_t *count)
{
    char errstr[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_t *rk;
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_topic_t *rkt;
    rd_kafka_topic_partition_list_t *parts;
    int n_parts = 0, eof = 0, idle = 0;
    FILE *fp;

    *count = 0;
    if (rd_kafka_conf_set(c, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mc), errstr,
                          sizeof(errstr)) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(c, "group.id", "kafkamock-dump", errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(c, "enable.partition.eof", "true", errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(c, "enable.auto.commit", "false", errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK)
        return -1;
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof(errstr));
    if (rk == NULL)
        return -1;
    rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md != NULL)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        return -1;
    }
    n_parts = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    parts = rd_kafka_topic_partition_list_new(n_parts);
    for (int i = 0; i < n_parts; i++)
        rd_kafka_topic_partition_list_add(parts, topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    fp = fopen(path, "w");
    if (fp == NULL) {
        rd_kafka_destroy(rk);
        return -1;
    }
    while (eof < n_parts && idle < 100) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);

        if (m == NULL) {
            idle++;
            continue;
        }
        idle = 0;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eof++;
        } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(fp, "%" PRId32 "\t%" PRId64 "\t%.*s\t%.*s\n", m->partition, m->offset,
                    (int)m->key_len, m->key != NULL ? (const char *)m->key : "", (int)m->len,
                    (const char *)m->payload);
            (*count)++;
        }
        rd_kafka_message_destroy(m);
    }
    fclose(fp);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return eof == n_parts ? 0 : -1;
}

int
main(int argc, char **argv)
{
    int brokers = argc > 1 ? atoi(argv[1]) : 3;
    char errstr[256], line[1024], a[512], b[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *mc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    rd_kafka_conf_set(c, "log_level", "3", errstr, sizeof(errstr));
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "kafkamock: %s\n", errstr);
        return 1;
    }
    mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (mc == NULL) {
        fprintf(stderr, "kafkamock: cannot create the mock cluster\n");
        return 1;
    }
    printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
    while (fgets(line, sizeof(line), stdin) != NULL) {
        int x = 0, y = 0, z = 0;
        uint64_t count;

        if (sscanf(line, "topic %511s %d", a, &x) == 2) {
            rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, a, x, brokers);

            printf(e ? "error: %s\n" : "ok%s\n", e ? rd_kafka_err2str(e) : "");
        } else if (sscanf(line, "down %d", &x) == 1) {
            rd_kafka_mock_broker_set_down(mc, x);
            printf("ok\n");
        } else if (sscanf(line, "up %d", &x) == 1) {
            rd_kafka_mock_broker_set_up(mc, x);
            printf("ok\n");
        } else if (sscanf(line, "leader %511s %d %d", a, &x, &y) == 3) {
            rd_kafka_mock_partition_set_leader(mc, a, x, y);
            printf("ok\n");
        } else if (sscanf(line, "err %d %d %d", &x, &y, &z) == 3) {
            rd_kafka_resp_err_t *errs = calloc((size_t)y + 1, sizeof(*errs));

            for (int i = 0; i < y && errs != NULL; i++)
                errs[i] = (rd_kafka_resp_err_t)z;
            if (errs != NULL)
                rd_kafka_mock_push_request_errors_array(mc, (int16_t)x, (size_t)y, errs);
            free(errs);
            printf("ok\n");
        } else if (sscanf(line, "topicerr %511s %d", a, &x) == 2) {
            rd_kafka_mock_topic_set_error(mc, a, (rd_kafka_resp_err_t)x);
            printf("ok\n");
        } else if (sscanf(line, "dump %511s %511s", a, b) == 2) {
            if (dump(mc, a, b, &count) == 0)
                printf("ok %" PRIu64 "\n", count);
            else
                printf("error: cannot consume %s\n", a);
        } else if (strncmp(line, "quit", 4) == 0) {
            break;
        } else {
            printf("error: unknown command\n");
        }
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
