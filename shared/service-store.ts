import { randomBytes } from 'node:crypto'
import type { Config } from './config/index.js'
import type { Keys } from './keys.js'
import type { RedisClient } from './redis.js'
import { builtInServices, type BuiltInServices, type ServiceSettings } from './services.js'

/** How long a process trusts what it read of a /v2 service: a change reaches every process within this. */
const CACHE_MS = 2_000

/** What a /v2 create or update may set (Twilio's Service parameters). */
export type ServiceFields = Partial<
  Pick<
    ServiceSettings,
    | 'friendlyName'
    | 'codeLength'
    | 'lookupEnabled'
    | 'skipSmsToLandlines'
    | 'doNotShareWarning'
    | 'customCodeEnabled'
    | 'dtmfInputRequired'
    | 'ttsName'
    | 'psd2Enabled'
    | 'defaultTemplateSid'
  >
>

/** The /v2 defaults: Twilio's (10-minute codes, 5 checks, 5 sends per 10 minutes, no cooldown). */
const V2_DEFAULTS = {
  codeLength: 6,
  ttlSeconds: 600,
  maxCheckAttempts: 5,
  maxSendsPerWindow: 5,
  sendWindowSeconds: 600,
  resendCooldownSeconds: 0,
  doNotShareWarning: false,
  skipSmsToLandlines: false,
  lookupEnabled: false,
  customCodeEnabled: false,
  dtmfInputRequired: true,
  psd2Enabled: false,
} as const

/**
 * Services: the built-in ones from the environment, and those created through /v2, each stored as one JSON value.
 * Reads go through a short cache, since every create and check names its service; a process's own writes update it.
 */
export function createServiceStore(deps: { readonly redis: RedisClient; readonly keys: Keys; readonly config: Parameters<typeof builtInServices>[0] & Pick<Config, 'redis'>; readonly now: () => number }) {
  const { redis, keys } = deps
  const builtIn: BuiltInServices = builtInServices(deps.config)
  const byId = new Map<string, ServiceSettings>([builtIn.default, builtIn.public, builtIn.mfa].map((s) => [s.id, s]))
  const cache = new Map<string, { readonly at: number; readonly settings: ServiceSettings | undefined }>()

  function remember(id: string, settings: ServiceSettings | undefined): void {
    if (cache.size > 10_000) cache.clear()
    cache.set(id, { at: Date.now(), settings })
  }

  async function read(id: string): Promise<ServiceSettings | undefined> {
    const raw = await redis.get(keys.service(id))
    return raw === null ? undefined : (JSON.parse(raw) as ServiceSettings)
  }

  return {
    builtIn,

    /** A service by id: built-in, or created through /v2 (and not deleted). */
    async get(id: string): Promise<ServiceSettings | undefined> {
      const fixed = byId.get(id)
      if (fixed !== undefined) return fixed
      const cached = cache.get(id)
      if (cached !== undefined && Date.now() - cached.at < CACHE_MS) return cached.settings
      const settings = await read(id)
      remember(id, settings)
      return settings
    },

    async create(accountSid: string, fields: ServiceFields & Pick<ServiceSettings, 'friendlyName'>): Promise<ServiceSettings> {
      const now = deps.now()
      const id = `VA${randomBytes(16).toString('hex')}`
      const settings: ServiceSettings = { ...V2_DEFAULTS, ...fields, id, accountSid, createdAt: now, updatedAt: now }
      await redis.multi().set(keys.service(id), JSON.stringify(settings)).zadd(keys.accountServices(accountSid), now, id).exec()
      remember(id, settings)
      return settings
    },

    async update(id: string, fields: ServiceFields): Promise<ServiceSettings | undefined> {
      const current = await read(id)
      if (current === undefined) return undefined
      const settings: ServiceSettings = { ...current, ...fields, id, updatedAt: deps.now() }
      await redis.set(keys.service(id), JSON.stringify(settings), 'XX')
      remember(id, settings)
      return settings
    },

    async delete(service: ServiceSettings): Promise<void> {
      await redis.multi().del(keys.service(service.id)).zrem(keys.accountServices(service.accountSid ?? ''), service.id).exec()
      remember(service.id, undefined)
    },

    /** how many services an account has */
    count: (accountSid: string): Promise<number> => redis.zcard(keys.accountServices(accountSid)),

    /** One page of an account's services, oldest first, and how many it has. */
    async list(accountSid: string, offset: number, count: number): Promise<{ readonly services: ServiceSettings[]; readonly total: number }> {
      const [ids, total] = await Promise.all([redis.zrange(keys.accountServices(accountSid), offset, offset + count - 1), redis.zcard(keys.accountServices(accountSid))])
      const raws = ids.length === 0 ? [] : await redis.mget(...ids.map((id) => keys.service(id)))
      const services = raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as ServiceSettings)
      return { services, total }
    },
  }
}

export type ServiceStore = ReturnType<typeof createServiceStore>
