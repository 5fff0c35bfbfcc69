import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, loadConfig, maskUrl, parseRedisUrl } from './config.ts'

test('defaults give the embedded platform on port 8080', () => {
  const config = loadConfig({})
  assert.equal(config.port, 8080)
  assert.equal(config.role, 'all')
  assert.equal(config.databaseUrl, null)
  assert.equal(config.redis, null)
  assert.match(config.dataDir ?? '', /data$/)
  assert.equal(config.labMode, false)
  assert.equal(config.databasePoolSize, 20)
  assert.equal(loadConfig({ DATABASE_POOL_SIZE: '60' }).databasePoolSize, 60)
  assert.throws(() => loadConfig({ DATABASE_POOL_SIZE: '0' }), /DATABASE_POOL_SIZE/)
})

test('bad configuration fails once, naming every bad key', () => {
  assert.throws(
    () =>
      loadConfig({
        PORT: 'eighty',
        ROLE: 'boss',
        DATABASE_URL: 'mysql://x',
        REDIS_URL: 'redis://host:99999',
        ADMIN_EMAIL: 'admin@example.com',
        LOG_LEVEL: 'loud',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      const keys = error.problems.map((p) => p.split(/[=:]/)[0]).sort()
      assert.deepEqual(keys, [
        'ADMIN_PASSWORD',
        'DATABASE_URL',
        'LOG_LEVEL',
        'PORT',
        'REDIS_URL',
        'ROLE',
        'TOKEN_SECRET',
      ])
      return true
    },
  )
})

test('TOKEN_SECRET is required with DATABASE_URL, and must be long', () => {
  assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://localhost/db' }), /TOKEN_SECRET: required/)
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'postgres://localhost/db', TOKEN_SECRET: 'short' }),
    /TOKEN_SECRET/,
  )
  const config = loadConfig({ DATABASE_URL: 'postgres://localhost/db', TOKEN_SECRET: 'x'.repeat(32) })
  assert.equal(config.databaseUrl, 'postgres://localhost/db')
})

test('WORKERS above 1 needs Redis and PostgreSQL, and says which is missing', () => {
  assert.equal(loadConfig({}).workers, 1)
  assert.throws(() => loadConfig({ WORKERS: '0' }), /WORKERS/)
  assert.throws(() => loadConfig({ WORKERS: '2' }), /WORKERS=2: needs REDIS_URL .* and DATABASE_URL/)
  const database = { DATABASE_URL: 'postgres://localhost/db', TOKEN_SECRET: 'x'.repeat(32) }
  assert.throws(
    () => loadConfig({ WORKERS: '2', ...database }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(error.problems.length, 1)
      assert.match(error.problems[0] ?? '', /needs REDIS_URL \(the line and its frontier are shared\)$/)
      return true
    },
  )
  const config = loadConfig({ WORKERS: '2', REDIS_URL: 'redis://127.0.0.1:6379', ...database })
  assert.equal(config.workers, 2)
})

test('DATA_DIR=:memory: keeps nothing', () => {
  assert.equal(loadConfig({ DATA_DIR: ':memory:' }).dataDir, null)
})

test('a REDIS_URL naming several nodes is a cluster; credentials and prefix are read', () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6379'), {
    nodes: [{ host: '127.0.0.1', port: 6379 }],
    username: undefined,
    password: undefined,
    tls: false,
    keyPrefix: '',
  })
  const cluster = parseRedisUrl('rediss://user:p%40ss@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002?prefix=bw:')
  assert.deepEqual(cluster.nodes, [
    { host: '10.0.0.1', port: 7000 },
    { host: '10.0.0.2', port: 7001 },
    { host: '::1', port: 7002 },
  ])
  assert.deepEqual(
    [cluster.username, cluster.password, cluster.tls, cluster.keyPrefix],
    ['user', 'p@ss', true, 'bw:'],
  )
  assert.throws(() => parseRedisUrl('redis://host:0'), /bad port/)
})

test('bad configuration names each problem on one line and never prints a secret', () => {
  const secrets = ['hunter2', 'tiny-secret', 'pg-password', 'redis-password']
  assert.throws(
    () =>
      loadConfig({
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD: 'hunter2',
        TOKEN_SECRET: 'tiny-secret',
        DATABASE_URL: 'mysql://breakwater:pg-password@db.internal/breakwater',
        REDIS_URL: 'http://:redis-password@cache.internal:6379',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(error.problems.length, 4)
      for (const problem of error.problems) assert.doesNotMatch(problem, /\n/)
      for (const secret of secrets) assert.ok(!error.message.includes(secret), `${secret} was printed`)
      assert.match(error.message, /ADMIN_PASSWORD=\(7 characters, not shown\): /)
      assert.match(error.message, /DATABASE_URL="mysql:\/\/breakwater:\*\*\*@db\.internal\/breakwater"/)
      return true
    },
  )
})

test('a URL is printed without its password, wherever it is given', () => {
  assert.equal(maskUrl('postgres://bw:s3cret@db:5432/bw'), 'postgres://bw:***@db:5432/bw')
  assert.equal(maskUrl('postgres://bw:p@ss@db/bw'), 'postgres://bw:***@db/bw')
  assert.equal(maskUrl('redis://:s3cret@a:1,b:2/0?prefix=t'), 'redis://:***@a:1,b:2/0?prefix=t')
  assert.equal(
    maskUrl('postgres://db/bw?user=bw&password=s3cret&ssl=true'),
    'postgres://db/bw?user=bw&password=***&ssl=true',
  )
  // A user name alone is no secret.
  assert.equal(maskUrl('postgres://postgres@127.0.0.1:5432/test'), 'postgres://postgres@127.0.0.1:5432/test')
})

test('metrics stay on loopback and docs stay off unless the settings say otherwise', () => {
  const defaults = loadConfig({})
  assert.deepEqual(defaults.metrics, { port: null, host: '127.0.0.1', token: null })
  assert.equal(defaults.docsEnabled, false)
  assert.equal(loadConfig({ DOCS_ENABLED: 'true' }).docsEnabled, true)
  const token = 'a'.repeat(40)
  const separate = loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: token })
  assert.deepEqual(separate.metrics, { port: 9464, host: '0.0.0.0', token })
  assert.throws(() => loadConfig({ PORT: '9464', METRICS_PORT: '9464' }), /METRICS_PORT=9464: must differ/)
  assert.throws(
    () => loadConfig({ METRICS_TOKEN: 'short secret' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.match(error.message, /METRICS_TOKEN=\(12 characters, not shown\)/)
      assert.ok(!error.message.includes('short secret'))
      return true
    },
  )
})

test('ADMIN_PASSWORD must pass the password policy, said on one line that does not show it', () => {
  for (const [password, reason] of [
    ['short-pass1', /at least 12 characters/],
    ['password1234', /most common/],
    ['aaaaaaaaaaaa', /repeats/],
    ['admin@example.com!', /email or the name/],
  ] as const) {
    assert.throws(
      () => loadConfig({ ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: password }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError)
        assert.equal(error.problems.length, 1)
        const [problem = ''] = error.problems
        assert.match(problem, /^ADMIN_PASSWORD=\(\d+ characters, not shown\): /)
        assert.match(problem, reason)
        assert.doesNotMatch(problem, /\n/)
        assert.ok(!problem.includes(password))
        return true
      },
      password,
    )
  }
  const config = loadConfig({ ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a calm river at noon' })
  assert.equal(config.admin?.password, 'a calm river at noon')
})
