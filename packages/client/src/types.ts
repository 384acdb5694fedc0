/** JSON shapes of the control API (docs/API.md); the CLI's --json prints them unchanged. */

export interface IdInfo {
  peerId: string
  addresses: string[]
}

export interface PeerInfo {
  peerId: string
  addresses: string[]
}

export interface ApiErrorBody {
  error: string
  code: string
}
