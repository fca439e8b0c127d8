// The Spark job's Kubernetes configuration (pipelines/spark/k8s/), checked offline: the
// SparkApplication against the Kubeflow Spark operator's CRD, and spark-submit's flags against
// the same settings. SPATE_SPARK_OPERATOR_CRD names the CRD file
// (config/crd/bases/sparkoperator.k8s.io_sparkapplications.yaml of kubeflow/spark-operator);
// without it the manifest is checked against the fields and types spate uses, as that CRD defines them.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse } from 'yaml'
import { root } from '../helpers.ts'
import { type OpenAPISchema, validate } from './openapi.ts'

const dir = join(root, 'pipelines/spark/k8s')

const str: OpenAPISchema = { type: 'string' }
const strings: OpenAPISchema = { type: 'array', items: str }
const labels: OpenAPISchema = { type: 'object', additionalProperties: str }
const pod = (extra: Record<string, OpenAPISchema>): OpenAPISchema => ({
  type: 'object',
  properties: { cores: { type: 'integer', minimum: 1 }, coreLimit: str, memory: str, labels, serviceAccount: str, ...extra },
})
// The v1beta2 fields this manifest uses, with the CRD's types, enums and required fields.
const usedFields: OpenAPISchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: ['sparkoperator.k8s.io/v1beta2'] },
    kind: { type: 'string', enum: ['SparkApplication'] },
    metadata: { type: 'object', required: ['name'], properties: { name: str, namespace: str } },
    spec: {
      type: 'object',
      required: ['driver', 'executor', 'mainApplicationFile', 'sparkVersion', 'type'],
      properties: {
        type: { type: 'string', enum: ['Java', 'Python', 'Scala', 'R'] },
        pythonVersion: { type: 'string', enum: ['2', '3'] },
        mode: { type: 'string', enum: ['cluster', 'client'] },
        image: str,
        imagePullPolicy: str,
        imagePullSecrets: strings,
        mainApplicationFile: str,
        arguments: strings,
        sparkVersion: str,
        deps: { type: 'object', properties: { jars: strings, pyFiles: strings } },
        sparkConf: { type: 'object', additionalProperties: str },
        restartPolicy: {
          type: 'object',
          properties: {
            type: { type: 'string', enum: ['Never', 'Always', 'OnFailure'] },
            onFailureRetryInterval: { type: 'integer' },
            onSubmissionFailureRetryInterval: { type: 'integer' },
          },
        },
        driver: pod({}),
        executor: pod({ instances: { type: 'integer', minimum: 1 } }),
      },
    },
  },
}

async function crdSchema (): Promise<OpenAPISchema> {
  const file = process.env.SPATE_SPARK_OPERATOR_CRD
  if (!file) return usedFields
  const crd = parse(await readFile(file, 'utf8'))
  const version = crd.spec.versions.find((v: { name: string }) => v.name === 'v1beta2')
  const schema = version.schema.openAPIV3Schema as OpenAPISchema
  // apiVersion and kind are strings in the CRD; the group and kind are what must match.
  return { ...schema, required: ['apiVersion', 'kind', 'metadata', 'spec'], properties: { ...schema.properties, apiVersion: usedFields.properties!.apiVersion!, kind: usedFields.properties!.kind! } }
}

test('the SparkApplication is valid against the Spark operator\'s v1beta2 API', async () => {
  const manifest = parse(await readFile(join(dir, 'sparkapplication.yaml'), 'utf8'))
  assert.deepEqual(validate(manifest, await crdSchema()), [])
})

test('the validator finds a misspelled field and a wrong type: no false pass', async () => {
  const manifest = parse(await readFile(join(dir, 'sparkapplication.yaml'), 'utf8'))
  manifest.spec.executor.instance = 1
  manifest.spec.driver.cores = '10'
  const problems = validate(manifest, await crdSchema())
  assert.ok(problems.includes('.spec.executor.instance: unknown field'), problems.join('\n'))
  assert.ok(problems.some((p) => p.startsWith('.spec.driver.cores: want an integer')), problems.join('\n'))
})

test('spark-submit and the SparkApplication carry the report\'s final configuration alike', async () => {
  const manifest = parse(await readFile(join(dir, 'sparkapplication.yaml'), 'utf8'))
  const submit = await readFile(join(dir, 'spark-submit.sh'), 'utf8')
  const conf = Object.fromEntries([...submit.matchAll(/--conf '?([^=\s]+)=([^'\s]+)'?/g)].map((m) => [m[1], m[2]]))
  const { driver, executor, sparkConf } = manifest.spec
  const expected: Record<string, string> = {
    'spark.driver.cores': String(driver.cores),
    'spark.kubernetes.driver.limit.cores': driver.coreLimit,
    'spark.driver.memory': driver.memory,
    'spark.executor.instances': String(executor.instances),
    'spark.executor.cores': String(executor.cores),
    'spark.kubernetes.executor.limit.cores': executor.coreLimit,
    'spark.executor.memory': executor.memory,
    'spark.kubernetes.namespace': manifest.metadata.namespace,
    'spark.kubernetes.authenticate.driver.serviceAccountName': driver.serviceAccount,
    ...sparkConf,
  }
  for (const [key, value] of Object.entries(expected)) assert.equal(conf[key], value, key)
  // The report's final numbers.
  assert.deepEqual([driver.cores, driver.memory, executor.cores, executor.instances, executor.memory], [10, '24000m', 12, 1, '24000m'])
  assert.match(submit, /--deploy-mode cluster/)
  assert.equal(manifest.spec.mode, 'cluster')
})
