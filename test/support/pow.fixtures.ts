import assert from 'node:assert/strict'
import { solveChallenge } from 'altcha-lib/v1'
import type { FastifyInstance } from 'fastify'

export interface Challenge {
  algorithm: string
  challenge: string
  maxnumber: number
  salt: string
  signature: string
}

/** Solves a challenge as the waiting-room page does, into the `X-Queue-Pow` header's value. */
export async function solve(challenge: Challenge): Promise<string> {
  const { algorithm, salt, signature } = challenge
  const found = await solveChallenge(challenge.challenge, salt, algorithm, challenge.maxnumber).promise
  assert.ok(found, 'the challenge has a solution')
  const payload = { algorithm, challenge: challenge.challenge, number: found.number, salt, signature }
  return Buffer.from(JSON.stringify(payload)).toString('base64')
}

/** Fetches a challenge for the event from the app and solves it. */
export async function solvedPow(app: FastifyInstance, eventId: string): Promise<string> {
  const response = await app.inject({ url: `/api/v1/events/${eventId}/queue/challenge` })
  assert.equal(response.statusCode, 200, response.body)
  return solve(response.json())
}
