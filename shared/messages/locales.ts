/**
 * The built-in message texts, one entry per language, and how a language is picked for a request.
 *
 * Every `sms` and `smsWarning` must stay one SMS segment with a 30-character ASCII service name and a 10-digit
 * code (test/unit/locales.test.ts checks it). Latin-script texts are worded to stay in the GSM-7 alphabet where
 * the language allows, which leaves room; a text with any other character is sent as UCS-2, where only 70 units
 * fit, so those texts keep about 30 characters of their own.
 *
 * `tts` is the `language` given to SignalWire's `playTTS`. SignalWire's default engine is Google Cloud TTS, so the
 * codes are Google's (which match Amazon Polly's where both have the language); differences are noted inline.
 */

export interface LocaleTexts {
  /** The language's English name. */
  name: string
  /** The SMS: one `{name}` (the service) and one `{code}`. */
  sms: string
  /** The SMS with a "do not share this code" warning. */
  smsWarning: string
  /** What a call says: one `{name}` and `{code}` twice (the code is read out twice). */
  voice: string
  /** The text-to-speech language code. */
  tts: string
}

export const LOCALES = {
  en: {
    name: 'English',
    sms: 'Your {name} verification code is: {code}',
    smsWarning: "Your {name} verification code is: {code}. Don't share this code with anyone.",
    voice: 'Your {name} verification code is: {code}. Again, your code is: {code}.',
    tts: 'en-US',
  },
  es: {
    name: 'Spanish',
    sms: 'Tu código de {name} es: {code}',
    smsWarning: 'Código de {name}: {code}. No lo compartas.',
    voice: 'Tu código de verificación de {name} es: {code}. Repito, tu código es: {code}.',
    tts: 'es-ES',
  },
  'pt-BR': {
    name: 'Portuguese (Brazil)',
    sms: '{name}: seu código de verificação é {code}',
    smsWarning: '{name}: código {code}. Não compartilhe.',
    voice: 'Seu código de verificação {name} é: {code}. Repetindo, seu código é: {code}.',
    tts: 'pt-BR',
  },
  pt: {
    name: 'Portuguese (Portugal)',
    sms: 'Código de verificação {name}: {code}',
    smsWarning: 'Código {name}: {code}. Não o partilhe.',
    voice: 'O seu código de verificação {name} é: {code}. Repito, o seu código é: {code}.',
    tts: 'pt-PT',
  },
  fr: {
    name: 'French',
    sms: 'Votre code de vérification {name} est : {code}',
    smsWarning: 'Votre code de vérification {name} est : {code}. Ne le communiquez à personne.',
    voice: 'Votre code de vérification {name} est : {code}. Je répète, votre code est : {code}.',
    tts: 'fr-FR',
  },
  de: {
    name: 'German',
    sms: 'Ihr Bestätigungscode für {name} lautet: {code}',
    smsWarning: 'Ihr Bestätigungscode für {name} lautet: {code}. Geben Sie diesen Code nicht weiter.',
    voice: 'Ihr Bestätigungscode für {name} lautet: {code}. Ich wiederhole, Ihr Code lautet: {code}.',
    tts: 'de-DE',
  },
  it: {
    name: 'Italian',
    sms: 'Il tuo codice di verifica per {name} è: {code}',
    smsWarning: 'Il tuo codice di verifica per {name} è: {code}. Non condividerlo con nessuno.',
    voice: 'Il tuo codice di verifica per {name} è: {code}. Ripeto, il tuo codice è: {code}.',
    tts: 'it-IT',
  },
  nl: {
    name: 'Dutch',
    sms: 'Je verificatiecode voor {name} is: {code}',
    smsWarning: 'Je verificatiecode voor {name} is: {code}. Deel deze code met niemand.',
    voice: 'Je verificatiecode voor {name} is: {code}. Nogmaals, je code is: {code}.',
    tts: 'nl-NL',
  },
  sv: {
    name: 'Swedish',
    sms: 'Din verifieringskod för {name} är: {code}',
    smsWarning: 'Din verifieringskod för {name} är: {code}. Dela inte koden med någon.',
    voice: 'Din verifieringskod för {name} är: {code}. Jag upprepar, din kod är: {code}.',
    tts: 'sv-SE',
  },
  da: {
    name: 'Danish',
    sms: 'Din bekræftelseskode til {name} er: {code}',
    smsWarning: 'Din bekræftelseskode til {name} er: {code}. Del ikke koden med nogen.',
    voice: 'Din bekræftelseskode til {name} er: {code}. Jeg gentager, din kode er: {code}.',
    tts: 'da-DK',
  },
  nb: {
    name: 'Norwegian (Bokmål)',
    sms: 'Din bekreftelseskode for {name} er: {code}',
    smsWarning: 'Din bekreftelseskode for {name} er: {code}. Ikke del koden med noen.',
    voice: 'Din bekreftelseskode for {name} er: {code}. Jeg gjentar, koden din er: {code}.',
    tts: 'nb-NO',
  },
  fi: {
    name: 'Finnish',
    // "{name}: …" sidesteps Finnish case endings, which cannot be attached to an arbitrary name.
    sms: '{name}: vahvistuskoodisi on {code}',
    smsWarning: '{name}: vahvistuskoodisi on {code}. Älä kerro sitä kenellekään.',
    voice: '{name}: vahvistuskoodisi on {code}. Toistan, koodisi on {code}.',
    tts: 'fi-FI',
  },
  pl: {
    name: 'Polish',
    // The SMS wording needs no ą/ę/ó/ł…, so it stays GSM-7; the voice text is free to say "Twój".
    sms: 'Kod weryfikacyjny {name}: {code}',
    smsWarning: 'Kod weryfikacyjny {name}: {code}. Nie podawaj go nikomu.',
    voice: 'Twój kod weryfikacyjny {name} to: {code}. Powtarzam, twój kod to: {code}.',
    tts: 'pl-PL',
  },
  cs: {
    name: 'Czech',
    sms: 'Váš ověřovací kód pro {name} je {code}',
    smsWarning: 'Kód {name}: {code}. Nikomu ho nesdělujte.',
    voice: 'Váš ověřovací kód pro {name} je: {code}. Opakuji, váš kód je: {code}.',
    tts: 'cs-CZ',
  },
  sk: {
    name: 'Slovak',
    sms: 'Váš overovací kód pre {name} je {code}',
    smsWarning: 'Kód pre {name}: {code}. Neposkytujte ho.',
    voice: 'Váš overovací kód pre {name} je: {code}. Opakujem, váš kód je: {code}.',
    tts: 'sk-SK',
  },
  hu: {
    name: 'Hungarian',
    // Name first: "a" / "az" before a name depends on how the name is pronounced, which a template cannot know.
    sms: '{name} ellenőrző kódod: {code}',
    smsWarning: '{name} kód: {code}. Ne oszd meg senkivel.',
    voice: '{name} ellenőrző kódod: {code}. Ismétlem, a kódod: {code}.',
    tts: 'hu-HU',
  },
  ro: {
    name: 'Romanian',
    sms: 'Codul de verificare pentru {name} este: {code}',
    smsWarning: 'Codul de verificare pentru {name} este: {code}. Nu divulga acest cod.',
    voice: 'Codul de verificare pentru {name} este: {code}. Repet, codul este: {code}.',
    tts: 'ro-RO',
  },
  bg: {
    name: 'Bulgarian',
    sms: 'Код за потвърждение за {name}: {code}',
    smsWarning: 'Код за {name}: {code}. Не го споделяйте.',
    voice: 'Вашият код за потвърждение за {name} е: {code}. Повтарям, кодът е: {code}.',
    tts: 'bg-BG',
  },
  el: {
    name: 'Greek',
    sms: 'Κωδικός επαλήθευσης {name}: {code}',
    smsWarning: 'Κωδικός {name}: {code}. Μην τον δώσετε.',
    voice: 'Ο κωδικός επαλήθευσης {name} είναι: {code}. Επαναλαμβάνω, ο κωδικός σας είναι: {code}.',
    tts: 'el-GR',
  },
  tr: {
    name: 'Turkish',
    // "onay kodu" and "vermeyin" avoid ı, ş and ğ, none of which GSM-7 has.
    sms: '{name} onay kodunuz: {code}',
    smsWarning: '{name} onay kodunuz: {code}. Bu kodu kimseye vermeyin.',
    voice: '{name} onay kodunuz: {code}. Tekrar ediyorum, kodunuz: {code}.',
    tts: 'tr-TR',
  },
  ru: {
    name: 'Russian',
    sms: 'Код подтверждения {name}: {code}',
    smsWarning: 'Код {name}: {code}. Никому не сообщайте.',
    voice: 'Ваш код подтверждения для {name}: {code}. Повторяю, ваш код: {code}.',
    tts: 'ru-RU',
  },
  uk: {
    name: 'Ukrainian',
    sms: 'Код підтвердження {name}: {code}',
    smsWarning: 'Код {name}: {code}. Нікому не називайте.',
    voice: 'Ваш код підтвердження для {name}: {code}. Повторюю, ваш код: {code}.',
    tts: 'uk-UA',
  },
  ar: {
    name: 'Arabic',
    sms: 'رمز التحقق من {name}: {code}',
    smsWarning: 'رمز {name}: {code}. لا تشاركه مع أحد.',
    voice: 'رمز التحقق الخاص بك من {name} هو: {code}. أكرر، رمزك هو: {code}.',
    // Google's code for Modern Standard Arabic; Amazon Polly calls it 'arb'.
    tts: 'ar-XA',
  },
  he: {
    name: 'Hebrew',
    sms: 'קוד האימות שלך ל-{name}: {code}',
    smsWarning: 'קוד {name}: {code}. אין למסור אותו לאיש.',
    voice: 'קוד האימות שלך ל-{name} הוא: {code}. שוב, הקוד שלך הוא: {code}.',
    // Google only (Polly has no Hebrew voice).
    tts: 'he-IL',
  },
  hi: {
    name: 'Hindi',
    sms: 'आपका {name} सत्यापन कोड {code} है',
    smsWarning: '{name} कोड: {code}। इसे किसी को न बताएं।',
    voice: 'आपका {name} सत्यापन कोड है: {code}। फिर से, आपका कोड है: {code}।',
    tts: 'hi-IN',
  },
  id: {
    name: 'Indonesian',
    sms: 'Kode verifikasi {name} Anda: {code}',
    smsWarning: 'Kode verifikasi {name} Anda: {code}. Jangan berikan kode ini kepada siapa pun.',
    voice: 'Kode verifikasi {name} Anda adalah: {code}. Sekali lagi, kode Anda adalah: {code}.',
    // Google only.
    tts: 'id-ID',
  },
  ms: {
    name: 'Malay',
    sms: 'Kod pengesahan {name} anda ialah: {code}',
    smsWarning: 'Kod pengesahan {name} anda ialah: {code}. Jangan kongsi kod ini dengan sesiapa.',
    voice: 'Kod pengesahan {name} anda ialah: {code}. Sekali lagi, kod anda ialah: {code}.',
    // Google only.
    tts: 'ms-MY',
  },
  vi: {
    name: 'Vietnamese',
    sms: 'Mã xác thực {name} của bạn là {code}',
    smsWarning: 'Mã {name}: {code}. Không chia sẻ cho ai.',
    voice: 'Mã xác thực {name} của bạn là: {code}. Xin nhắc lại, mã của bạn là: {code}.',
    // Google only.
    tts: 'vi-VN',
  },
  th: {
    name: 'Thai',
    // Thai has no sentence full stop; a space separates the sentences.
    sms: 'รหัสยืนยัน {name} ของคุณคือ {code}',
    smsWarning: 'รหัส {name}: {code} อย่าเปิดเผยรหัสนี้',
    voice: 'รหัสยืนยัน {name} ของคุณคือ {code} ขอย้ำอีกครั้ง รหัสของคุณคือ {code}',
    // Google only.
    tts: 'th-TH',
  },
  zh: {
    name: 'Chinese (Simplified)',
    sms: '您的{name}验证码是：{code}',
    smsWarning: '您的{name}验证码是：{code}。请勿告诉他人。',
    voice: '您的{name}验证码是：{code}。再说一遍，您的验证码是：{code}。',
    // Mandarin (mainland); Google and Polly both use 'cmn-CN' rather than 'zh-CN'.
    tts: 'cmn-CN',
  },
  'zh-TW': {
    name: 'Chinese (Traditional)',
    sms: '您的{name}驗證碼是：{code}',
    smsWarning: '您的{name}驗證碼是：{code}。請勿告訴他人。',
    voice: '您的{name}驗證碼是：{code}。再說一次，您的驗證碼是：{code}。',
    // Taiwanese Mandarin, Google only. Hong Kong and Macau read this text too, but speak Cantonese ('yue-HK').
    tts: 'cmn-TW',
  },
  ja: {
    name: 'Japanese',
    sms: '{name}の認証コードは{code}です',
    smsWarning: '{name}の認証コードは{code}です。他人に教えないでください。',
    voice: '{name}の認証コードは{code}です。もう一度言います。認証コードは{code}です。',
    tts: 'ja-JP',
  },
  ko: {
    name: 'Korean',
    sms: '{name} 인증번호는 {code}입니다',
    smsWarning: '{name} 인증번호는 {code}입니다. 타인에게 알려주지 마세요.',
    voice: '{name} 인증번호는 {code}입니다. 다시 한 번 말씀드립니다. 인증번호는 {code}입니다.',
    tts: 'ko-KR',
  },
  fil: {
    name: 'Filipino',
    // "verification code" is how Filipino texts commonly say it; the pure Tagalog terms read as stilted.
    sms: 'Ang iyong verification code para sa {name} ay: {code}',
    smsWarning: 'Ang iyong verification code para sa {name} ay: {code}. Huwag itong ibahagi kahit kanino.',
    voice: 'Ang iyong verification code para sa {name} ay: {code}. Uulitin ko, ang iyong code ay: {code}.',
    // Google only.
    tts: 'fil-PH',
  },
  hr: {
    name: 'Croatian',
    sms: 'Verifikacijski kod za {name} je: {code}',
    smsWarning: 'Verifikacijski kod za {name} je: {code}. Ne dijelite ga ni s kim.',
    voice: 'Vaš verifikacijski kod za {name} je: {code}. Ponavljam, vaš kod je: {code}.',
    // Uncertain: neither Polly nor Google's long-standing voices cover Croatian; newer Google voices may.
    tts: 'hr-HR',
  },
  ca: {
    name: 'Catalan',
    sms: 'El teu codi de {name} és: {code}',
    smsWarning: 'El teu codi de {name} és: {code}. No el comparteixis.',
    voice: 'El teu codi de verificació de {name} és: {code}. Repeteixo, el teu codi és: {code}.',
    tts: 'ca-ES',
  },
  sl: {
    name: 'Slovenian',
    sms: 'Potrditvena koda za {name} je: {code}',
    smsWarning: 'Potrditvena koda za {name} je: {code}. Kode ne delite z nikomer.',
    voice: 'Vaša potrditvena koda za {name} je: {code}. Ponavljam, vaša koda je: {code}.',
    // Uncertain: no Polly voice; check that the account's Google voices include Slovenian.
    tts: 'sl-SI',
  },
  et: {
    name: 'Estonian',
    sms: 'Teie {name} kinnituskood on: {code}',
    smsWarning: 'Teie {name} kinnituskood on: {code}. Ära jaga seda koodi kellegagi.',
    voice: 'Teie {name} kinnituskood on: {code}. Kordan, teie kood on: {code}.',
    // Uncertain: no Polly voice; Google added Estonian only recently.
    tts: 'et-EE',
  },
  lv: {
    name: 'Latvian',
    sms: 'Jūsu {name} verifikācijas kods: {code}',
    // Without ā / ū this one stays GSM-7, which leaves room for the warning.
    smsWarning: '{name} kods: {code}. Nevienam to neizpaudiet.',
    voice: 'Jūsu {name} verifikācijas kods: {code}. Atkārtoju, jūsu kods: {code}.',
    // Google only.
    tts: 'lv-LV',
  },
  lt: {
    name: 'Lithuanian',
    sms: '{name} patvirtinimo kodas: {code}',
    smsWarning: '{name} patvirtinimo kodas: {code}. Niekam jo neatskleiskite.',
    voice: 'Jūsų {name} patvirtinimo kodas: {code}. Kartoju, jūsų kodas: {code}.',
    // Google only.
    tts: 'lt-LT',
  },
} as const satisfies Record<string, LocaleTexts>

