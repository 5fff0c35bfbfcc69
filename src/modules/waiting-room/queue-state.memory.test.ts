import { queueStateBehaviour } from '../../../test/support/queue-state.behaviour.ts'
import { MemoryQueueState } from './queue-state.memory.ts'

queueStateBehaviour('memory', async (_t, graceMs) => new MemoryQueueState(graceMs))
