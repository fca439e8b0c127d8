"""spate's second pipeline under test: a PySpark Structured Streaming job.

Kafka -> JSON decode -> event-time tumbling windows with a watermark -> per key and window count,
sum, min, max -> Redis from foreachBatch. It writes only its natural output (one hash per window
and key), no spate ledger: spate checks it with SPATE_VERIFY_MODE=windows (docs/spark.md).
"""
import argparse
import os
import sys
import time

import yaml


def parse_args(argv):
    p = argparse.ArgumentParser(description="spate's Spark Structured Streaming job")
    p.add_argument("--config", default=os.path.join(os.path.dirname(__file__), "config.yaml"))
    p.add_argument("--topic")
    p.add_argument("--brokers")
    p.add_argument("--redis-url")
    p.add_argument("--key-pattern")
    p.add_argument("--mode", choices=["pooled", "naive"])
    p.add_argument("--fault", choices=["none", "drop-partition", "double-write"])
    p.add_argument("--checkpoint")
    p.add_argument("--starting-offsets")
    p.add_argument("--window")
    p.add_argument("--watermark")
    p.add_argument("--trigger")
    p.add_argument("--max-offsets-per-trigger", type=int)
    p.add_argument("--ui-port", type=int)
    p.add_argument("--stats-key", help="Redis hash the job adds keysWritten and writeMs to, per batch")
    return p.parse_args(argv)


def load_config(args):
    with open(args.config) as f:
        c = yaml.safe_load(f)
    overrides = {
        ("kafka", "topic"): args.topic,
        ("kafka", "brokers"): args.brokers or os.environ.get("SPATE_KAFKA_BROKERS"),
        ("kafka", "startingOffsets"): args.starting_offsets,
        ("sink", "redisUrl"): args.redis_url or os.environ.get("SPATE_REDIS_URL"),
        ("sink", "keyPattern"): args.key_pattern,
        ("sink", "mode"): args.mode,
        ("checkpoint", "location"): args.checkpoint,
        ("window", "size"): args.window,
        ("window", "watermark"): args.watermark,
        ("engine", "triggerInterval"): args.trigger,
        ("engine", "maxOffsetsPerTrigger"): args.max_offsets_per_trigger,
        ("metrics", "uiPort"): args.ui_port,
    }
    for (section, name), value in overrides.items():
        if value is not None:
            c[section][name] = value
    if args.fault is not None:
        c["fault"] = args.fault
    c["statsKey"] = args.stats_key
    pattern = c["sink"]["keyPattern"]
    if "{window}" not in pattern or "{key}" not in pattern:
        sys.exit(f"spark job: sink.keyPattern {pattern!r} must contain {{window}} and {{key}}")
    return c


S3_ENV = ("SPATE_S3_ENDPOINT", "SPATE_S3_REGION", "SPATE_S3_ACCESS_KEY_ID", "SPATE_S3_SECRET_ACCESS_KEY")


def s3a_settings(location):
    """Spark settings for a checkpoint on the stack's S3 server through S3A, or {} for a directory.

    The endpoint and region come from SPATE_S3_*; the credentials go to the JVM as the AWS SDK's
    environment variables (never into a Spark setting, which the UI and event logs would show).
    """
    if not location.startswith("s3a://"):
        if location.startswith(("s3://", "s3n://")):
            sys.exit(f"spark job: checkpoint.location {location!r}: use the s3a:// scheme (Hadoop's S3A connector)")
        return {}
    missing = [name for name in S3_ENV if not os.environ.get(name)]
    if missing:
        sys.exit(f"spark job: checkpoint.location {location!r} needs {', '.join(missing)}; run eval \"$(stack/stack.sh env)\" first")
    jars = os.environ.get("SPATE_SPARK_S3A_JARS", "")
    if "hadoop-aws-" not in jars:
        sys.exit(f"spark job: checkpoint.location {location!r} needs the S3A jars; start the job with pipelines/spark/spark.sh (build/toolchain.sh spark installs them)")
    os.environ["AWS_ACCESS_KEY_ID"] = os.environ["SPATE_S3_ACCESS_KEY_ID"]
    os.environ["AWS_SECRET_ACCESS_KEY"] = os.environ["SPATE_S3_SECRET_ACCESS_KEY"]
    endpoint = os.environ["SPATE_S3_ENDPOINT"]
    h = "spark.hadoop.fs.s3a."
    return {
        "jars": jars,
        h + "endpoint": endpoint,
        h + "endpoint.region": os.environ["SPATE_S3_REGION"],
        h + "path.style.access": "true",
        h + "connection.ssl.enabled": str(endpoint.startswith("https://")).lower(),
        h + "aws.credentials.provider": "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
        # Fail within a minute when the S3 server is down instead of retrying for many minutes.
        h + "attempts.maximum": "3",
        h + "retry.limit": "3",
    }


