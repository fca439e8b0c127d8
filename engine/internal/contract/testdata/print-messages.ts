// Prints what the TypeScript side of the contract computes, one JSON line per case, for
// typescript_test.go to compare with the Go side byte for byte. Input: a JSON request on argv[2].
import { message, type Schema } from '../../../../scripts/lib/messages.ts'
import { mixSeq } from '../../../../contract/seq-hash.ts'

interface Request { runId: string, keys: number, eventTime: number, seqs: number[], numbers: number[] }
const req = JSON.parse(process.argv[2] as string) as Request
const out: string[] = []
for (const schema of ['basic', 'medium', 'complex'] as Schema[]) {
  for (const seq of req.seqs) {
    const m = message(schema, req.runId, seq, req.keys, req.eventTime)
    out.push(JSON.stringify({ schema, seq, key: m.key, value: m.value }))
  }
}
for (const seq of req.seqs) out.push(JSON.stringify({ mix: seq, value: String(mixSeq(seq)) }))
for (const n of req.numbers) out.push(JSON.stringify({ number: n, value: String(n) }))
process.stdout.write(out.join('\n') + '\n')
