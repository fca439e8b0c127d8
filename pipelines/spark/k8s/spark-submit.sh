#!/usr/bin/env bash
# The same job submitted with spark-submit in Kubernetes cluster mode (no operator), with the
# report's final configuration. Needs Spark 4.2.0's spark-submit, a kubeconfig for the cluster
# (K8S_API, e.g. https://kubernetes.default.svc) and the image of docs/spark.md#kubernetes.
#
#   K8S_API=https://my-cluster:6443 IMAGE=registry.example.com/spate/spark-job:4.2.0 pipelines/spark/k8s/spark-submit.sh
set -euo pipefail
: "${K8S_API:?set K8S_API to the cluster's API server URL}"
: "${IMAGE:?set IMAGE to the job image (docs/spark.md#kubernetes)}"
maven=https://repo1.maven.org/maven2
exec spark-submit \
  --master "k8s://$K8S_API" \
  --deploy-mode cluster \
  --name spate-spark-job \
  --conf spark.kubernetes.namespace=spark-streaming-jobs \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName=spark-operator \
  --conf spark.kubernetes.container.image="$IMAGE" \
  --conf spark.kubernetes.container.image.pullSecrets=docker-secret-cred \
  --conf spark.kubernetes.file.upload.path=/opt/spark/work-dir \
  --conf spark.driver.cores=10 \
  --conf spark.kubernetes.driver.limit.cores=24000m \
  --conf spark.driver.memory=24000m \
  --conf spark.executor.instances=1 \
  --conf spark.executor.cores=12 \
  --conf spark.kubernetes.executor.limit.cores=24000m \
  --conf spark.executor.memory=24000m \
  --conf spark.sql.shuffle.partitions=24 \
  --conf spark.sql.streaming.metricsEnabled=true \
  --conf spark.ui.prometheus.enabled=true \
  --conf spark.metrics.namespace=spate \
  --conf 'spark.metrics.conf.*.sink.prometheusServlet.class=org.apache.spark.metrics.sink.PrometheusServlet' \
  --conf 'spark.metrics.conf.*.sink.prometheusServlet.path=/metrics/prometheus' \
  --conf spark.hadoop.fs.s3a.aws.credentials.provider=com.amazonaws.auth.WebIdentityTokenCredentialsProvider \
  --jars "$maven/org/apache/spark/spark-sql-kafka-0-10_2.13/4.2.0/spark-sql-kafka-0-10_2.13-4.2.0.jar,$maven/org/apache/spark/spark-token-provider-kafka-0-10_2.13/4.2.0/spark-token-provider-kafka-0-10_2.13-4.2.0.jar,$maven/org/apache/kafka/kafka-clients/3.9.2/kafka-clients-3.9.2.jar,$maven/org/apache/commons/commons-pool2/2.13.1/commons-pool2-2.13.1.jar" \
  --py-files local:///opt/spate/sink.py \
  local:///opt/spate/job.py \
  --config /opt/spate/config.yaml --brokers kafka.kafka.svc:9092 --redis-url redis://redis.redis.svc:6379 \
  --checkpoint s3a://spate-checkpoints/spark/spate-spark-job
