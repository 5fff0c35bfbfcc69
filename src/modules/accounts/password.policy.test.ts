import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { passwordLength, passwordProblem } from './password.policy.ts'

test('12 to 128 characters of any kind, counted as characters rather than UTF-16 units', () => {
  assert.match(passwordProblem('tiny pass 1') ?? '', /at least 12/)
  assert.equal(passwordProblem('a calm river'), null)
  const long = Array.from({ length: passwordLength.max }, (_, i) =>
    String.fromCharCode(97 + ((i * 7) % 26)),
  ).join('')
  assert.equal(passwordProblem(long.slice(0, 64)), null, '64 characters (ASVS 5.0, 6.2.9)')
  assert.equal(passwordProblem(long), null)
  assert.match(passwordProblem(`${long}z`) ?? '', /at most 128/)
  // Eleven emoji are 22 UTF-16 units but eleven characters; twelve pass (no composition rules).
  assert.match(passwordProblem('🦊🐙🦉🐢🦔🐝🦀🐌🦎🐍🐞') ?? '', /at least 12/)
  assert.equal(passwordProblem('🦊🐙🦉🐢🦔🐝🦀🐌🦎🐍🐞🐜'), null)
  assert.equal(passwordProblem('ünïcödé wörds ök'), null)
})

test('the commonest passwords are refused whatever their case; the list is a few thousand at most', () => {
  for (const common of ['iloveyousomuch', 'PeanutButter', 'qwerty123456', '1qaz2wsx3edc', 'Password1234'])
    assert.match(passwordProblem(common) ?? '', /most common/, common)
  const entries = readFileSync(new URL('./common.passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
  assert.ok(entries.length > 500 && entries.length <= 5000, `${entries.length} entries`)
  for (const entry of entries) {
    assert.equal(entry, entry.normalize('NFKC').toLowerCase(), entry)
    assert.notEqual(passwordProblem(entry), null, entry)
  }
})

test('a few characters repeated or counted up are refused', () => {
  for (const weak of [
    'aaaaaaaaaaaa',
    'abababababab',
    'abcdabcdabcd',
    '121212121212',
    'abcdefghijkl',
    'ZYXWVUTSRQPO',
    '123456789012',
    '987654321098',
  ])
    assert.notEqual(passwordProblem(weak), null, weak)
  assert.equal(passwordProblem('abcdeabcdeab'), null, 'a unit of five is not refused by rule')
})

test('the email or the service name does not count towards the length', () => {
  const email = 'fan.of.music@example.com'
  assert.match(passwordProblem('Breakwater2025', { email }) ?? '', /email or the name/)
  assert.match(passwordProblem(`${email}!!`, { email }) ?? '', /email or the name/)
  assert.equal(passwordProblem('breakwater is a long wall', { email }), null)
  assert.equal(passwordProblem(`${email}!!`), null, 'without the email as context it is just long')
})
