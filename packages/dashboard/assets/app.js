// The dashboard: reads the daemon's API with the session cookie (GET only),
// keeps a small picture of the mesh, and redraws it as events arrive.
import { drawGraph } from './graph.js'

const MAX_TASKS = 50
const MAX_FEED = 100
const STATS_WINDOW_MS = 5 * 60_000

const state = { self: '', nodes: [], agents: [], tasks: new Map(), lastPath: [] }
const $ = (sel) => document.querySelector(sel)

async function get(path) {
  const res = await fetch(path, { credentials: 'same-origin' })
  if (res.status === 401) {
    document.body.textContent = 'The session has ended. Run "mesh-node dashboard" for a new link.'
    throw new Error('unauthorized')
  }
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`)
  return await res.json()
}

/** 12D3KooWLW9Y…X95yK6: enough to tell peers apart, short enough for a table. */
export function shortId(id) {
  return typeof id === 'string' && id.length > 16 ? `${id.slice(0, 4)}…${id.slice(-6)}` : String(id ?? '')
}

/**
 * A node's announced name, with its short id beside it when another node
 * claims the same name: names are labels anyone can pick, ids are identity.
 */
function nameOf(peerId) {
  const node = state.nodes.find((n) => n.peerId === peerId)
  if (node?.name == null) return shortId(peerId)
  const shared = state.nodes.some((n) => n.peerId !== peerId && n.name === node.name)
  return shared ? `${node.name} (${shortId(peerId)})` : node.name
}

function cell(row, text, cls) {
  const td = document.createElement('td')
  td.textContent = text
  if (cls) td.className = cls
  row.append(td)
  return td
}

function fmtMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return '–'
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}

function renderGraph() {
  // Both ends announce a connection: draw it once. Other nodes' lists are their own word.
  const edges = new Map()
  for (const n of state.nodes)
    for (const c of n.connections ?? []) edges.set([n.peerId, c].sort().join(' '), [n.peerId, c].sort())
  const ordered = [...state.nodes].sort((a, b) =>
    a.state === 'self' ? -1 : b.state === 'self' ? 1 : a.peerId.localeCompare(b.peerId)
  )
  const agentsOf = (id) => state.agents.filter((a) => a.peerId === id)
  drawGraph($('#graph'), {
    nodes: ordered.map((n) => {
      const agents = agentsOf(n.peerId)
      const running = agents.reduce((s, a) => s + a.running, 0)
      const capacity = agents.reduce((s, a) => s + a.capacity, 0)
      return {
        peerId: n.peerId,
        state: n.state,
        label: nameOf(n.peerId),
        sub:
          agents.length > 0
            ? `${agents.length} agent${agents.length > 1 ? 's' : ''} · ${running}/${capacity}`
            : ''
      }
    }),
    edges: [...edges.values()],
    path: state.lastPath
  })
  $('#node-count').textContent = `(${state.nodes.length} node${state.nodes.length === 1 ? '' : 's'})`
}

function renderAgents() {
  const body = $('#agents tbody')
  body.replaceChildren()
  for (const a of state.agents) {
    const row = document.createElement('tr')
    row.dataset.agent = a.agent
    cell(row, nameOf(a.peerId), 'id')
    cell(row, a.agent)
    cell(row, a.capabilities.join(', '))
    const load = cell(row, `${a.running}/${a.capacity}`)
    const bar = document.createElement('span')
    bar.className = 'bar'
    const fill = document.createElement('i')
    const ratio = a.capacity > 0 ? a.running / a.capacity : 0
    fill.style.width = `${Math.min(100, Math.round(ratio * 100))}%`
    fill.className = ratio >= 1 ? 'full' : ratio >= 0.7 ? 'hot' : ''
    bar.append(fill)
    load.prepend(bar)
    body.append(row)
  }
}

function recentTasks() {
  return [...state.tasks.values()].sort((a, b) => b.createdAt - a.createdAt).slice(0, MAX_TASKS)
}

function renderTasks() {
  const body = $('#tasks tbody')
  body.replaceChildren()
  for (const t of recentTasks()) {
    const row = document.createElement('tr')
    row.dataset.task = t.taskId
    row.dataset.path = (t.path ?? []).join(' ')
    cell(row, t.taskId.slice(0, 8), 'id').title = t.taskId
    cell(row, t.capability)
    cell(row, t.status, `status-${t.status}`)
    cell(row, (t.path ?? []).map(nameOf).join(' → ') || '–', 'id')
    const done = ['completed', 'failed', 'cancelled'].includes(t.status)
    cell(row, done ? fmtMs(t.updatedAt - t.createdAt) : '…')
    body.append(row)
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return undefined
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

function renderCapabilities() {
  const since = Date.now() - STATS_WINDOW_MS
  const by = new Map()
  for (const t of state.tasks.values()) {
    if (t.role !== 'origin' || t.updatedAt < since || !['completed', 'failed'].includes(t.status)) continue
    const s = by.get(t.capability) ?? { n: 0, ok: 0, times: [] }
    s.n++
    if (t.status === 'completed') s.ok++
    s.times.push(t.updatedAt - t.createdAt)
    by.set(t.capability, s)
  }
  const body = $('#caps tbody')
  body.replaceChildren()
  for (const [cap, s] of [...by.entries()].sort()) {
    s.times.sort((a, b) => a - b)
    const row = document.createElement('tr')
    row.dataset.capability = cap
    cell(row, cap)
    cell(row, String(s.n))
    cell(row, (s.n / (STATS_WINDOW_MS / 60_000)).toFixed(1))
    cell(row, `${Math.round((100 * s.ok) / s.n)}%`)
    cell(row, fmtMs(percentile(s.times, 50)))
    cell(row, fmtMs(percentile(s.times, 95)))
    body.append(row)
  }
}

function feed(list, text, at) {
  const li = document.createElement('li')
  const time = document.createElement('time')
  time.textContent = new Date(at ?? Date.now()).toLocaleTimeString()
  li.append(time, text)
  list.prepend(li)
  while (list.children.length > MAX_FEED) list.lastChild.remove()
}

function describe(e) {
  const who = e.peerId ? ` ${nameOf(e.peerId)}` : ''
  switch (e.type) {
    case 'task':
      return `task ${String(e.taskId).slice(0, 8)} ${e.capability} ${e.status}${e.executor ? ` on ${nameOf(e.executor)}` : ''}`
    case 'agent_joined':
    case 'agent_left':
      return `${e.type.replace('_', ' ')}: ${e.agent} on${who}${e.reason ? ` (${e.reason})` : ''}`
    case 'vote_started':
      return `vote: ${e.question} [${(e.options ?? []).join(' | ')}]`
    case 'vote_done':
      return `vote decided: ${e.result?.choice ?? 'no decision'} (${e.result?.votes?.length ?? 0} votes)`
    case 'auction_started':
      return `auction for ${e.capability}, bids close in ${fmtMs(e.deadlineMs)}`
    case 'auction_closed':
      return `auction for ${e.capability}: ${e.bids} bid${e.bids === 1 ? '' : 's'}${e.winner ? `, won by ${e.winner} on ${nameOf(e.winnerPeerId)}` : ''}`
    case 'solve_phase':
      return `solve ${e.correlationId ?? ''}: ${e.phase}`
    default:
      return `${e.type.replace('_', ' ')}${who}${e.reason ? ` (${e.reason})` : ''}`
  }
}

const pending = new Set()
let flushTimer
/** Task events come in bursts under load: fetch each changed task once per half second. */
function refreshTask(taskId) {
  pending.add(taskId)
  if (flushTimer != null) return
  flushTimer = setTimeout(async () => {
    flushTimer = undefined
    const ids = [...pending].slice(-20)
    pending.clear()
    for (const id of ids) {
      try {
        const t = await get(`/v1/tasks/${encodeURIComponent(id)}`)
        state.tasks.set(t.taskId, t)
        if (t.status === 'completed' && (t.path ?? []).length > 0) state.lastPath = t.path
      } catch {
        /* pruned or not ours: the next list refresh settles it */
      }
    }
    trimTasks()
    renderTasks()
    renderCapabilities()
    renderGraph()
  }, 500)
}

function trimTasks() {
  const keep = new Set(
    [...state.tasks.values()]
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, 500)
      .map((t) => t.taskId)
  )
  for (const id of state.tasks.keys()) if (!keep.has(id)) state.tasks.delete(id)
}

async function refreshMesh() {
  const [mesh, agents] = await Promise.all([get('/v1/mesh'), get('/v1/agents')])
  state.self = mesh.self
  state.nodes = mesh.nodes
  state.agents = agents
  $('#self').textContent = `this node: ${nameOf(mesh.self)}`
  renderGraph()
  renderAgents()
}

async function refreshTasks() {
  for (const t of await get(`/v1/tasks?limit=${MAX_TASKS}`)) state.tasks.set(t.taskId, t)
  const last = recentTasks().find((t) => t.status === 'completed' && (t.path ?? []).length > 0)
  if (last != null && state.lastPath.length === 0) state.lastPath = last.path
  trimTasks()
  renderTasks()
  renderCapabilities()
}

/** Subscribes to every event type the daemon names (GET /v1/events/types), so the list lives in one place. */
async function listen() {
  const { types } = await get('/v1/events/types')
  const source = new EventSource('/v1/events')
  source.onopen = () => {
    $('#live').textContent = 'live'
    $('#live').className = 'pill'
  }
  source.onerror = () => {
    $('#live').textContent = 'reconnecting'
    $('#live').className = 'pill off'
  }
  source.onmessage = () => {}
  const on = (e) => {
    const event = JSON.parse(e.data)
    const text = describe(event)
    feed($('#events'), text, event.at)
    if (/^(vote|auction|solve)/.test(event.type)) feed($('#rounds'), text, event.at)
    if (event.type === 'task') refreshTask(event.taskId)
    if (/^(agent|peer)_/.test(event.type)) refreshMesh().catch(() => {})
  }
  for (const type of types) source.addEventListener(type, on)
}

async function main() {
  await Promise.all([refreshMesh(), refreshTasks()])
  await listen()
  // Load and connections change without events of their own.
  setInterval(() => refreshMesh().catch(() => {}), 3000)
  setInterval(() => refreshTasks().catch(() => {}), 10_000)
}

main().catch((err) => {
  $('#live').textContent = `error: ${err.message}`
})
