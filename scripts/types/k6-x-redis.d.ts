// The part of `k6/x/redis` (spate's engine: engine/internal/modules/redis; k6's Redis extension's API) the scripts may use.
declare module 'k6/x/redis' {
  export class Client {
    /** redis[s]://[[user]:password@]host:port[/db] */
    constructor (url: string)
    hincrby (key: string, field: string, increment: number): Promise<number>
    hgetall (key: string): Promise<Record<string, string>>
    sendCommand (command: string, ...args: Array<string | number>): Promise<unknown>
  }
}