export type Locale = keyof typeof LOCALES

export const DEFAULT_LOCALE: Locale = 'en'

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && Object.hasOwn(LOCALES, value)
}

/** Lower-cased tag → entry, for tags that are not simply a key or its language part. */
const ALIASES: Readonly<Record<string, Locale>> = {
  // Traditional Chinese: the script subtag, and the regions that write it.
  'zh-hant': 'zh-TW',
  'zh-tw': 'zh-TW',
  'zh-hk': 'zh-TW',
  'zh-mo': 'zh-TW',
  // Simplified Chinese: the script subtag and the regions that write it (zh-CN also falls back to zh).
  'zh-hans': 'zh',
  'zh-sg': 'zh',
  'zh-my': 'zh',
  // Norwegian: the macrolanguage and Nynorsk readers are served by the Bokmål text.
  no: 'nb',
  nn: 'nb',
  // Tagalog is the basis of Filipino; 'tl' is what many systems send.
  tl: 'fil',
  // Deprecated ISO 639 codes that old Java and Android systems still emit.
  iw: 'he',
  in: 'id',
}

const BY_LOWER_TAG: ReadonlyMap<string, Locale> = new Map([
  ...Object.keys(LOCALES)
    .filter(isLocale)
    .map((locale): [string, Locale] => [locale.toLowerCase(), locale]),
  ...Object.entries(ALIASES),
])