def session(c):
    from pyspark.sql import SparkSession

    jars = os.environ.get("SPATE_SPARK_JARS", "")
    s3a = s3a_settings(c["checkpoint"]["location"])
    if s3a:
        jars = ",".join(j for j in (jars, s3a.pop("jars")) if j)
    e = c["engine"]
    b = SparkSession.builder.appName("spate-spark-job")
    if not os.environ.get("PYSPARK_GATEWAY_PORT"):
        # Started by python, not spark-submit (which sets master and memory itself, as on
        # Kubernetes): the config's local mode.
        b = b.master(e["master"]).config("spark.driver.memory", e["driverMemory"])
    b = (
        b.config("spark.sql.shuffle.partitions", str(e["shufflePartitions"]))
    )
    if jars:
        b = b.config("spark.jars", jars)
    for key, value in s3a.items():
        b = b.config(key, value)
    b = (
        b        .config("spark.ui.port", str(c["metrics"]["uiPort"]))
        .config("spark.ui.showConsoleProgress", "false")
        # Spark's metrics for Prometheus: the driver's (with the streaming query's input rate,
        # processing rate, batch duration and state rows) and the executors'.
        .config("spark.sql.streaming.metricsEnabled", "true")
        .config("spark.ui.prometheus.enabled", "true")
        .config("spark.metrics.conf.*.sink.prometheusServlet.class", "org.apache.spark.metrics.sink.PrometheusServlet")
        .config("spark.metrics.conf.*.sink.prometheusServlet.path", "/metrics/prometheus")
        .config("spark.metrics.namespace", "spate")
        # Python workers are reused, so the pooled mode's pool outlives a batch.
        .config("spark.python.worker.reuse", "true")
    )
    return b.getOrCreate()


def main(argv):
    args = parse_args(argv)
    c = load_config(args)
    spark = session(c)
    spark.sparkContext.setLogLevel("WARN")
    # The sink runs in Python workers, which import it by name.
    spark.sparkContext.addPyFile(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sink.py"))
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    schema = StructType([
        StructField("key", StringType()),
        StructField("eventTime", DoubleType()),
        StructField("value", DoubleType()),
    ])
    source = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", c["kafka"]["brokers"])
        .option("subscribe", c["kafka"]["topic"])
        .option("startingOffsets", c["kafka"]["startingOffsets"])
        .option("maxOffsetsPerTrigger", str(c["engine"]["maxOffsetsPerTrigger"]))
        .option("failOnDataLoss", "false")
        .load()
    )
    records = source.select(
        F.col("partition"),
        F.from_json(F.col("value").cast("string"), schema).alias("m"),
    ).select("partition", "m.key", "m.value", (F.col("m.eventTime") / 1000).cast("timestamp").alias("ts"))
    if c["fault"] == "drop-partition":
        # The deliberately broken job: a partition's records never reach the sink.
        records = records.where(F.col("partition") != 0)
    windows = (
        records.withWatermark("ts", c["window"]["watermark"])
        .groupBy(F.window("ts", c["window"]["size"]), F.col("key"))
        .agg(F.count("*").alias("count"), F.sum("value").alias("sum"), F.min("value").alias("min"), F.max("value").alias("max"))
        .select(
            (F.col("window.start").cast("double") * 1000).cast("long").alias("start"),
            (F.col("window.end").cast("double") * 1000).cast("long").alias("end"),
            "key", "count", "sum", "min", "max",
        )
    )
    from progress import BatchProgress
    from sink import batch_writer

    spark.streams.addListener(BatchProgress(c["sink"]["redisUrl"], c.get("statsKey")))

    query = (
        windows.writeStream.outputMode("update")
        .option("checkpointLocation", c["checkpoint"]["location"])
        .trigger(processingTime=c["engine"]["triggerInterval"])
        .foreachBatch(batch_writer(c))
        .queryName("spate_windows")
        .start()
    )
    print(f"spark job: streaming {c['kafka']['topic']} -> {c['sink']['keyPattern']} ({c['sink']['mode']}, fault {c['fault']}), UI :{c['metrics']['uiPort']}", flush=True)
    query.awaitTermination()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except KeyboardInterrupt:
        pass
