import type { FastifyInstance } from 'fastify'

/** Serves the app on a loopback port: the crowd's lane only sees real HTTP, never `app.inject`. */
export async function listening(app: FastifyInstance) {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return async (method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null }
  }
}

/** Helmet's document headers come only from Fastify's path; the lane leaves them out on purpose. */
export const servedByLane = (headers: Headers) => headers.get('x-frame-options') === null
