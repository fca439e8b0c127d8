// Headless Chromium (Debian's chromium package) through playwright-core, for looking at a report
// the way a reader does: its console, its rendered charts, a screenshot. The flags keep Chromium
// off the network (no component updates, sync or QUIC probes), which it otherwise stalls on in a
// closed network, and every launch gets a fresh profile directory.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import { ReportError } from './prometheus.ts'

export const CHROMIUM = process.env.SPATE_CHROMIUM ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]

export interface Browser {
  context: BrowserContext
  close: () => Promise<void>
}

export async function launchChromium (): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new ReportError(`Chromium is not at ${CHROMIUM}; install Debian's chromium package (build/toolchain.sh debian, as root) or set SPATE_CHROMIUM to a Chromium binary`)
  }
  const { chromium } = await import('playwright-core')
  const profile = await mkdtemp(join(tmpdir(), 'spate-chromium-'))
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 900 },
    })
    return {
      context,
      close: async () => {
        await context.close().catch(() => {})
        await rm(profile, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw error
  }
}
