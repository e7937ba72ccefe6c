/** Secrets and names every test shares; a module of its own so that importing them loads nothing else. */
export const TEST_SECRET = 'test-secret-key-0123456789abcdef-not-for-production'
export const TEST_API_KEY = 'test-api-key-0123456789'
export const TEST_PROJECT = 'test-project'
export const TEST_TOKEN = 'test-token'
export const SENDER_NUMBER = '+12015550100'
