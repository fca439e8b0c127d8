// The objects under a prefix of the stack's S3 bucket (the Spark job's S3A checkpoint), listed and
// deleted with signed requests.
import { AwsClient } from 'aws4fetch'
import { stack } from '../helpers.ts'

function client (): AwsClient {
  return new AwsClient({ accessKeyId: stack.s3AccessKeyId(), secretAccessKey: stack.s3SecretAccessKey(), region: stack.s3Region(), service: 's3' })
}

/** Keys under `prefix` in the stack's bucket (ListObjectsV2, every page). */
export async function listKeys (prefix: string): Promise<string[]> {
  const s3 = client()
  const keys: string[] = []
  let token: string | undefined
  do {
    const params = new URLSearchParams({ 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) })
    const response = await s3.fetch(`${stack.s3Endpoint()}/${stack.s3Bucket()}?${params.toString()}`)
    const body = await response.text()
    if (!response.ok) throw new Error(`listing s3://${stack.s3Bucket()}/${prefix} failed: HTTP ${response.status} ${body.slice(0, 200)}`)
    for (const match of body.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(match[1] as string)
    token = /<IsTruncated>true<\/IsTruncated>/.test(body) ? /<NextContinuationToken>([^<]*)</.exec(body)?.[1] : undefined
  } while (token)
  return keys
}

export async function deletePrefix (prefix: string): Promise<void> {
  const s3 = client()
  for (const key of await listKeys(prefix)) {
    const path = key.split('/').map(encodeURIComponent).join('/')
    await s3.fetch(`${stack.s3Endpoint()}/${stack.s3Bucket()}/${path}`, { method: 'DELETE' })
  }
}
