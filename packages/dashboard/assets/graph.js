// The mesh graph, drawn as plain SVG: nodes on a circle (this node first,
// then by id, so positions stay put as the mesh changes), edges between
// connected peers, and the last task's path on top.
const NS = 'http://www.w3.org/2000/svg'

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
  if (text != null) e.textContent = text
  return e
}

function layout(ids, width, height) {
  const pos = new Map()
  const r = Math.min(width, height) / 2 - 48
  const cx = width / 2
  const cy = height / 2
  if (ids.length === 1) pos.set(ids[0], { x: cx, y: cy })
  else
    ids.forEach((id, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / ids.length
      pos.set(id, { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) })
    })
  return pos
}

/**
 * nodes: [{ peerId, state, label, sub }]; edges: [[a, b]]; path: [peerId…]
 */
export function drawGraph(svg, { nodes, edges, path }) {
  const [, , width, height] = svg.getAttribute('viewBox').split(' ').map(Number)
  const ids = nodes.map((n) => n.peerId)
  const pos = layout(ids, width, height)
  svg.replaceChildren()
  const line = (a, b, cls) => {
    const p = pos.get(a)
    const q = pos.get(b)
    if (p == null || q == null || a === b) return
    svg.append(el('line', { class: cls, x1: p.x, y1: p.y, x2: q.x, y2: q.y, 'data-edge': `${a} ${b}` }))
  }
  for (const [a, b] of edges) line(a, b, 'edge')
  for (let i = 1; i < (path ?? []).length; i++) line(path[i - 1], path[i], 'edge path')
  for (const n of nodes) {
    const p = pos.get(n.peerId)
    const g = el('g', { class: 'node', 'data-node': n.peerId, 'data-state': n.state })
    g.append(el('title', {}, `${n.peerId} (${n.state})`))
    g.append(el('circle', { cx: p.x, cy: p.y, r: 18, class: n.state }))
    g.append(el('text', { x: p.x, y: p.y + 34 }, n.label))
    if (n.sub) g.append(el('text', { x: p.x, y: p.y + 48, class: 'sub' }, n.sub))
    svg.append(g)
  }
}
