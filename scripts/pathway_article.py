"""The Pathway article's program (/work/shared/reference/seed-article.txt, "realtime_regression.py"),
as close as Pathway 0.33 allows, for `deno task bench:e2e --consumers pathway`.

Pathway 0.33's Kafka reader has no `csv` format and no `*COMMIT*` protocol any more (it commits
every `autocommit_duration_ms`, 1500 by default as in the article's days): messages are read as
`plaintext`, the header `x,y` and the `*COMMIT*` markers are dropped, and `x,y` is split here. The
rest is the article's: the input log, x², x·y, the five sums, a and b, and the change stream.

Usage: python3 pathway_article.py BOOTSTRAP TOPIC GROUP_ID OUTPUT_DIR
"""

import sys

import pathway as pw

bootstrap, topic, group, out = sys.argv[1:5]

rdkafka_settings = {
    "bootstrap.servers": bootstrap,
    "security.protocol": "plaintext",
    "group.id": group,
    "session.timeout.ms": "6000",
    "auto.offset.reset": "earliest",
}

raw = pw.io.kafka.read(rdkafka_settings, topic=topic, format="plaintext")
raw = raw.filter((raw.data != "*COMMIT*") & (raw.data != "x,y"))
t = raw.select(
    x=pw.apply(lambda d: d.split(",")[0], raw.data),
    y=pw.apply(lambda d: d.split(",")[1], raw.data),
)
pw.io.csv.write(t, f"{out}/regression_input.csv")
t = t.select(
    x=pw.apply(float, t.x),
    y=pw.apply(float, t.y),
)
t += t.select(
    x_square=t.x * t.x,
    x_y=t.x * t.y,
)
statistics_table = t.reduce(
    count=pw.reducers.count(),
    sum_x=pw.reducers.sum(t.x),
    sum_y=pw.reducers.sum(t.y),
    sum_x_y=pw.reducers.sum(t.x_y),
    sum_x_square=pw.reducers.sum(t.x_square),
)


def compute_a(sum_x, sum_y, sum_x_square, sum_x_y, count):
    d = count * sum_x_square - sum_x * sum_x
    if d == 0:
        return 0
    else:
        return (sum_y * sum_x_square - sum_x * sum_x_y) / d


def compute_b(sum_x, sum_y, sum_x_square, sum_x_y, count):
    d = count * sum_x_square - sum_x * sum_x
    if d == 0:
        return 0
    else:
        return (count * sum_x_y - sum_x * sum_y) / d


results_table = statistics_table.select(
    a=pw.apply(compute_a, **statistics_table),
    b=pw.apply(compute_b, **statistics_table),
)
pw.io.csv.write(results_table, f"{out}/regression_output_stream.csv")
pw.run(monitoring_level=pw.MonitoringLevel.NONE)
