// A worker thread's entry: worker threads do not inherit the TypeScript loader the main thread
// was started with (node --import tsx), so each registers it before loading workers/worker.ts.
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
