import { fillSms, fillVoice, LOCALES, type Locale } from './locales.js'

/** What a message says, besides the code: whose it is, in which language, and the operator's own words if any. */
export interface MessageContext {
  /** the service's name ({name} in the texts) */
  readonly serviceName: string
  readonly locale: Locale
  /** add "do not share this code" (a /v2 service's DoNotShareWarningEnabled) */
  readonly warning: boolean
  /** SMS_TEMPLATE: the operator's own text, used as it is in every language ({code}, and {name} if it has one) */
  readonly template?: string
  /** SignalWire MFA's `message`: the text before the token */
  readonly prefix?: string
  /** WEBOTP_DOMAIN: a last line `@<domain> #<code>` for browsers' and phones' autofill */
  readonly webOtpDomain?: string
}

/** The SMS text. */
export function renderSms(context: MessageContext, code: string): string {
  let text: string
  if (context.prefix !== undefined) text = `${context.prefix} ${code}`
  else if (context.template !== undefined) text = fillSms(context.template, context.serviceName, code)
  else text = fillSms(context.warning ? LOCALES[context.locale].smsWarning : LOCALES[context.locale].sms, context.serviceName, code)
  return context.webOtpDomain === undefined ? text : `${text}\n\n@${context.webOtpDomain} #${code}`
}

/** What a call says, and the text-to-speech language to say it in: the code spelled out, twice. */
export function renderVoice(context: Pick<MessageContext, 'serviceName' | 'locale' | 'prefix'>, code: string): { readonly text: string; readonly language: string } {
  const texts = LOCALES[context.locale]
  const text = context.prefix === undefined ? fillVoice(texts.voice, context.serviceName, code) : fillVoice(`${context.prefix} {code}. {code}.`, context.serviceName, code)
  return { text, language: texts.tts }
}
