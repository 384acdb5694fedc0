import type { TaskJournal, TaskRecord } from '@mesh-node/journal'
import type { Mesh } from '@mesh-node/mesh'
import type { EventHub } from './event-hub.js'

const withName = (key: string, name: string | undefined): Record<string, string> =>
  name == null ? {} : { [key]: name }

/**
 * Turns journal changes into `task` events. A task that keeps retrying (an
 * agent busy, a peer away) is re-assigned many times; it is announced once
 * per executor, not once per try. Memory is bounded by `maxTracked` tasks.
 */
export function publishTaskEvents(
  events: Pick<EventHub, 'publish'>,
  maxTracked = 10_000,
  nameOf: (peerId: string | undefined) => string | undefined = () => undefined
): (task: TaskRecord) => void {
  const announced = new Map<string, Set<string>>()
  return (task) => {
    const terminal = task.status === 'completed' || task.status === 'failed' || task.status === 'cancelled'
    if (task.status === 'assigned' && task.executor != null) {
      const seen = announced.get(task.taskId) ?? new Set<string>()
      if (seen.has(task.executor)) return
      seen.add(task.executor)
      announced.delete(task.taskId)
      announced.set(task.taskId, seen)
      if (announced.size > maxTracked) announced.delete(announced.keys().next().value as string)
    }
    if (terminal) announced.delete(task.taskId)
    events.publish({
      type: 'task',
      taskId: task.taskId,
      status: task.status,
      capability: task.capability,
      executor: task.executor ?? null,
      ...withName('executorName', nameOf(task.executor))
    })
  }
}

/** Feeds the event stream: agents joining and leaving, peer health and tasks, each peer with its name. */
export function publishMeshEvents(
  events: Pick<EventHub, 'publish'>,
  mesh: Pick<Mesh, 'registry' | 'failureDetector'>,
  journal: Pick<TaskJournal, 'onChange'>,
  /** The name each peer announced, shown beside its id (`NodeNames.of` in the control API). */
  names: { of(peerId: string | null | undefined): string | undefined }
): void {
  mesh.registry.onEvent((event) => {
    if (event.type !== 'agent_joined' && event.type !== 'agent_left') return
    const { peerId, agent } = event.agent
    events.publish({
      type: event.type,
      peerId,
      ...withName('name', names.of(peerId)),
      agent,
      ...(event.type === 'agent_joined'
        ? { capabilities: event.agent.capabilities }
        : { reason: event.reason })
    })
  })
  mesh.failureDetector.onEvent((event) =>
    events.publish({ ...event, ...withName('name', names.of(event.peerId)) })
  )
  journal.onChange(publishTaskEvents(events, undefined, names.of))
}