/** Only letters and digits between hyphens; anything else is not a language tag. */
const TAG_SHAPE = /^[a-z0-9]{1,8}(?:-[a-z0-9]{1,8})*$/

/**
 * The entry for a requested language tag, or undefined when there is none (the caller reports that).
 * Case-insensitive and `_` is read as `-`; the full tag is tried first, then shorter prefixes, so 'zh-Hant-HK'
 * finds 'zh-hant', 'es-MX' finds 'es' and 'pt-BR' stays Brazilian.
 */
export function resolveLocale(requested: string): Locale | undefined {
  const tag = requested.trim().replaceAll('_', '-').toLowerCase()
  if (!TAG_SHAPE.test(tag)) return undefined
  const subtags = tag.split('-')
  for (let length = subtags.length; length > 0; length--) {
    const found = BY_LOWER_TAG.get(subtags.slice(0, length).join('-'))
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * Countries (ISO 3166-1 alpha-2) by the language their people most commonly read, for each language with a text.
 * Countries whose main language has no text are left out, so the caller falls back to its default. Choices:
 * - India and Pakistan → English: it is the common language of business and of nearly all OTP texts there, and
 *   Hindi or Urdu is not read by much of the population.
 * - Belgium → Dutch: the largest language group (Flanders, about 60 %); French would be the other fair choice.
 * - Switzerland → German (about 60 %); Canada → English; Luxembourg → French (the main written language).
 * - Kazakhstan, Kyrgyzstan and Belarus → Russian, the language most widely read there.
 * - Hong Kong, Macau and Taiwan → Traditional Chinese; Singapore → English.
 */
const COUNTRIES_BY_LOCALE: { readonly [L in Locale]?: readonly string[] } = {
  en: [
    'US', 'GB', 'IE', 'AU', 'NZ', 'CA', 'ZA', 'NG', 'GH', 'KE', 'UG', 'ZM', 'ZW', 'BW', 'NA', 'MW', 'SL', 'LR',
    'GM', 'JM', 'TT', 'BS', 'BB', 'BZ', 'GY', 'AG', 'DM', 'GD', 'KN', 'LC', 'VC', 'SG', 'IN', 'PK', 'MT', 'PG',
    'FJ', 'SB', 'GU', 'VI', 'BM', 'KY', 'SS',
  ],
  es: [
    'ES', 'MX', 'AR', 'CO', 'CL', 'PE', 'VE', 'EC', 'GT', 'CU', 'BO', 'DO', 'HN', 'PY', 'SV', 'NI', 'CR', 'PA',
    'UY', 'PR', 'GQ',
  ],
  'pt-BR': ['BR'],
  // Portuguese-speaking Africa follows the European standard.
  pt: ['PT', 'AO', 'MZ', 'CV', 'GW', 'ST'],
  fr: [
    'FR', 'LU', 'MC', 'SN', 'CI', 'ML', 'BF', 'NE', 'GN', 'TD', 'CM', 'CD', 'CG', 'GA', 'BJ', 'TG', 'CF', 'MG',
    'HT', 'DJ', 'BI', 'GP', 'MQ', 'GF', 'RE', 'YT', 'NC', 'PF', 'PM',
  ],
  de: ['DE', 'AT', 'CH', 'LI'],
  it: ['IT', 'SM', 'VA'],
  nl: ['NL', 'BE', 'SR', 'SX'],
  sv: ['SE', 'AX'],
  da: ['DK'],
  nb: ['NO', 'SJ'],
  fi: ['FI'],
  pl: ['PL'],
  cs: ['CZ'],
  sk: ['SK'],
  hu: ['HU'],
  ro: ['RO', 'MD'],
  bg: ['BG'],
  el: ['GR', 'CY'],
  tr: ['TR'],
  ru: ['RU', 'BY', 'KZ', 'KG'],
  uk: ['UA'],
  ar: [
    'SA', 'AE', 'EG', 'IQ', 'JO', 'KW', 'LB', 'LY', 'MA', 'OM', 'QA', 'BH', 'SY', 'TN', 'YE', 'DZ', 'SD', 'PS',
    'MR',
  ],
  he: ['IL'],
  id: ['ID'],
  ms: ['MY', 'BN'],
  vi: ['VN'],
  th: ['TH'],
  zh: ['CN'],
  'zh-TW': ['TW', 'HK', 'MO'],
  ja: ['JP'],
  ko: ['KR', 'KP'],
  fil: ['PH'],
  hr: ['HR'],
  ca: ['AD'],
  sl: ['SI'],
  et: ['EE'],
  lv: ['LV'],
  lt: ['LT'],
}

/** Inverts the table; a country listed under two languages is a mistake in the table, caught at load. */
function countryTable(byLocale: typeof COUNTRIES_BY_LOCALE): ReadonlyMap<string, Locale> {
  const table = new Map<string, Locale>()
  for (const [locale, countries] of Object.entries(byLocale)) {
    if (!isLocale(locale) || countries === undefined) continue
    for (const country of countries) {
      const taken = table.get(country)
      if (taken !== undefined) throw new Error(`country ${country} is listed for both ${taken} and ${locale}`)
      table.set(country, locale)
    }
  }
  return table
}

const LOCALE_BY_COUNTRY = countryTable(COUNTRIES_BY_LOCALE)

/** The main language of a country (ISO 3166-1 alpha-2, any case), or undefined when there is no text for it. */
export function localeForCountry(iso2: string): Locale | undefined {
  return LOCALE_BY_COUNTRY.get(iso2.trim().toUpperCase())
}

const PLACEHOLDER = /\{(name|code)\}/g

/** One pass over the template, so a `{code}` inside the service name is left as the name's own text. */
function fill(template: string, name: string, code: string): string {
  return template.replace(PLACEHOLDER, (_match, key: string) => (key === 'name' ? name : code))
}

/** The SMS text with the service name and code in place. */
export function fillSms(template: string, name: string, code: string): string {
  return fill(template, name, code)
}

/** The code as separate characters ("1, 2, 3"), so text-to-speech reads each digit or letter on its own. */
export function spellCode(code: string): string {
  return Array.from(code.replace(/\s+/g, '')).join(', ')
}

/** The call text with the service name in place and the code spelled out character by character. */
export function fillVoice(template: string, name: string, code: string): string {
  return fill(template, name, spellCode(code))
}
